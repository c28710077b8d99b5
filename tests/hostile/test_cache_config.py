"""Cache integrity and config file safety, through the real `rex` against a real registry.

Cached content edited on disk is caught by its digest and fetched again; config
paths that are FIFOs, devices, huge or absurdly nested are refused (exit 6)
before they can hang or crash rex; concurrent `config set` all land with the
file's comments kept; `cache clear` that cannot read its directory exits 7.
"""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.print import conftest as print_fixtures
from tests.print.harness import Rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry

# A FIFO regression would block in open(): every run gets a deadline instead of a hang.
DEADLINE = 30.0


rex = print_fixtures.rex  # the sandboxed `rex` command of tests/print


def use_registry(rex: Rex, url: str) -> None:
    rex.config.write_text(
        f'[registries]\ncurrent = "local"\n\n[[registries.list]]\nname = "local"\nurl = "{url}"\n'
    )


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("rex: warning:")]


def gets(proxy: FaultProxy, needle: str) -> list[str]:
    return [r.path for r in proxy.requests if r.method == "GET" and needle in r.path]


def tamper(path: Path) -> None:
    """Change the cached content, keeping valid JSON under the right key."""
    document = json.loads(path.read_bytes())
    body = document["data"]["body"]
    document["data"]["body"] = body.replace("{", "{ ", 1)
    assert document["data"]["body"] != body
    path.write_text(json.dumps(document, separators=(",", ":")))


# -- cache integrity ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["manifest", "config"])
def test_cached_content_edited_on_disk_is_refetched_with_one_warning(
    kind: str, rex: Rex, fault_proxy: FaultProxy, registry: SeededRegistry
) -> None:
    use_registry(rex, fault_proxy.url)
    first = rex("-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
    assert first.returncode == 0, first
    image = registry.image("oci/single:1.0")
    if kind == "manifest":
        # The tag's entry: what `rex image NAME:TAG` reads first.
        (path,) = (rex.cache / "manifests").rglob("tag-1.0.json")
        wanted = "/v2/oci/single/manifests/1.0"
    else:
        config_digest = image.config.digest
        (path,) = (rex.cache / "configs").rglob(f"{config_digest.replace(':', '-')}.json")
        wanted = f"/v2/oci/single/blobs/{config_digest}"
    tamper(path)
    fault_proxy.clear_requests()

    again = rex("-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
    assert again.returncode == 0, again
    assert again.json() == first.json()  # the right answer, not the tampered one
    assert gets(fault_proxy, "/v2/oci/single/") == [wanted]  # that one entry, fetched again
    (warning,) = warnings_in(again.stderr)
    assert str(path) in warning and "digest" in warning
    assert json.loads(path.read_bytes())["data"]["body"] in (
        image.manifest.decode(),
        image.config.data.decode(),
    )  # and the good copy cached again

    third = rex("-f", "json", "image", "oci/single:1.0", timeout=DEADLINE)
    assert third.returncode == 0 and not warnings_in(third.stderr)


# -- config paths that are not config files --------------------------------------------


def refused(rex: Rex, *args: str) -> str:
    result = rex("-f", "json", *args, timeout=DEADLINE)
    assert result.returncode == 6, result
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("rex: error: ") and str(rex.config) in first
    return first


@pytest.mark.parametrize("command", [["config"], ["config", "set", "output.color", "never"]])
def test_a_fifo_config_is_refused_without_opening_it(rex: Rex, command: list[str]) -> None:
    rex.config.unlink()
    os.mkfifo(rex.config)
    assert refused(rex, *command).endswith("is a FIFO; not reading it")


def test_a_device_config_is_refused(rex: Rex) -> None:
    rex.config.unlink()
    rex.config.symlink_to("/dev/zero")
    assert refused(rex, "config").endswith("is a device; not reading it")


def test_a_config_over_a_mebibyte_is_refused(rex: Rex) -> None:
    rex.config.write_text("# padding\n" * (2 * 1024 * 1024 // 10))
    assert refused(rex, "config").endswith("is larger than 1 MiB; not reading it")


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "a = " + "{b = " * 50_000 + "1" + "}" * 50_000 + "\n",
    ],
    ids=["arrays", "inline-tables"],
)
def test_absurdly_nested_toml_is_a_config_error(rex: Rex, text: str) -> None:
    rex.config.write_text(text)
    assert refused(rex, "config").endswith("invalid TOML: arrays or tables nested too deep to read")


# -- config writes ------------------------------------------------------------------------

COMMENTED = """\
# team settings: keep these comments
[output]
format = "json"  # scripts read it

# the cache lives on the big disk
[cache]
enabled = true
"""
WRITERS = {
    "output.color": ["never", "always", "auto"],
    "network.timeout": ["11", "12", "13"],
    "cache.ttl.tags": ["61", "62", "63"],
    "tui.theme": ["light", "dark", "light"],
}


def test_concurrent_config_set_all_land_and_keep_comments(rex: Rex) -> None:
    rex.config.write_text(COMMENTED)
    for round_ in range(3):
        # Four processes at once, each changing its own key.
        running = [
            subprocess.Popen(
                rex.command(["-q", "config", "set", key, values[round_]]),
                env=rex.environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for key, values in WRITERS.items()
        ]
        for process in running:
            _, err = process.communicate(timeout=DEADLINE)
            assert process.returncode == 0, err
        text = rex.config.read_text()
        settings = tomllib.loads(text)
        landed = {
            "output.color": settings["output"].get("color"),
            "network.timeout": settings.get("network", {}).get("timeout"),
            "cache.ttl.tags": settings["cache"].get("ttl", {}).get("tags"),
            "tui.theme": settings.get("tui", {}).get("theme"),
        }
        assert {k: str(v) for k, v in landed.items()} == {
            k: v[round_] for k, v in WRITERS.items()
        }, f"round {round_}: {text}"
        assert text.startswith("# team settings: keep these comments\n[output]\n")
        assert 'format = "json"  # scripts read it\n' in text
        assert "# the cache lives on the big disk\n[cache]\nenabled = true\n" in text


def test_set_on_a_new_config_path_works_as_the_hint_says(rex: Rex) -> None:
    rex.config.unlink()
    missing = rex("config", timeout=DEADLINE)
    assert missing.returncode == 6
    assert "create it with 'rex config set KEY VALUE'" in missing.stderr
    created = rex("-f", "json", "config", "set", "output.color", "never", timeout=DEADLINE)
    assert created.returncode == 0, created
    assert tomllib.loads(rex.config.read_text()) == {"output": {"color": "never"}}
    shown = rex("-f", "pretty", "config", "get", "output.color", timeout=DEADLINE)
    assert shown.stdout == "never\n"


def test_cache_location_from_the_seeds_is_the_cache_dir(
    rex: Rex, registry: SeededRegistry, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "seeds-cache"
    use_registry(rex, registry.url)
    set_ = rex("config", "set", "cache.location", str(elsewhere), timeout=DEADLINE)
    assert set_.returncode == 0, set_
    assert f'location = "{elsewhere}"' in rex.config.read_text()
    # The harness passes --cache-dir; without it the file's cache.location counts.
    command = [a for a in rex.command(["-f", "json", "image", "oci/single"]) if a != str(rex.cache)]
    command.remove("--cache-dir")
    done = subprocess.run(
        command, env=rex.environment(), capture_output=True, text=True, timeout=DEADLINE
    )
    assert done.returncode == 0, done.stderr
    assert list((elsewhere / "tags").rglob("tags.json"))
    both = rex.config.read_text() + f'dir = "{elsewhere}"\n'
    rex.config.write_text(both.replace("[cache]\n", "[cache]\n", 1))
    clash = rex("config", timeout=DEADLINE)
    assert clash.returncode == 6
    assert "cache.dir and cache.location name the same setting" in clash.stderr


# -- cache clear that cannot read its directory ----------------------------------------


@pytest.mark.parametrize("where", ["root", "kind"])
def test_cache_clear_that_cannot_read_a_directory_exits_7(
    where: str, rex: Rex, registry: SeededRegistry
) -> None:
    # Tests run as root, which reads through chmod 000: a file stands where a
    # directory must be, which stops root as well.
    use_registry(rex, registry.url)
    assert rex("-f", "json", "image", "oci/single", timeout=DEADLINE).returncode == 0
    if where == "root":
        moved = rex.cache.with_name("moved")
        rex.cache.rename(moved)
        rex.cache.write_text("not a directory")
    else:
        (rex.cache / "configs").rename(rex.root / "configs")
        (rex.cache / "configs").write_text("not a directory")
    result = rex("registry", "cache", "clear", "--all", "--force", timeout=DEADLINE)
    assert result.returncode == 7, result
    first = result.stderr.splitlines()[0]
    assert first.startswith("rex: error: cannot ") and "not a directory" in first.lower()
    if where == "kind":
        assert list((rex.cache / "tags").rglob("tags.json"))  # stopped before deleting


def test_config_edit_refuses_a_fifo_before_starting_the_editor(rex: Rex, tmp_path: Path) -> None:
    rex.config.unlink()
    os.mkfifo(rex.config)
    marker = tmp_path / "editor-ran"
    result = rex("config", "edit", env={"EDITOR": f"touch {marker}"}, timeout=DEADLINE)
    assert result.returncode == 6, result
    assert result.stderr.splitlines()[0].endswith("is a FIFO; not reading it")
    assert not marker.exists()
