"""The images the files tests push: whiteouts, opaque directories, links, long names, zstd.

Expected listings and wasted bytes are worked out by hand in the tests from these.
"""

from __future__ import annotations

from engine.testing.images import (
    BuiltImage,
    HistoryEntry,
    Layer,
    TarEntry,
    build_image,
    make_config,
    opaque,
    whiteout,
)
from engine.testing.pusher import Pusher

LONG_NAME = "opt/" + "deep/" * 30 + "file.txt"  # 157 characters: a pax path header
BIG = b"B" * 5000
APP_V1 = b"print('v1')\n"
APP_V2 = b"print('version 2')\n"

BASE = Layer.from_entries(
    [
        TarEntry("etc/", kind="dir"),
        TarEntry("etc/os-release", b"NAME=Test\n"),
        TarEntry("etc/cache/", kind="dir"),
        TarEntry("etc/cache/a", b"a" * 100),
        TarEntry("etc/cache/b", b"b" * 200),
        TarEntry("bin/", kind="dir"),
        TarEntry("bin/tool", b"#!/bin/sh\n", mode=0o4755),
        TarEntry("bin/sh", kind="symlink", link="tool"),
        TarEntry("bin/same", kind="hardlink", link="bin/tool"),
        TarEntry("tmp/", kind="dir", mode=0o1777),
        TarEntry("tmp/big", BIG),
        TarEntry("app/", kind="dir"),
        TarEntry("app/main.py", APP_V1, uid=1000, gid=1000, uname="app", gname="app"),
    ]
)
UPPER = Layer.from_entries(
    [
        whiteout("tmp/big"),
        opaque("etc/cache"),
        TarEntry("etc/cache/c", b"c" * 10),
        TarEntry("app/main.py", APP_V2, uid=1000, gid=1000, uname="app", gname="app"),
        TarEntry(LONG_NAME, b"long\n"),
        TarEntry("usr/", kind="dir"),
        TarEntry("usr/bin", kind="symlink", link="/bin"),
    ],
    compression="zstd",
)
TOP = Layer.from_entries(
    [TarEntry("app/notes.txt", b"plain\n"), TarEntry("bin/tool", b"#!/bin/sh\necho 2\n")],
    compression="none",
    tar_format="gnu",
)


def files_image() -> BuiltImage:
    layers = [BASE, UPPER, TOP]
    config = make_config(
        diff_ids=[layer.diff_id for layer in layers],
        env=["PATH=/bin", "MODE=one"],
        cmd=["/bin/sh"],
        labels={"version": "1"},
        exposed_ports=["80/tcp"],
        history=[HistoryEntry("ADD base /"), HistoryEntry("RUN upgrade"), HistoryEntry("COPY top")],
    )
    return build_image(layers, config)


def second_image() -> BuiltImage:
    """`files_image` changed: a layer swapped, config and history edited."""
    top = Layer.from_entries(
        [TarEntry("app/notes.txt", b"plain, longer\n", mode=0o600), TarEntry("app/new", b"n")],
        compression="none",
    )
    layers = [BASE, UPPER, top]
    config = make_config(
        diff_ids=[layer.diff_id for layer in layers],
        env=["PATH=/bin", "MODE=two", "EXTRA=1"],
        cmd=["/bin/sh", "-c", "run"],
        user="app",
        labels={"version": "2", "team": "x"},
        exposed_ports=["443/tcp"],
        history=[HistoryEntry("ADD base /"), HistoryEntry("RUN upgrade"), HistoryEntry("COPY new")],
    )
    return build_image(layers, config)


def push_files_images(url: str) -> dict[str, BuiltImage]:
    built = {"files/app:1": files_image(), "files/app:2": second_image()}
    with Pusher(url) as pusher:
        for ref, image in built.items():
            repo, tag = ref.split(":")
            pusher.push(repo, tag, image)
    return built
