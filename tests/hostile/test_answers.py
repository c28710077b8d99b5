"""Right answers where the engine used to give wrong ones (issue 11 section 6): sizes,
`--platform` on a single-platform image, `docker://` references, and a login with no
usable keyring, against the real registry with the standard data set."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from engine import NotFoundError
from engine.cache.store import Cache
from engine.oci.reference import Reference
from engine.reads.cacheonly import run_cached
from engine.reads.plan import Consistency, image_plan
from rex_tui.cli.errors import exit_code
from tests.engine.helpers import make_rex
from tests.print.conftest import rex  # noqa: F401 - the sandboxed `rex` fixture
from tests.print.harness import Rex
from tests.support.seed import SeededRegistry


async def test_index_sizes_are_pull_sizes_of_every_platform(registry: SeededRegistry) -> None:
    index = registry.index("oci/multi:latest")
    async with make_rex(registry.url) as client:
        info = await client.inspect("oci/multi:latest", platform="linux/arm/v7")
    shown = index.child("linux/arm/v7")
    assert info.size == shown.layers_size  # not the 418-byte manifest, nor config + layers
    assert info.config_size == shown.config.size
    assert info.manifest_size == len(shown.manifest)
    assert info.platform_sizes == {p: index.child(p).layers_size for p in index.platforms}
    # Every platform manifest is a few hundred bytes; no platform size is that.
    assert all(
        size > max(e.size for e in info.platform_manifests) for size in info.platform_sizes.values()
    )
    document = info.to_dict()
    assert document["size"] == shown.layers_size
    assert document["platform_sizes"] == info.platform_sizes
    assert (document["config_size"], document["manifest_size"]) == (
        shown.config.size,
        len(shown.manifest),
    )


async def test_cached_answer_has_the_same_sizes(registry: SeededRegistry, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    async with make_rex(registry.url, cache=cache) as client:
        fetched = await client.inspect("oci/multi:latest")
    host = registry.url.split("://", 1)[-1]
    ref = Reference.parse("oci/multi:latest", default_registry=host)
    offline = image_plan(ref, "oci/multi:latest", None, Consistency.OFFLINE, 0.0)
    warm = run_cached(offline, Cache(tmp_path / "cache")).value
    assert warm.platform_sizes == fetched.platform_sizes
    assert (warm.size, warm.config_size, warm.manifest_size) == (
        fetched.size,
        fetched.config_size,
        fetched.manifest_size,
    )


async def test_platform_a_single_platform_image_lacks_is_not_found(
    registry: SeededRegistry,
) -> None:
    async with make_rex(registry.url) as client:
        with pytest.raises(NotFoundError, match="linux/amd64") as caught:
            await client.inspect("oci/single:1.0", platform="linux/arm64")
        assert exit_code(caught.value) == 5
        # The platform it is built for, in any spelling, still answers.
        info = await client.inspect("oci/single:1.0", platform="linux/x86_64")
    assert info.platform == "linux/amd64"


async def test_docker_transport_prefix(registry: SeededRegistry) -> None:
    async with make_rex(registry.url) as client:
        host = client.default_host()
        plain = await client.inspect("oci/single:1.0")
        prefixed = await client.inspect(f"docker://{host}/oci/single:1.0")
        tags = await client.list_tags("docker://oci/single")
    assert prefixed.digest == plain.digest
    assert sorted(tags) == sorted(registry.tags["oci/single"])


# -- login with no usable keyring --------------------------------------------------------


def test_login_without_a_keyring_stores_as_docker_login(
    rex: Rex,  # noqa: F811 - the fixture imported above
    basic_registry: SeededRegistry,
) -> None:
    assert basic_registry.credentials is not None
    user, password = basic_registry.credentials
    # keyring's own fail backend, as on a headless box; docker's config dir moved.
    keyless = {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "DOCKER_CONFIG": str(rex.root / "docker"),
    }
    login = rex(
        "-f",
        "pretty",
        "-r",
        basic_registry.url,
        "registry",
        "login",
        "-u",
        user,
        "--password-stdin",
        input=password,
        env=keyless,
    )
    assert login.returncode == 0, str(login)
    config = rex.root / "docker" / "config.json"
    auths = json.loads(config.read_text())["auths"]
    assert auths == {
        basic_registry.host: {"auth": base64.b64encode(f"{user}:{password}".encode()).decode()}
    }
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    warnings = [line for line in login.stderr.splitlines() if line.startswith("rex: warning: ")]
    assert len(warnings) == 1 and "not encrypted" in warnings[0] and str(config) in warnings[0]
    assert "not encrypted" in login.stdout and password not in login.stdout + login.stderr
    # The stored login is what later commands use.
    listing = rex("-r", basic_registry.url, "-f", "json", "image", env=keyless)
    assert listing.returncode == 0, str(listing)
