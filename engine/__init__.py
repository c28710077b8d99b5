"""The rex-tui engine: an async, UI-agnostic OCI registry client.

Most callers need only `Rex` and a `Config`::

    async with Rex(Config(registries=(RegistryConfig("local", "localhost:5000"),),
                          current="local")) as rex:
        info = await rex.inspect("team/app:1.2")
"""

from typing import TYPE_CHECKING, Any

from engine._version import __version__

# Names are imported on first use (PEP 562): `import engine` stays cheap, and a
# cached answer can be printed without ever loading httpx or trio.
_WHERE = {
    "RetryPolicy": "engine.client",
    "Config": "engine.config",
    "NetworkConfig": "engine.config",
    "RegistryConfig": "engine.config",
    "CredentialStore": "engine.credentials",
    "Credentials": "engine.credentials",
    "Digest": "engine.digest",
    "ImageInfo": "engine.models",
    "Manifest": "engine.models",
    "PingResult": "engine.models",
    "PlatformManifest": "engine.models",
    "Descriptor": "engine.oci",
    "ImageConfig": "engine.oci",
    "ImageIndex": "engine.oci",
    "ImageManifest": "engine.oci",
    "Platform": "engine.oci",
    "Reference": "engine.reference",
    "Rex": "engine.rex",
    **{
        name: "engine.errors"
        for name in (
            "AuthenticationError",
            "CacheError",
            "ConfigurationError",
            "ContentError",
            "NetworkError",
            "NotFoundError",
            "PermissionDeniedError",
            "RateLimitError",
            "RequestTimeout",
            "RexError",
            "ServerError",
            "ValidationError",
        )
    },
}

if TYPE_CHECKING:
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
    from engine.models import ImageInfo, Manifest, PingResult, PlatformManifest
    from engine.oci import Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform
    from engine.reference import Reference
    from engine.rex import Rex


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
