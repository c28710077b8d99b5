"""`rex image files`, `rex image cat` and `rex image diff` as a person and a script run them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.testing.images import Layer, TarEntry, build_image, make_config
from engine.testing.pusher import Pusher
from engine.testing.registry import RegistryProcess
from tests.files.images import APP_V2, LONG_NAME, push_files_images
from tests.print.harness import Rex, parse
from tests.support.faultproxy import FaultProxy


@pytest.fixture
def url(fresh_registry: RegistryProcess) -> str:
    push_files_images(fresh_registry.url)
    return fresh_registry.url


def test_files_pretty_table(rex: Rex, url: str) -> None:
    result = rex("-r", url, "-f", "pretty", "image", "files", "files/app:1")
    assert result.returncode == 0, str(result)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["MODE", "OWNER", "SIZE", "LAYER", "PATH"]
    assert lines[2].split() == ["-rw-r--r--", "app:app", "19", "B", "2", "/app/main.py"]
    assert "/bin/sh -> tool" in result.stdout
    assert lines[-1] == "15 entries, 67 B in files; 5.2 KB wasted (see --wasted)"


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_files_document(rex: Rex, url: str, fmt: str) -> None:
    document = parse(rex("-r", url, "-f", fmt, "image", "files", "files/app:1"), fmt)
    assert [layer["number"] for layer in document["layers"]] == [1, 2, 3]
    by_path = {f["path"]: f for f in document["files"]}
    assert by_path["/app/main.py"] == {
        "path": "/app/main.py",
        "type": "file",
        "size": 19,
        "mode": "0644",
        "uid": 1000,
        "gid": 1000,
        "uname": "app",
        "gname": "app",
        "link": None,
        "layer": 2,
        "layer_digest": document["layers"][1]["digest"],
    }
    assert document["wasted_bytes"] == 5322
    assert "/" + LONG_NAME in by_path


def test_files_path_layer_and_wasted(rex: Rex, url: str) -> None:
    names = rex("-r", url, "-q", "image", "files", "files/app:1", "--path", "/etc")
    assert names.stdout.split() == ["/etc", "/etc/cache", "/etc/cache/c", "/etc/os-release"]
    layer = rex("-r", url, "-f", "json", "image", "files", "files/app:1", "--layer", "2")
    kinds = [(f["path"], f["type"]) for f in layer.json()["files"]][:2]
    assert kinds == [("/tmp/big", "whiteout"), ("/etc/cache", "opaque")]
    wasted = rex("-r", url, "-f", "json", "image", "files", "files/app:1", "--wasted").json()
    assert wasted["wasted_bytes"] == 5000 + 200 + 100 + 12 + 10
    assert wasted["wasted"][0]["path"] == "/tmp/big"


def test_files_bad_input(rex: Rex, url: str) -> None:
    layer = rex("-r", url, "image", "files", "files/app:1", "--layer", "9")
    assert layer.returncode == 2
    assert layer.stderr.startswith("rex: error: no layer 9: the image has 3 layers")
    both = rex("-r", url, "image", "files", "files/app:1", "--layer", "1", "--wasted")
    assert both.returncode == 2
    missing = rex("-r", url, "image", "files", "files/nope:1")
    assert missing.returncode == 5


def test_cat_prints_the_file(rex: Rex, url: str) -> None:
    result = rex("-r", url, "image", "cat", "files/app:1", "/app/main.py")
    assert result.returncode == 0, str(result)
    assert result.stdout == APP_V2.decode()
    linked = rex("-r", url, "image", "cat", "files/app:1", "/usr/bin/sh")
    assert linked.stdout == "#!/bin/sh\necho 2\n"
    missing = rex("-r", url, "image", "cat", "files/app:1", "/tmp/big")
    assert (missing.returncode, missing.stdout) == (5, "")
    assert "'/tmp/big' is not in the image's filesystem" in missing.stderr
    directory = rex("-r", url, "image", "cat", "files/app:1", "/etc")
    assert directory.returncode == 2


def test_cat_on_a_terminal_escapes_text_and_refuses_binary(
    rex: Rex, fresh_registry: RegistryProcess
) -> None:
    layer = Layer.from_entries(
        [TarEntry("text", b"hello\x1b]0;owned\x07\tworld\n"), TarEntry("bin", b"\x00\x01ELF")]
    )
    with Pusher(fresh_registry.url) as pusher:
        pusher.push("cat/tty", "1", build_image([layer], make_config(diff_ids=[layer.diff_id])))
    shown = rex.in_terminal("-r", fresh_registry.url, "image", "cat", "cat/tty:1", "/text")
    assert shown.returncode == 0, str(shown)
    assert "hello\\x1b]0;owned\\x07\tworld" in shown.stdout
    binary = rex.in_terminal("-r", fresh_registry.url, "image", "cat", "cat/tty:1", "/bin")
    assert binary.returncode == 1
    assert "/bin is a binary file; not writing it to the terminal" in binary.stdout
    piped = rex("-r", fresh_registry.url, "image", "cat", "cat/tty:1", "/bin")
    assert (piped.returncode, piped.stdout) == (0, "\x00\x01ELF")


def test_diff_pretty_and_json(rex: Rex, url: str) -> None:
    pretty = rex("-r", url, "-f", "pretty", "image", "diff", "files/app:1", "files/app:2")
    assert pretty.returncode == 0, str(pretty)
    text = pretty.stdout
    assert "~ env MODE: one -> two" in text
    assert "- ports 80/tcp" in text and "+ ports 443/tcp" in text
    assert "Files: 1 added, 0 removed, 2 changed" in text
    assert "~ /app/notes.txt  size 6 B -> 14 B (+8 B), mode 0644 -> 0600" in text
    document = rex("-r", url, "-f", "json", "image", "diff", "files/app:1", "files/app:2").json()
    assert document["identical"] is False
    assert [c["path"] for c in document["files"]["changed"]] == ["/app/notes.txt", "/bin/tool"]
    assert document["files"]["changed"][0]["changed"] == ["size", "mode"]
    assert document["history"] == [
        {"change": "-", "created_by": "COPY top"},
        {"change": "+", "created_by": "COPY new"},
    ]
    assert len(document["layers"]["added"]) == 1
    quick = rex("-r", url, "-f", "yaml", "image", "diff", "files/app:1", "files/app:2",
                "--no-files").yaml()  # fmt: skip
    assert "files" not in quick and quick["config"]


def test_no_cache_streams_the_layers_again(
    rex: Rex, fresh_registry: RegistryProcess, fault_proxy_factory: Callable[..., FaultProxy]
) -> None:
    """A cached listing answers the next run; --no-cache reads the layers afresh."""
    push_files_images(fresh_registry.url)
    proxy = fault_proxy_factory(fresh_registry.url)

    def blob_gets() -> int:
        return sum(r.method == "GET" and "/blobs/" in r.path for r in proxy.requests)

    assert rex("-r", proxy.url, "-q", "image", "files", "files/app:1").returncode == 0
    proxy.clear_requests()
    assert rex("-r", proxy.url, "-q", "image", "files", "files/app:1").returncode == 0
    assert blob_gets() == 0  # three listings and the config from the cache
    fresh = rex("-r", proxy.url, "-q", "--no-cache", "image", "files", "files/app:1")
    assert fresh.returncode == 0 and "/app/main.py" in fresh.stdout
    assert blob_gets() == 4  # the config and the three layers
