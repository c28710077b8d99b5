"""Hostile layers: escaping names, entry and header bombs, and reading that stops early."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable

import pytest

from engine import ContentError
from engine.layers import tarwalk
from engine.testing.images import (
    OCI_LAYER_TAR,
    Layer,
    TarEntry,
    build_image,
    make_config,
    sha256,
)
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess
from tests.engine.helpers import make_rex
from tests.support.faultproxy import FaultProxy

HOSTILE = [
    TarEntry("../../etc/passwd", b"x"),
    TarEntry("/abs/path", b"y"),
    TarEntry("a/./b/../c", b"z"),
    TarEntry("evil\x1b[31mred", b"e"),
    TarEntry("new\nline", b"n"),
]


def _push(url: str, repo: str, layers: list[Layer]) -> None:
    config = make_config(diff_ids=[layer.diff_id for layer in layers])
    with Pusher(url) as pusher:
        pusher.push(repo, "1", build_image(layers, config))


async def test_hostile_names_become_clean_paths(fresh_registry: RegistryProcess) -> None:
    _push(fresh_registry.url, "hostile/names", [Layer.from_entries(HOSTILE)])
    async with make_rex(fresh_registry.url) as rex:
        files = await rex.image_files("hostile/names:1")
    assert [e.path for e in files.merged.entries] == [
        "/a/c",
        "/abs/path",
        "/etc/passwd",
        "/evil\x1b[31mred",
        "/new\nline",
    ]


def _raw_layer(tar: bytes) -> Layer:
    return Layer(media_type=OCI_LAYER_TAR, data=tar, diff_id=sha256(tar))


async def test_too_many_entries_is_an_error(
    fresh_registry: RegistryProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tarwalk, "MAX_ENTRIES", 100)
    entries = [TarEntry(f"f{i}", b"") for i in range(150)]
    _push(fresh_registry.url, "hostile/many", [Layer.from_entries(entries, compression="gzip")])
    async with make_rex(fresh_registry.url) as rex:
        with pytest.raises(ContentError, match="more than 100 entries"):
            await rex.image_files("hostile/many:1")


async def test_giant_pax_header_is_refused(fresh_registry: RegistryProcess) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("file")
        info.pax_headers = {"comment": "x" * (tarwalk.MAX_HEADER_BYTES + 10)}
        tar.addfile(info, io.BytesIO(b""))
    _push(fresh_registry.url, "hostile/pax", [_raw_layer(buf.getvalue())])
    async with make_rex(fresh_registry.url) as rex:
        with pytest.raises(ContentError, match="over the 1,048,576-byte bound"):
            await rex.image_files("hostile/pax:1")


async def test_not_a_tar_is_an_error(fresh_registry: RegistryProcess) -> None:
    _push(fresh_registry.url, "hostile/junk", [_raw_layer(b"\x1f\x8bnot gzip at all" * 40)])
    async with make_rex(fresh_registry.url) as rex:
        with pytest.raises(ContentError, match="cannot be read: not valid gzip"):
            await rex.image_files("hostile/junk:1")


async def test_cat_stops_reading_once_it_has_the_file(
    fresh_registry: RegistryProcess, fault_proxy_factory: Callable[..., FaultProxy]
) -> None:
    wanted = b"first file\n"
    layer = Layer.from_entries(
        [TarEntry("first", wanted), TarEntry("rest", b"r" * (4 << 20))], compression="none"
    )
    _push(fresh_registry.url, "early/stop", [layer])
    proxy = fault_proxy_factory(fresh_registry.url)
    async with make_rex(proxy.url) as rex:
        files = await rex.image_files("early/stop:1")  # the listing reads the whole layer
        # From now on the layer's body never ends: only a reader that stops can finish.
        fault = proxy.endless(prefix=layer.data[:4096], method="GET", path=f"/blobs/{layer.digest}")
        out: list[bytes] = []
        await rex.read_file("early/stop:1", "/first", out.append, files=files)
    assert b"".join(out) == wanted
    assert fault.fired == 1
    assert fault.sent < 16 << 20


async def test_gnu_long_names_and_links(fresh_registry: RegistryProcess) -> None:
    long_dir = "d" * 120
    layer = Layer.from_entries(
        [
            TarEntry(f"{long_dir}/target-with-a-long-name-{'x' * 90}", b"t"),
            TarEntry("short", kind="symlink", link=f"{long_dir}/{'y' * 150}"),
        ],
        tar_format="gnu",
    )
    _push(fresh_registry.url, "gnu/long", [layer])
    async with make_rex(fresh_registry.url) as rex:
        files = await rex.image_files("gnu/long:1")
    entries = {e.path: e for e in files.merged.entries}
    assert f"/{long_dir}/target-with-a-long-name-{'x' * 90}" in entries
    assert entries["/short"].link == f"{long_dir}/{'y' * 150}"
