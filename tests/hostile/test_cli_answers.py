"""The CLI's answers that were wrong or missing: run as the real `rex` against real registries.

- `-r URL` keeps its scheme for every command (catalog, tags, one image, inspect, search);
- an empty or blank reference is a usage error, never "no reference";
- `-r http://NAME` off loopback works, with one warning on stderr;
- `registry logout` clears that registry's cache and no other;
- `rex image referrers REF` in pretty, json and yaml;
- a reader that leaves early: quiet, and the exit code still tells.

No request ever leaves 127.0.0.1: a non-loopback host name is reached through the
fault proxy acting as the HTTP proxy, so the name is never even resolved.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.testing.registry import RegistryProcess
from tests.print.conftest import rex as print_sandbox
from tests.print.harness import Rex, parse
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SBOM_TYPE, SeededRegistry, standard_seed

SINGLE = "oci/single:1.0"

rex_sandbox = print_sandbox
"""tests/print's sandbox (private HOME, config, cache, keyring), as a fixture here."""


@pytest.fixture
def rex(rex_sandbox: Rex) -> Rex:
    return rex_sandbox


@pytest.fixture(scope="module")
def tls_seeded(
    tmp_path_factory: pytest.TempPathFactory, seed_template: Path
) -> Iterator[RegistryProcess]:
    """The standard data set served over HTTPS with a self-signed certificate."""
    process = RegistryProcess("anonymous", workdir=tmp_path_factory.mktemp("tls-seeded"), tls=True)
    shutil.copytree(seed_template, process.storage_dir)
    process.start()
    try:
        yield process
    finally:
        process.close()


def _digest(ref: str) -> str:
    return standard_seed().images[ref].digest


# Every command that names an image: each once read its registry from the reference's
# host alone and lost the scheme -r gave.
REFERENCE_COMMANDS = [
    pytest.param(["image", SINGLE], id="image-tag"),
    pytest.param(["image", "inspect", SINGLE], id="inspect"),
    pytest.param(["image", "oci/single"], id="tags"),
    pytest.param(["search", "tags", "1.0", "--image", "oci/single"], id="search-tags-image"),
    pytest.param(["search", "tags", "1.0"], id="search-tags"),
    pytest.param(["image", "referrers", SINGLE], id="referrers"),
]


# -- the scheme of -r ----------------------------------------------------------------


@pytest.mark.parametrize("args", REFERENCE_COMMANDS)
def test_https_url_goes_over_tls(rex: Rex, tls_seeded: RegistryProcess, args: list[str]) -> None:
    result = rex("-r", f"https://{tls_seeded.host}", "--no-verify-tls", "-f", "json", *args)
    assert result.returncode == 0, str(result)
    document = result.json()
    if args[:2] in (["image", SINGLE], ["image", "inspect"]):
        assert document["digest"] == _digest(SINGLE)
    elif args[0] == "search":
        assert "oci/single:1.0" in {r["reference"] for r in document["results"]}
    # The only note is the one --no-verify-tls asks for: no plain-HTTP fallback warning.
    assert result.stderr.count("rex: warning:") == 1 and "TLS" in result.stderr, result.stderr


def test_https_url_uses_a_configured_registrys_ca(rex: Rex, tls_seeded: RegistryProcess) -> None:
    # The configured entry has no scheme (loopback: plain HTTP); -r's https:// wins, and
    # the entry's ca_file still applies, so the certificate is verified, not skipped.
    rex.config.write_text(
        "[[registries.list]]\n"
        'name = "tls"\n'
        f'url = "{tls_seeded.host}"\n'
        f'ca_file = "{tls_seeded.ca_file}"\n'
    )
    for args in (["image", "inspect", SINGLE], ["image", "oci/single"]):
        result = rex("-r", f"https://{tls_seeded.host}", "-f", "json", *args)
        assert result.returncode == 0, str(result)
        assert result.stderr == ""


@pytest.mark.parametrize("args", REFERENCE_COMMANDS)
def test_https_url_never_falls_back_to_http(
    rex: Rex, registry: SeededRegistry, args: list[str]
) -> None:
    # A plain-HTTP registry behind an https:// URL: the TLS handshake is what fails.
    result = rex("-r", f"https://{registry.host}", "--no-cache", *args)
    assert result.returncode == 3, str(result)
    assert "TLS" in result.stderr and result.stdout == ""


def test_http_url_on_loopback_has_no_warning(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "json", "image", SINGLE)
    assert result.returncode == 0 and result.stderr == "", str(result)


# -- plain HTTP off loopback ---------------------------------------------------------


def _through_proxy(proxy: FaultProxy) -> dict[str, str]:
    """Send every request to the fault proxy, whatever host it names.

    HTTPS too: were rex ever to try https:// for the name again, the proxy would refuse
    the CONNECT, and the name would still not be looked up.
    """
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
    env = {name: proxy.url for name in names} | {n.lower(): proxy.url for n in names}
    return env | {"NO_PROXY": "", "no_proxy": ""}


@pytest.mark.parametrize("args", REFERENCE_COMMANDS)
def test_http_url_off_loopback_works_with_one_warning(
    rex: Rex, fault_proxy: FaultProxy, args: list[str]
) -> None:
    named = "http://registry.test:5000"  # .test never resolves; only the proxy sees it
    result = rex("-r", named, "-f", "json", *args, env=_through_proxy(fault_proxy))
    assert result.returncode == 0, str(result)
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("rex: warning: plain HTTP to registry.test:5000")
    assert fault_proxy.requests, "rex did not go through the proxy"
    assert all(r.path.startswith("/v2/") for r in fault_proxy.requests)


def test_rex_registry_variable_also_allows_plain_http(rex: Rex, fault_proxy: FaultProxy) -> None:
    env = _through_proxy(fault_proxy) | {"REX_REGISTRY": "http://registry.test:5000"}
    result = rex("-f", "json", "image", "inspect", SINGLE, env=env)
    assert result.returncode == 0, str(result)
    assert result.json()["digest"] == _digest(SINGLE)
    assert result.stderr.count("plain HTTP to registry.test:5000") == 1


def test_a_registry_configured_insecure_does_not_warn(rex: Rex, fault_proxy: FaultProxy) -> None:
    rex.config.write_text(
        '[[registries.list]]\nname = "lab"\nurl = "http://registry.test:5000"\ninsecure = true\n'
    )
    env = _through_proxy(fault_proxy)
    result = rex("-r", "http://registry.test:5000", "-f", "json", "image", SINGLE, env=env)
    assert result.returncode == 0 and result.stderr == "", str(result)


# -- empty and blank references ------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["image", ""],
        ["image", "  "],
        ["image", "inspect", ""],
        ["image", "inspect", " \t"],
        ["image", "inspect", "", "--raw-config"],
        ["image", "inspect", "", "--raw-manifest"],
        ["image", "referrers", ""],
        ["image", "referrers", " "],
        ["search", "tags", ""],
        ["search", "tags", "   "],
        ["search", "tags", "1.0", "--image", ""],
        ["search", "tags", "1.0", "--image", " "],
        ["search", "image", ""],
        ["search", "image", "single", "--tag", " "],
    ],
)
def test_blank_references_are_usage_errors(
    rex: Rex, fault_proxy: FaultProxy, args: list[str]
) -> None:
    result = rex("-r", fault_proxy.url, *args)
    assert result.returncode == 2, str(result)
    assert result.stdout == "" and result.stderr.startswith("rex: error: ")
    assert "empty" in result.stderr
    # Refused before asking the registry anything (the catalog included).
    assert fault_proxy.requests == []


# -- logout --------------------------------------------------------------------------


def _cached_entries(rex: Rex, host: str) -> int:
    stats = rex("-f", "json", "registry", "cache", "stats", host)
    assert stats.returncode == 0, str(stats)
    entries = stats.json()["total_entries"]
    assert isinstance(entries, int)
    return entries


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_logout_clears_that_registrys_cache_only(
    rex: Rex, registry: SeededRegistry, fault_proxy: FaultProxy
) -> None:
    # Two hosts (the registry and the proxy in front of it) with the same images.
    for url in (registry.url, fault_proxy.url):
        assert rex("-r", url, "-f", "json", "image", SINGLE).returncode == 0
        assert rex("-r", url, "-f", "json", "image", "oci/single").returncode == 0
    kept = _cached_entries(rex, fault_proxy.host)
    assert _cached_entries(rex, registry.host) > 0 and kept > 0
    before = _files_under(rex.cache)

    result = rex("-r", registry.url, "-f", "json", "registry", "logout")
    assert result.returncode == 0, str(result)
    document = result.json()
    assert document["registry"] == registry.host and document["cache_entries_cleared"] > 0

    assert _cached_entries(rex, registry.host) == 0
    assert _cached_entries(rex, fault_proxy.host) == kept
    after = _files_under(rex.cache)
    assert after < before
    # What is left still answers for the other host, without the network (a tag needs a
    # HEAD under weak consistency: --offline reads the cache alone).
    fault_proxy.status(503, times=None)
    warm = rex("-r", fault_proxy.url, "-f", "json", "--offline", "image", SINGLE)
    assert warm.returncode == 0 and warm.json()["digest"] == _digest(SINGLE)


def test_logout_by_name_clears_the_cache_in_pretty_mode(rex: Rex, registry: SeededRegistry) -> None:
    rex.config.write_text(f'[[registries.list]]\nname = "local"\nurl = "{registry.url}"\n')
    assert rex("-r", "local", "-q", "image", "oci/single").returncode == 0
    result = rex("-f", "pretty", "registry", "logout", "local")
    assert result.returncode == 0, str(result)
    lines = result.stdout.splitlines()
    assert lines[0] == f"No stored credentials for {registry.host}; nothing to do"
    assert lines[1].startswith("✓ Cleared ") and lines[1].endswith(f"entries of {registry.host}")
    assert _cached_entries(rex, registry.host) == 0


# -- referrers -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_referrers_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "image", "referrers", SINGLE), fmt)
    sbom = registry.artifact
    assert document == {
        "reference": SINGLE,
        "digest": registry.digest(SINGLE),
        "total_referrers": 1,
        "referrers": [
            {
                "artifact_type": SBOM_TYPE,
                "media_type": sbom.media_type,
                "digest": sbom.digest,
                "size": len(sbom.manifest),
                "annotations": {"org.opencontainers.image.created": "2024-05-14T10:00:00Z"},
            }
        ],
    }


def test_referrers_by_digest(rex: Rex, registry: SeededRegistry) -> None:
    pinned = f"oci/single@{registry.digest(SINGLE)}"
    document = parse(rex("-r", registry.url, "-f", "json", "image", "referrers", pinned), "json")
    assert document["reference"] == pinned
    assert [r["digest"] for r in document["referrers"]] == [registry.artifact.digest]


def test_referrers_pretty(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "image", "referrers", SINGLE)
    assert result.returncode == 0 and result.stderr == "", str(result)
    hex12 = registry.digest(SINGLE).split(":")[1][:12]
    sbom_hex12 = registry.artifact.digest.split(":")[1][:12]
    lines = result.stdout.splitlines()
    assert lines[0] == f"Referrers of {SINGLE} (sha256:{hex12}...)"
    assert lines[1].split() == ["ARTIFACT", "TYPE", "DIGEST", "SIZE"]
    assert lines[2].split() == [SBOM_TYPE, f"sha256:{sbom_hex12}...", "792", "B"]
    assert len(lines) == 3


def test_referrers_quiet_lists_digests(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-q", "image", "referrers", SINGLE)
    assert result.returncode == 0 and result.stdout == registry.artifact.digest + "\n"


def test_an_image_without_referrers(rex: Rex, registry: SeededRegistry) -> None:
    pretty = rex("-r", registry.url, "-f", "pretty", "image", "referrers", "oci/single:2.0")
    assert pretty.returncode == 0 and pretty.stdout == "", str(pretty)
    assert "no signatures, SBOMs or attestations point at oci/single:2.0" in pretty.stderr
    document = parse(
        rex("-r", registry.url, "-f", "json", "image", "referrers", "oci/single:2.0"), "json"
    )
    assert document["total_referrers"] == 0 and document["referrers"] == []


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["image", "referrers", "Bad Ref"], 2),
        (["image", "referrers", "oci/single:1.0", "extra"], 2),
        (["image", "referrers"], 2),
        (["image", "referrers", SINGLE, "--platform", "linux/amd64"], 2),
        (["image", "referrers", SINGLE, "--raw-config"], 2),
        (["image", "referrers", SINGLE, "--limit", "1"], 2),
        (["image", "referrers", "oci/single:9.9"], 5),
        (["image", "referrers", "no/such:1"], 5),
    ],
)
def test_referrers_exit_codes(
    rex: Rex, registry: SeededRegistry, args: list[str], code: int
) -> None:
    result = rex("-r", registry.url, *args)
    assert result.returncode == code, str(result)
    assert result.stdout == "" and result.stderr.startswith("rex: error: ")


def test_referrers_in_the_help(rex: Rex) -> None:
    top = rex("--help")
    assert top.returncode == 0 and "referrers" in top.stdout
    image = rex("image", "--help")
    assert image.returncode == 0
    assert "rex image referrers REF" in " ".join(image.stdout.split())  # however it wraps


# -- readers that leave early --------------------------------------------------------


def _with_gone_reader(rex: Rex, args: list[str], *, stderr_too: bool) -> tuple[int, bytes]:
    """Run with stdout (and maybe stderr) on a pipe whose reader has already closed."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            rex.command(args),
            env=rex.environment(),
            stdin=subprocess.DEVNULL,
            stdout=write_end,
            stderr=write_end if stderr_too else subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(write_end)
    return done.returncode, done.stderr or b""


@pytest.mark.parametrize(
    "args",
    [
        ["-f", "pretty", "image", "referrers", SINGLE],
        ["-f", "yaml", "search", "tags", "1.0"],
        ["-f", "pretty", "image", "tags/many"],
        ["image", "inspect", SINGLE, "--raw-config"],
    ],
)
def test_closed_stdout_stops_quietly_with_141(
    rex: Rex, registry: SeededRegistry, args: list[str]
) -> None:
    code, stderr = _with_gone_reader(rex, ["-r", registry.url, *args], stderr_too=False)
    assert (code, stderr) == (141, b"")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["image", "oci/single:9.9"], 5),
        (["image", "inspect", ""], 2),
        (["--no-such-flag"], 2),
        (["-f", "pretty", "image", "tags/many"], 141),
    ],
)
def test_both_streams_closed_keeps_the_errors_code(
    rex: Rex, registry: SeededRegistry, args: list[str], code: int
) -> None:
    # `rex ... 2>&1 | head -1` after head has gone: an error can't be shown, but it is
    # still the exit code (no traceback's 1).
    assert _with_gone_reader(rex, ["-r", registry.url, *args], stderr_too=True)[0] == code


def test_head_of_a_merged_pipeline_sees_the_error(rex: Rex, registry: SeededRegistry) -> None:
    command = " ".join(rex.command(["-r", registry.url, "image", "oci/single:9.9"]))
    script = f"{command} 2>&1 | head -n 1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(
        ["bash", "-c", script], env=rex.environment(), capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 5
    assert done.stdout.startswith("rex: error: manifest oci/single:9.9 not found")
    assert done.stderr == ""
