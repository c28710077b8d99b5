"""`rex image pull` against the seeded registry; skopeo reads back what it wrote."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.print.harness import Rex
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry
from tests.transfer.conftest import skopeo, skopeo_inspect, skopeo_raw


def _blob_files(layout: Path) -> list[Path]:
    return sorted((layout / "blobs" / "sha256").iterdir())


def _all_verified(layout: Path) -> None:
    """Every file under a final name matches its name; no temp file is left."""
    for path in _blob_files(layout):
        assert not path.name.startswith("."), f"left behind: {path.name}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name


def test_pull_writes_an_oci_layout_skopeo_reads(
    rex: Rex, registry: SeededRegistry, tmp_path: Path
) -> None:
    out = tmp_path / "single"
    result = rex(
        "-r", registry.url, "image", "pull", "oci/single:1.0", "-o", str(out), "-f", "json"
    )
    assert result.returncode == 0, str(result)
    summary = result.json()
    assert summary["digest"] == registry.digest("oci/single:1.0")
    assert summary["fetched"] == summary["blobs"] == 3
    assert result.stderr == ""  # not a terminal: no bars
    index = json.loads((out / "index.json").read_text())
    assert index["manifests"][0]["annotations"] == {"org.opencontainers.image.ref.name": "1.0"}
    assert skopeo_inspect(f"oci:{out}:1.0")["Digest"] == registry.digest("oci/single:1.0")
    assert skopeo_raw(f"oci:{out}:1.0") == registry.image("oci/single:1.0").manifest
    _all_verified(out)


def test_pull_resumes_and_refetches_a_damaged_blob(
    rex: Rex, registry: SeededRegistry, tmp_path: Path
) -> None:
    out = tmp_path / "single"
    args = ("-r", registry.url, "image", "pull", "oci/single:1.0", "-o", str(out), "-f", "json")
    assert rex(*args).returncode == 0
    again = rex(*args).json()
    assert (again["fetched"], again["present"]) == (0, 3)
    victim = _blob_files(out)[0]
    victim.write_bytes(b"not the blob")
    repaired = rex(*args).json()
    assert (repaired["fetched"], repaired["present"]) == (1, 2)
    _all_verified(out)


def test_pull_all_platforms_keeps_the_index(
    rex: Rex, registry: SeededRegistry, tmp_path: Path
) -> None:
    out = tmp_path / "multi"
    result = rex(
        "-r",
        registry.url,
        "image",
        "pull",
        "oci/multi:latest",
        "-o",
        str(out),
        "--all-platforms",
        "--format",
        "json",
    )
    assert result.returncode == 0, str(result)
    index = registry.index("oci/multi:latest")
    assert skopeo_raw(f"oci:{out}:latest") == index.manifest
    arm = skopeo_inspect(
        f"oci:{out}:latest", "--override-arch", "arm64", "--override-variant", "v8"
    )
    assert arm["Digest"] == index.digest
    assert arm["Architecture"] == "arm64"
    assert set(result.json()["platforms"]) >= {"linux/amd64", "linux/arm64/v8", "linux/arm/v7"}
    _all_verified(out)


def test_pull_one_platform_of_an_index(rex: Rex, registry: SeededRegistry, tmp_path: Path) -> None:
    out = tmp_path / "arm"
    result = rex(
        "-r",
        registry.url,
        "image",
        "pull",
        "oci/multi:latest",
        "-o",
        str(out),
        "--platform",
        "linux/arm64",
        "--format",
        "json",
    )
    assert result.returncode == 0, str(result)
    child = registry.index("oci/multi:latest").child("linux/arm64/v8")
    assert result.json()["digest"] == child.digest
    assert skopeo_inspect(f"oci:{out}:latest")["Digest"] == child.digest


def test_pull_docker_archive(rex: Rex, registry: SeededRegistry, tmp_path: Path) -> None:
    out = tmp_path / "archive" / "image.tar"
    out.parent.mkdir()
    result = rex(
        "-r",
        registry.url,
        "image",
        "pull",
        "docker/single:v2",
        "-o",
        str(out),
        "--format",
        "docker-archive",
        "--format",
        "json",
    )
    assert result.returncode == 0, str(result)
    built = registry.image("docker/single:v2")
    config = json.loads(built.config.data)
    # skopeo names an archive's layers by their uncompressed digests, as docker does.
    seen = skopeo_inspect(f"docker-archive:{out}")
    assert seen["Layers"] == config["rootfs"]["diff_ids"]
    read = skopeo("inspect", "--config", f"docker-archive:{out}")
    assert json.loads(read.stdout) == config
    assert result.json()["digest"] == built.digest
    assert sorted(p.name for p in out.parent.iterdir()) == ["image.tar"]
    copied = skopeo("copy", f"docker-archive:{out}", f"oci:{tmp_path / 'back'}:v2")
    assert copied.returncode == 0, copied.stderr


def test_docker_archive_refuses_all_platforms(
    rex: Rex, registry: SeededRegistry, tmp_path: Path
) -> None:
    result = rex(
        "-r",
        registry.url,
        "image",
        "pull",
        "oci/multi:latest",
        "-o",
        str(tmp_path / "x.tar"),
        "--format",
        "docker-archive",
        "--all-platforms",
    )
    assert result.returncode == 2
    assert result.stderr.startswith("rex: error: --all-platforms does not apply")


def test_progress_only_on_a_terminal(rex: Rex, registry: SeededRegistry, tmp_path: Path) -> None:
    args = ("-r", registry.url, "image", "pull", "oci/single:2.0", "-o")
    shown = rex.in_terminal(*args, str(tmp_path / "a"), env={"COLUMNS": "100"})
    assert shown.returncode == 0, shown.stdout
    assert "total" in shown.stdout
    assert "pulled" in shown.stdout
    quiet = rex.in_terminal(*args, str(tmp_path / "b"), "-q")
    assert quiet.returncode == 0
    assert "total" not in quiet.stdout


def test_digest_mismatch_is_one_line_and_keeps_verified_blobs(
    rex: Rex, registry: SeededRegistry, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    built = registry.image("oci/single:1.0")
    bad = built.layers[0].digest
    fault_proxy.corrupt(method="GET", path=f"/blobs/{bad}$", times=None)
    out = tmp_path / "single"
    result = rex(
        "-r", fault_proxy.url, "image", "pull", "oci/single:1.0", "-o", str(out), "-j", "1"
    )
    assert result.returncode == 1, str(result)
    first, *rest = result.stderr.splitlines()
    assert first.startswith("rex: error: digest mismatch"), result.stderr
    assert bad in first
    assert all(line.startswith("  hint:") for line in rest)
    names = {p.name for p in _blob_files(out)}
    assert bad.partition(":")[2] not in names
    _all_verified(out)


def test_a_registry_that_drops_mid_blob(
    rex: Rex, registry: SeededRegistry, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    built = registry.image("oci/single:1.0")
    # One job takes the largest blob first: the two larger ones are in before this breaks.
    last = min(built.blobs, key=lambda blob: blob.size)
    fault_proxy.truncate(last.size // 2, method="GET", path=f"/blobs/{last.digest}$", times=None)
    out = tmp_path / "single"
    args = ("-r", fault_proxy.url, "image", "pull", "oci/single:1.0", "-o", str(out), "-j", "1")
    result = rex(*args)
    assert result.returncode == 3, str(result)
    assert result.stderr.startswith("rex: error: connection to"), result.stderr
    _all_verified(out)
    assert len(_blob_files(out)) == 2
    # Once the registry behaves, the pull resumes: only the missing blob moves.
    fault_proxy.clear_faults()
    again = rex(*args, "-f", "json")
    assert again.returncode == 0, str(again)
    assert (again.json()["fetched"], again.json()["present"]) == (1, 2)
    _all_verified(out)


def test_an_unwritable_output(rex: Rex, registry: SeededRegistry, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    result = rex("-r", registry.url, "image", "pull", "oci/single:1.0", "-o", str(blocker / "out"))
    assert result.returncode == 1, str(result)
    assert result.stderr.startswith(
        f"rex: error: cannot write to {blocker / 'out'}: Not a directory"
    )


def test_a_non_layout_directory_is_refused(
    rex: Rex, registry: SeededRegistry, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    result = rex("-r", registry.url, "image", "pull", "oci/single:1.0", "-o", str(mine))
    assert result.returncode == 2, str(result)
    assert "is no OCI image layout" in result.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_a_blob_that_never_ends_is_stopped_at_its_size(
    rex: Rex, registry: SeededRegistry, fault_proxy: FaultProxy, tmp_path: Path
) -> None:
    layer = registry.image("oci/single:1.0").layers[0]
    fault = fault_proxy.endless(method="GET", path=f"/blobs/{layer.digest}$", times=None)
    out = tmp_path / "single"
    result = rex("-r", fault_proxy.url, "image", "pull", "oci/single:1.0", "-o", str(out))
    assert result.returncode == 1, str(result)
    assert "larger than the" in result.stderr.splitlines()[0]
    assert fault.sent < layer.size + 64 * 1024 * 1024  # stopped, not read to the end of time
    _all_verified(out)
