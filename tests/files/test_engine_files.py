"""Listing, merging and reading layers against a real registry (engine.layers via Rex)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import ContentError, NotFoundError
from engine.cache.store import Cache
from engine.config.model import CacheConfig
from engine.testing.registry import RegistryProcess
from tests.engine.helpers import make_rex
from tests.files.images import APP_V2, LONG_NAME, push_files_images

pytestmark = pytest.mark.usefixtures("pushed")


@pytest.fixture
def pushed(fresh_registry: RegistryProcess) -> None:
    push_files_images(fresh_registry.url)


MERGED = [
    ("/app", "dir", 0, 0o755, 1),
    ("/app/main.py", "file", 19, 0o644, 2),
    ("/app/notes.txt", "file", 6, 0o644, 3),
    ("/bin", "dir", 0, 0o755, 1),
    ("/bin/same", "hardlink", 0, 0o644, 1),
    ("/bin/sh", "symlink", 0, 0o644, 1),
    ("/bin/tool", "file", 17, 0o644, 3),
    ("/etc", "dir", 0, 0o755, 1),
    ("/etc/cache", "dir", 0, 0o755, 1),
    ("/etc/cache/c", "file", 10, 0o644, 2),
    ("/etc/os-release", "file", 10, 0o644, 1),
    ("/" + LONG_NAME, "file", 5, 0o644, 2),
    ("/tmp", "dir", 0, 0o1777, 1),
    ("/usr", "dir", 0, 0o755, 2),
    ("/usr/bin", "symlink", 0, 0o644, 2),
]


async def test_merged_listing_applies_whiteouts_and_opaque_dirs(
    fresh_registry: RegistryProcess,
) -> None:
    async with make_rex(fresh_registry.url) as rex:
        files = await rex.image_files("files/app:1")
    got = [(e.path, e.kind, e.size, e.mode, e.layer) for e in files.merged.entries]
    assert got == MERGED
    by_path = {e.path: e for e in files.merged.entries}
    assert by_path["/bin/sh"].link == "tool"
    assert by_path["/bin/same"].link == "/bin/tool"
    assert by_path["/usr/bin"].link == "/bin"
    assert (by_path["/app/main.py"].uid, by_path["/app/main.py"].uname) == (1000, "app")
    assert [len(layer.entries) for layer in files.layers] == [13, 7, 2]


async def test_wasted_bytes_are_the_earlier_copies(fresh_registry: RegistryProcess) -> None:
    async with make_rex(fresh_registry.url) as rex:
        files = await rex.image_files("files/app:1")
    wasted = [(w.path, w.copies, w.size, w.layers) for w in files.merged.wasted]
    assert wasted == [
        ("/tmp/big", 1, 5000, (1,)),
        ("/etc/cache/b", 1, 200, (1,)),
        ("/etc/cache/a", 1, 100, (1,)),
        ("/app/main.py", 1, 12, (1,)),
        ("/bin/tool", 1, 10, (1,)),
    ]
    assert files.merged.wasted_bytes == 5000 + 200 + 100 + 12 + 10


async def test_one_layer_lists_its_whiteouts(fresh_registry: RegistryProcess) -> None:
    async with make_rex(fresh_registry.url) as rex:
        info, layer = await rex.layer_files("files/app:1", 2)
        _, by_digest = await rex.layer_files("files/app:1", info.layers[1].digest[:19])
    assert by_digest.entries == layer.entries
    assert [(e.path, e.kind) for e in layer.entries] == [
        ("/tmp/big", "whiteout"),
        ("/etc/cache", "opaque"),
        ("/etc/cache/c", "file"),
        ("/app/main.py", "file"),
        ("/" + LONG_NAME, "file"),
        ("/usr", "dir"),
        ("/usr/bin", "symlink"),
    ]


async def test_cat_follows_symlinks_and_hardlinks(fresh_registry: RegistryProcess) -> None:
    async with make_rex(fresh_registry.url) as rex:
        for path, expected in [
            ("/app/main.py", APP_V2),
            ("app/main.py", APP_V2),
            ("/usr/bin/sh", b"#!/bin/sh\necho 2\n"),
            ("/bin/same", b"#!/bin/sh\n"),  # the hard link keeps the base layer's content
            ("/" + LONG_NAME, b"long\n"),
        ]:
            out: list[bytes] = []
            await rex.read_file("files/app:1", path, out.append)
            assert b"".join(out) == expected, path
        with pytest.raises(NotFoundError):
            await rex.read_file("files/app:1", "/tmp/big", out.append)


async def test_listing_is_cached_and_verified(
    fresh_registry: RegistryProcess, tmp_path: Path
) -> None:
    root = tmp_path / "cache"
    async with make_rex(fresh_registry.url, cache=Cache(root, config=CacheConfig())) as rex:
        first = await rex.image_files("files/app:1")
    files = sorted((root / "files").rglob("*.json"))
    assert len(files) == 3
    # One listing damaged on disk: dropped, and that layer read again from the registry.
    damaged = files[0].read_text().replace('"/', '"/x', 1)
    files[0].write_text(damaged)
    async with make_rex(fresh_registry.url, cache=Cache(root, config=CacheConfig())) as rex:
        again = await rex.image_files("files/app:1")
    assert again.merged.entries == first.merged.entries
    # With every listing cached, no layer is fetched: the registry can be gone.
    fresh_registry.stop()
    async with make_rex(fresh_registry.url, cache=Cache(root, config=CacheConfig())) as rex:
        reader = await rex._layer_reader(rex.reference("files/app:1"))
        listings = await reader.layers(first.image.layers)
    assert [f.entries for f in listings] == [f.entries for f in first.layers]


async def test_diff_of_two_tags(fresh_registry: RegistryProcess) -> None:
    async with make_rex(fresh_registry.url) as rex:
        diff = await rex.diff_images("files/app:1", "files/app:2")
    changes = {(c.field, c.key): (c.before, c.after) for c in diff.config}
    assert changes == {
        ("env", "EXTRA"): (None, "1"),
        ("env", "MODE"): ("one", "two"),
        ("cmd", None): (["/bin/sh"], ["/bin/sh", "-c", "run"]),
        ("user", None): (None, "app"),
        ("ports", "80/tcp"): ("80/tcp", None),
        ("ports", "443/tcp"): (None, "443/tcp"),
        ("labels", "team"): (None, "x"),
        ("labels", "version"): ("1", "2"),
    }
    assert len(diff.layers_added) == 1 and len(diff.layers_removed) == 1
    assert diff.history == (("-", "COPY top"), ("+", "COPY new"))
    assert diff.files_added is not None and diff.files_removed is not None
    assert [e.path for e in diff.files_added] == ["/app/new"]
    assert [e.path for e in diff.files_removed] == []
    changed = {c.after.path: c.what for c in diff.files_changed or ()}
    assert changed == {"/app/notes.txt": ("size", "mode"), "/bin/tool": ("size", "mode")}


async def test_corrupt_layer_is_an_error(fresh_registry: RegistryProcess) -> None:
    async with make_rex(fresh_registry.url) as rex:
        info = await rex.inspect("files/app:1")
        digest = info.layers[0].digest
        blob = fresh_registry.blob_path(digest)
        data = bytearray(blob.read_bytes())
        data[-20] ^= 0xFF
        blob.write_bytes(bytes(data))
        with pytest.raises(ContentError, match=r"digest mismatch"):
            await rex.image_files("files/app:1")
