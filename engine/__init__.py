"""The rex-tui engine: an async, UI-agnostic OCI registry client.

Most callers need only `Rex` and a `Config`::

    async with Rex(Config(registries=(RegistryConfig("local", "localhost:5000"),),
                          current="local")) as rex:
        info = await rex.inspect("team/app:1.2")
"""

import importlib
from typing import TYPE_CHECKING, Any

from engine._version import __version__

# Names are imported on first use (PEP 562): `import engine` stays cheap, and a
# cached answer can be printed without ever loading httpx or trio. A value of
# "module:attribute" exports the attribute under a clearer top-level name.
_WHERE = {
    "ArtifactMarks": "engine.reads.facts",
    "Answer": "engine.reads.plan",
    "referrers_plan": "engine.reads.plan",
    "Plan": "engine.reads.plan",
    "Consistency": "engine.reads.plan",
    "OfflineMiss": "engine.errors",
    "NeedsNetwork": "engine.reads.cacheonly",
    "run_cached": "engine.reads.cacheonly",
    "image_facts_plan": "engine.reads.plan",
    "image_plan": "engine.reads.plan",
    "repo_rows_plan": "engine.reads.plan",
    "repositories_plan": "engine.reads.plan",
    "tag_rows_plan": "engine.reads.plan",
    "tags_plan": "engine.reads.plan",
    "AuthenticationError": "engine.errors",
    "Cache": "engine.cache.store",
    "CacheError": "engine.errors",
    "CacheKey": "engine.cache.keys",
    "CacheKind": "engine.cache.keys",
    "Config": "engine.config.model",
    "ConfigurationError": "engine.errors",
    "ContentError": "engine.errors",
    "CredentialStore": "engine.transport.credentials",
    "Credentials": "engine.transport.credentials",
    "Description": "engine.oci.annotations",
    "Descriptor": "engine.oci.manifests",
    "Digest": "engine.oci.digest",
    "DigestGroup": "engine.reads.facts",
    "Endpoint": "engine.transport.endpoint",
    "Fetched": "engine.reads.refresh",
    "FilterResult": "engine.search.matcher",
    "ImageConfig": "engine.oci.manifests",
    "ImageIndex": "engine.oci.manifests",
    "ImageInfo": "engine.oci.models",
    "ImageManifest": "engine.oci.manifests",
    "IncrementalFilter": "engine.search.matcher",
    "LoadedConfig": "engine.config.settings",
    "Manifest": "engine.oci.models",
    "Match": "engine.search.matcher",
    "NetworkConfig": "engine.config.model",
    "NetworkError": "engine.errors",
    "NotFoundError": "engine.errors",
    "PermissionDeniedError": "engine.errors",
    "PingResult": "engine.oci.models",
    "Platform": "engine.oci.manifests",
    "PlatformManifest": "engine.oci.models",
    "REGISTRY_NAME": "engine.config.file",
    "REGISTRY_NAME_HINT": "engine.config.file",
    "RateLimit": "engine.transport.headers",
    "RateLimitError": "engine.errors",
    "Reference": "engine.oci.reference",
    "RegistryConfig": "engine.config.model",
    "RegistryStatus": "engine.status",
    "Remedy": "engine.errors",
    "RepoInfo": "engine.oci.models",
    "RequestTimeout": "engine.errors",
    "RetryPolicy": "engine.transport.client",
    "Rex": "engine.rex",
    "RexError": "engine.errors",
    "ServerError": "engine.errors",
    "Superseded": "engine.search.matcher",
    "TagInfo": "engine.oci.models",
    "TagMatch": "engine.oci.models",
    "TRANSFER_LAYOUTS": "engine.transfer:LAYOUTS",
    "TransferOutcome": "engine.transfer:Outcome",
    "TransferResult": "engine.transfer",
    "TransferWatcher": "engine.transfer",
    "ValidationError": "engine.errors",
    "ConfigChange": "engine.layers.diff",
    "FileChange": "engine.layers.diff",
    "FileEntry": "engine.layers.entries",
    "ImageDiff": "engine.layers.diff",
    "ImageFiles": "engine.layers.reader",
    "LayerFiles": "engine.layers.reader",
    "MergedFiles": "engine.layers.merge",
    "Waste": "engine.layers.merge",
    "file_mode": "engine.layers.entries:mode_text",
    "absolute_time": "engine.format",
    "add_registry": "engine.config.settings",
    "add_repository": "engine.config.settings",
    "config_key": "engine.config.schema:lookup",
    "default_config_path": "engine.config.settings",
    "flag_overrides": "engine.config.settings",
    "get_setting": "engine.config.settings:get_value",
    "group_by_digest": "engine.reads.facts",
    "group_digits": "engine.format",
    "human_size": "engine.format",
    "is_artifact_tag": "engine.reads.facts",
    "is_loopback": "engine.transport.endpoint",
    "isoformat": "engine.oci.models",
    "leaves": "engine.errors",
    "load_config": "engine.config.settings:load",
    "marks_of_referrers": "engine.reads.facts",
    "primary": "engine.errors",
    "read_config_bytes": "engine.config.file",
    "registry_url": "engine.config.file",
    "relative_time": "engine.format",
    "remove_registry": "engine.config.settings",
    "search_names": "engine.search.matcher:search",
    "set_current_registry": "engine.config.settings",
    "set_setting": "engine.config.settings:set_value",
    "ImageSize": "engine.storage.accounting",
    "NamespaceUsage": "engine.storage.accounting",
    "RepoScan": "engine.storage.accounting",
    "RepoUsage": "engine.storage.accounting",
    "STORAGE_SORTS": "engine.storage.accounting:SORTS",
    "StorageReport": "engine.storage.accounting",
    "StorageTotal": "engine.storage.totals",
    "TagUsage": "engine.storage.accounting",
    "cached_storage_total": "engine.storage.totals:cached_total",
    "namespace_of": "engine.storage.accounting",
    "sort_usages": "engine.storage.accounting",
    "tag_usages": "engine.storage.accounting",
    "shown_tags": "engine.reads.facts",
}

if TYPE_CHECKING:
    from engine.cache.keys import CacheKey, CacheKind
    from engine.cache.store import Cache
    from engine.config.file import (
        REGISTRY_NAME,
        REGISTRY_NAME_HINT,
        read_config_bytes,
        registry_url,
    )
    from engine.config.model import Config, NetworkConfig, RegistryConfig
    from engine.config.schema import lookup as config_key
    from engine.config.settings import (
        LoadedConfig,
        add_registry,
        add_repository,
        default_config_path,
        flag_overrides,
        remove_registry,
        set_current_registry,
    )
    from engine.config.settings import (
        get_value as get_setting,
    )
    from engine.config.settings import (
        load as load_config,
    )
    from engine.config.settings import (
        set_value as set_setting,
    )
    from engine.errors import (
        AuthenticationError,
        CacheError,
        ConfigurationError,
        ContentError,
        NetworkError,
        NotFoundError,
        OfflineMiss,
        PermissionDeniedError,
        RateLimitError,
        Remedy,
        RequestTimeout,
        RexError,
        ServerError,
        ValidationError,
        leaves,
        primary,
    )
    from engine.format import absolute_time, group_digits, human_size, relative_time
    from engine.layers.diff import ConfigChange, FileChange, ImageDiff
    from engine.layers.entries import FileEntry
    from engine.layers.entries import mode_text as file_mode
    from engine.layers.merge import MergedFiles, Waste
    from engine.layers.reader import ImageFiles, LayerFiles
    from engine.oci.annotations import Description
    from engine.oci.digest import Digest
    from engine.oci.manifests import Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform
    from engine.oci.models import (
        ImageInfo,
        Manifest,
        PingResult,
        PlatformManifest,
        RepoInfo,
        TagInfo,
        TagMatch,
        isoformat,
    )
    from engine.oci.reference import Reference
    from engine.reads.cacheonly import NeedsNetwork, run_cached
    from engine.reads.facts import (
        ArtifactMarks,
        DigestGroup,
        group_by_digest,
        is_artifact_tag,
        marks_of_referrers,
        shown_tags,
    )
    from engine.reads.plan import (
        Answer,
        Consistency,
        Plan,
        image_facts_plan,
        image_plan,
        referrers_plan,
        repo_rows_plan,
        repositories_plan,
        tag_rows_plan,
        tags_plan,
    )
    from engine.reads.refresh import Fetched
    from engine.rex import Rex
    from engine.search.matcher import (
        FilterResult,
        IncrementalFilter,
        Match,
        Superseded,
    )
    from engine.search.matcher import (
        search as search_names,
    )
    from engine.status import RegistryStatus
    from engine.storage.accounting import SORTS as STORAGE_SORTS
    from engine.storage.accounting import (
        ImageSize,
        NamespaceUsage,
        RepoScan,
        RepoUsage,
        StorageReport,
        TagUsage,
        namespace_of,
        sort_usages,
        tag_usages,
    )
    from engine.storage.totals import StorageTotal
    from engine.storage.totals import cached_total as cached_storage_total
    from engine.transfer import LAYOUTS as TRANSFER_LAYOUTS
    from engine.transfer import Outcome as TransferOutcome
    from engine.transfer import TransferResult, TransferWatcher
    from engine.transport.client import RetryPolicy
    from engine.transport.credentials import Credentials, CredentialStore
    from engine.transport.endpoint import Endpoint, is_loopback
    from engine.transport.headers import RateLimit


def __getattr__(name: str) -> Any:
    target = _WHERE.get(name)
    if target is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")

    module, _, attribute = target.partition(":")
    value = getattr(importlib.import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "REGISTRY_NAME",
    "REGISTRY_NAME_HINT",
    "STORAGE_SORTS",
    "TRANSFER_LAYOUTS",
    "Answer",
    "ArtifactMarks",
    "AuthenticationError",
    "Cache",
    "CacheError",
    "CacheKey",
    "CacheKind",
    "Config",
    "ConfigChange",
    "ConfigurationError",
    "Consistency",
    "ContentError",
    "CredentialStore",
    "Credentials",
    "Description",
    "Descriptor",
    "Digest",
    "DigestGroup",
    "Endpoint",
    "Fetched",
    "FileChange",
    "FileEntry",
    "FilterResult",
    "ImageConfig",
    "ImageDiff",
    "ImageFiles",
    "ImageIndex",
    "ImageInfo",
    "ImageManifest",
    "ImageSize",
    "IncrementalFilter",
    "LayerFiles",
    "LoadedConfig",
    "Manifest",
    "Match",
    "MergedFiles",
    "NamespaceUsage",
    "NeedsNetwork",
    "NetworkConfig",
    "NetworkError",
    "NotFoundError",
    "OfflineMiss",
    "PermissionDeniedError",
    "PingResult",
    "Plan",
    "Platform",
    "PlatformManifest",
    "RateLimit",
    "RateLimitError",
    "Reference",
    "RegistryConfig",
    "RegistryStatus",
    "Remedy",
    "RepoInfo",
    "RepoScan",
    "RepoUsage",
    "RequestTimeout",
    "RetryPolicy",
    "Rex",
    "RexError",
    "ServerError",
    "StorageReport",
    "StorageTotal",
    "Superseded",
    "TagInfo",
    "TagMatch",
    "TagUsage",
    "TransferOutcome",
    "TransferResult",
    "TransferWatcher",
    "ValidationError",
    "Waste",
    "__version__",
    "absolute_time",
    "add_registry",
    "add_repository",
    "cached_storage_total",
    "config_key",
    "default_config_path",
    "file_mode",
    "flag_overrides",
    "get_setting",
    "group_by_digest",
    "group_digits",
    "human_size",
    "image_facts_plan",
    "image_plan",
    "is_artifact_tag",
    "is_loopback",
    "isoformat",
    "leaves",
    "load_config",
    "marks_of_referrers",
    "namespace_of",
    "primary",
    "read_config_bytes",
    "referrers_plan",
    "registry_url",
    "relative_time",
    "remove_registry",
    "repo_rows_plan",
    "repositories_plan",
    "run_cached",
    "search_names",
    "set_current_registry",
    "set_setting",
    "shown_tags",
    "sort_usages",
    "tag_rows_plan",
    "tag_usages",
    "tags_plan",
]
