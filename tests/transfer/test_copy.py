"""`rex image copy` between registries and OCI layouts; skopeo checks every digest."""

from __future__ import annotations

from pathlib import Path

import trio

from engine import Config, Credentials, RegistryConfig, Rex
from engine.testing.registry import RegistryProcess
from tests.print.harness import Rex as RexCli
from tests.support.seed import SeededRegistry, start_seeded
from tests.transfer.conftest import skopeo, skopeo_inspect, skopeo_raw


def test_copy_to_another_registry_keeps_every_digest(
    rex: RexCli, registry: SeededRegistry, fresh_registry: RegistryProcess
) -> None:
    target = f"{fresh_registry.host}/mirror/multi:v1"
    args = ("-r", registry.url, "image", "copy", "oci/multi:latest", target, "--all-platforms")
    result = rex(*args, "-f", "json")
    assert result.returncode == 0, str(result)
    index = registry.index("oci/multi:latest")
    assert result.json()["digest"] == index.digest
    assert result.json()["manifests"] == len(index.children) + 1
    assert skopeo_raw(f"docker://{target}") == index.manifest
    for child in index.children:
        assert skopeo_raw(f"docker://{fresh_registry.host}/mirror/multi@{child.digest}") == (
            child.manifest
        )
    # Everything is there now: a second copy moves no blob (HEAD says so).
    again = rex(*args, "-f", "json").json()
    assert (again["present"], again["fetched"], again["bytes_moved"]) == (again["blobs"], 0, 0)


def test_copy_one_platform_and_default_tag(
    rex: RexCli, registry: SeededRegistry, fresh_registry: RegistryProcess
) -> None:
    result = rex(
        "-r",
        registry.url,
        "image",
        "copy",
        "docker/multi:latest",
        f"{fresh_registry.host}/one",
        "--platform",
        "linux/arm64",
        "-f",
        "json",
    )
    assert result.returncode == 0, str(result)
    child = registry.index("docker/multi:latest").child("linux/arm64/v8")
    assert skopeo_inspect(f"docker://{fresh_registry.host}/one:latest")["Digest"] == child.digest


def test_copy_on_one_registry_mounts(rex: RexCli, fresh_registry_seeded: SeededRegistry) -> None:
    seeded = fresh_registry_seeded
    result = rex(
        "-r", seeded.url, "image", "copy", "oci/single:1.0", "copies/single:1.0", "-f", "json"
    )
    assert result.returncode == 0, str(result)
    summary = result.json()
    assert summary["mounted"] == summary["blobs"] == 3
    assert summary["bytes_moved"] == 0
    target = f"docker://{seeded.host}/copies/single:1.0"
    assert skopeo_inspect(target)["Digest"] == seeded.digest("oci/single:1.0")


def test_copy_between_a_layout_and_a_registry(
    rex: RexCli, registry: SeededRegistry, fresh_registry: RegistryProcess, tmp_path: Path
) -> None:
    layout = tmp_path / "layout"
    down = rex("-r", registry.url, "image", "copy", "oci/single:2.0", f"oci:{layout}:kept")
    assert down.returncode == 0, str(down)
    assert skopeo_inspect(f"oci:{layout}:kept")["Digest"] == registry.digest("oci/single:2.0")
    up = rex("image", "copy", f"oci:{layout}:kept", f"{fresh_registry.host}/up/single:2")
    assert up.returncode == 0, str(up)
    seen = skopeo_inspect(f"docker://{fresh_registry.host}/up/single:2")
    assert seen["Digest"] == registry.digest("oci/single:2.0")
    # skopeo's own layout reader agrees with what rex wrote: it copies it on, too.
    on = skopeo(
        "copy",
        "--dest-tls-verify=false",
        f"oci:{layout}:kept",
        f"docker://{fresh_registry.host}/by-skopeo:2",
    )
    assert on.returncode == 0, on.stderr


def test_copy_a_missing_image_is_not_found(
    rex: RexCli, registry: SeededRegistry, fresh_registry: RegistryProcess
) -> None:
    result = rex("-r", registry.url, "image", "copy", "oci/nope:1", f"{fresh_registry.host}/x:1")
    assert result.returncode == 5, str(result)
    assert result.stderr.startswith("rex: error: ")


async def test_copy_with_credentials_on_both_sides(
    token_registry: SeededRegistry, tmp_path: Path, seed_template: Path
) -> None:
    target = start_seeded("token", tmp_path / "target", template=seed_template)
    try:
        assert token_registry.credentials is not None and target.credentials is not None
        creds = {
            token_registry.host: Credentials(*token_registry.credentials),
            target.host: Credentials(*target.credentials),
        }
        config = Config(registries=(RegistryConfig("src", token_registry.url),), current="src")
        async with Rex(config, credentials=creds) as rex:
            result = await rex.copy(
                "oci/multi:latest", f"{target.host}/copied/multi:latest", all_platforms=True
            )
        assert result.digest == token_registry.digest("oci/multi:latest")
        assert result.fetched == result.blobs  # another registry: streamed, not mounted
        user, password = target.credentials
        done = await trio.to_thread.run_sync(
            lambda: skopeo(
                "inspect",
                "--raw",
                "--tls-verify=false",
                "--creds",
                f"{user}:{password}",
                f"docker://{target.host}/copied/multi:latest",
            )
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.encode() == token_registry.index("oci/multi:latest").manifest
    finally:
        target.process.close()
