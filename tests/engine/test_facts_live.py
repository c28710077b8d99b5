"""Image facts against a real registry: aliases, sizes, descriptions, signed and SBOM."""

from __future__ import annotations

from engine.testing.registry import RegistryProcess
from tests.engine.helpers import make_rex
from tests.support.facts import HOSTILE, REPO, push_facts


async def test_tag_rows_carry_aliases_sizes_and_marks(fresh_registry: RegistryProcess) -> None:
    pushed = push_facts(fresh_registry.url)
    async with make_rex(fresh_registry.url) as rex:
        listed = await rex.list_tags(REPO)
        visible = [t for t in listed if not t.startswith("sha256-")]
        rows = {r.tag: r for r in await rex.tag_infos(REPO, visible, listed=listed)}
        repo = (await rex.repo_infos([REPO]))[0]
    assert set(rows) == {"latest", "1.4.2", "1.4", "1.3", "edge"}
    assert sorted(rows["latest"].aliases) == ["1.4", "1.4.2"]
    assert rows["edge"].aliases == ()
    sizes = pushed.sizes()
    assert dict(rows["1.4"].platform_sizes) == sizes
    assert rows["1.4"].total_size == sum(sizes.values())
    # cosign tags sign `latest` (free: the tag list says so)...
    assert rows["latest"].signed and rows["1.4.2"].signed and rows["latest"].sbom
    # ...and the OCI 1.1 fallback index holds 1.3's signature and SBOM.
    assert rows["1.3"].signed and rows["1.3"].sbom
    assert not rows["edge"].signed and not rows["edge"].sbom
    assert repo.tags == 5  # the artifact tags are not counted


async def test_without_the_whole_list_only_the_rows_mark_each_other(
    fresh_registry: RegistryProcess,
) -> None:
    push_facts(fresh_registry.url)
    async with make_rex(fresh_registry.url) as rex:
        rows = await rex.tag_infos(REPO, ["latest", "edge"])
    assert {r.tag: r.signed for r in rows} == {"latest": False, "edge": False}


async def test_description_follows_the_precedence(fresh_registry: RegistryProcess) -> None:
    push_facts(fresh_registry.url)
    async with make_rex(fresh_registry.url) as rex:
        latest = await rex.inspect(f"{REPO}:latest", platform="linux/arm64")
        old = await rex.inspect(f"{REPO}:1.3")
    about = latest.description
    assert about.description == f"The app, {HOSTILE}"  # the index beats the config label
    assert about.title == "app for arm64"  # the child manifest's own annotation
    assert about.licenses == "Apache-2.0" and about.vendor == "Rex Tests"
    assert about.source == "https://example.com/app" and about.version == "1.4.2"
    data = latest.to_dict()
    assert data["description"] == about.description and data["url"] == "https://app.example.com"
    assert data["total_size"] == sum(latest.platform_sizes.values())
    assert data["aliases"] is None and data["signed"] is None  # not looked up by inspect
    legacy = old.description
    assert (legacy.title, legacy.description, legacy.source, legacy.licenses) == (
        "app",
        "the old app",
        "https://example.com/old-app",
        "MIT",
    )
