"""The JSON shapes of seed 001 Part 2's examples: keys and value types, per command."""

from __future__ import annotations

from tests.print.harness import MapOf

NULLABLE_STR = (str, type(None))

IMAGES = {"images": [{"name": str, "tags": int, "last_updated": NULLABLE_STR}]}

TAGS = {
    "name": str,
    "tags": [{"tag": str, "digest": str, "size": int, "created": NULLABLE_STR, "platforms": [str]}],
}

IMAGE = {
    "reference": str,
    "digest": str,
    "manifest_type": str,
    "size": int,
    "config_size": int,
    "manifest_size": int,
    "platform_sizes": MapOf(int),
    "platforms": [str],
    "config": {"entrypoint": [str], "env": [str], "working_dir": str, "user": str},
    "layers": [{"digest": str, "size": int}],
    "labels": MapOf(str),
    "created": NULLABLE_STR,
}

INSPECT = {
    **IMAGE,
    "registry": str,
    "media_type": str,
    "config_digest": str,
    "history": [{"created": NULLABLE_STR, "created_by": NULLABLE_STR, "empty_layer": bool}],
    "rootfs": {"type": str, "diff_ids": [str]},
    "manifest": dict,
    "image_config": dict,
}

SEARCH_IMAGE = {
    "query": str,
    "search_type": str,
    "tag_filter": NULLABLE_STR,
    "total_results": int,
    "results": [{"name": str, "tags": int, "last_updated": NULLABLE_STR}],
}

SEARCH_TAGS = {
    "query": str,
    "search_type": str,
    "image_scope": NULLABLE_STR,
    "total_results": int,
    "results": [{"tag": str, "reference": str, "digest": str, "size": int}],
}

VERSION = {
    "version": str,
    "commit": str,
    "commit_short": str,
    "branch": str,
    "built": str,
    "python": str,
    "target": str,
    "features": [str],
    "profile": str,
}

_NULLABLE_INT = (int, type(None))
_NULLABLE_NUMBER = (int, float, type(None))
REGISTRIES = {
    "current": NULLABLE_STR,
    "registries": [
        {
            "name": str,
            "url": str,
            "current": bool,
            "status": str,
            # The dashboard (issue 14 §2): null where not known.
            "latency_ms": _NULLABLE_NUMBER,
            "auth": NULLABLE_STR,
            "api_version": NULLABLE_STR,
            "repositories": _NULLABLE_INT,
            "storage_bytes": _NULLABLE_INT,
            "last_sync": NULLABLE_STR,
            "last_sync_age_seconds": _NULLABLE_INT,
            "last_error": NULLABLE_STR,
            "last_error_at": NULLABLE_STR,
            "rate_limit": (dict, type(None)),
        }
    ],
}
RATE_LIMIT = {
    "limit": _NULLABLE_INT,
    "remaining": _NULLABLE_INT,
    "window_seconds": _NULLABLE_NUMBER,
    "resets_at": NULLABLE_STR,
    "resets_in_seconds": _NULLABLE_INT,
    "limited": bool,
}

_BY_TYPE_ENTRY = {"entries": int, "size": int}
CACHE_STATS = {
    "registry": str,
    "url": str,
    "total_entries": int,
    "total_size": int,
    "memory_entries": int,
    "memory_size": int,
    "disk_entries": int,
    "disk_size": int,
    "hit_rate": (float, int),
    "last_cleanup": NULLABLE_STR,
    "by_type": {
        "catalogs": _BY_TYPE_ENTRY,
        "tags": _BY_TYPE_ENTRY,
        "manifests": _BY_TYPE_ENTRY,
        "configs": _BY_TYPE_ENTRY,
    },
    "cache_path": NULLABLE_STR,
}
