"""The rex-tui engine: an async, UI-agnostic OCI registry client.

Most callers need only `Rex` and a `Config`::

    async with Rex(Config(registries=(RegistryConfig("local", "localhost:5000"),),
                          current="local")) as rex:
        info = await rex.inspect("team/app:1.2")
"""

from engine._version import __version__
from engine.client import RetryPolicy
from engine.config import Config, NetworkConfig, RegistryConfig
from engine.credentials import Credentials, CredentialStore
from engine.digest import Digest
from engine.errors import (
    AuthenticationError,
    CacheError,
    ConfigurationError,
    ContentError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    RexError,
    ServerError,
    ValidationError,
)
from engine.models import ImageInfo, PlatformManifest
from engine.oci import Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform
from engine.reference import Reference
from engine.registry import Manifest, PingResult
from engine.rex import Rex

__all__ = [
    "AuthenticationError",
    "CacheError",
    "Config",
    "ConfigurationError",
    "ContentError",
    "CredentialStore",
    "Credentials",
    "Descriptor",
    "Digest",
    "ImageConfig",
    "ImageIndex",
    "ImageInfo",
    "ImageManifest",
    "Manifest",
    "NetworkConfig",
    "NetworkError",
    "NotFoundError",
    "PermissionDeniedError",
    "PingResult",
    "Platform",
    "PlatformManifest",
    "RateLimitError",
    "Reference",
    "RegistryConfig",
    "RequestTimeout",
    "RetryPolicy",
    "Rex",
    "RexError",
    "ServerError",
    "ValidationError",
    "__version__",
]
