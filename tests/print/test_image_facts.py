"""`rex image` with image facts: aliases, sizes, descriptions, signed/SBOM, artifact tags."""

from __future__ import annotations

import pytest

from engine.testing.registry import RegistryProcess
from tests.print import shapes
from tests.print.harness import Rex, assert_shape
from tests.support.facts import REPO, FactsRepo, push_facts


@pytest.fixture
def facts(fresh_registry: RegistryProcess) -> tuple[str, FactsRepo]:
    return fresh_registry.url, push_facts(fresh_registry.url)


def test_tag_rows_carry_aliases_marks_and_totals(rex: Rex, facts: tuple[str, FactsRepo]) -> None:
    url, pushed = facts
    document = rex("-r", url, "-f", "json", "image", REPO).json()
    assert_shape(document, shapes.TAGS)
    rows = {row["tag"]: row for row in document["tags"]}
    assert set(rows) == {"latest", "1.4.2", "1.4", "1.3", "edge"}  # artifact tags hidden
    assert rows["1.4"]["aliases"] == ["1.4.2", "latest"]
    assert rows["1.4"]["total_size"] == sum(pushed.sizes().values())
    assert rows["1.4"]["platform_sizes"] == pushed.sizes()
    assert (rows["latest"]["signed"], rows["latest"]["sbom"]) == (True, True)
    assert (rows["1.3"]["signed"], rows["1.3"]["sbom"]) == (True, True)
    assert (rows["edge"]["signed"], rows["edge"]["sbom"]) == (False, False)
    # The second run answers from the cache and says the same.
    assert rex("-r", url, "-f", "json", "image", REPO).json() == document


def test_all_tags_and_the_signed_filters(rex: Rex, facts: tuple[str, FactsRepo]) -> None:
    url, pushed = facts

    def tags(*args: str) -> list[str]:
        return rex("-r", url, "-q", "image", REPO, *args).stdout.split()

    everything = tags("--all-tags")
    assert len(everything) == 8 and f"{pushed.latest.digest.replace(':', '-')}.sig" in everything
    assert tags("--unsigned") == ["edge"]
    assert tags("--signed") == ["1.3", "1.4", "1.4.2", "latest"]
    assert tags("--signed", "--limit", "2") == ["1.3", "1.4"]
    bad = rex("-r", url, "image", REPO, "--signed", "--unsigned")
    assert bad.returncode == 2 and "not allowed with argument" in bad.stderr


def test_group_by_digest(rex: Rex, facts: tuple[str, FactsRepo]) -> None:
    url, pushed = facts
    document = rex("-r", url, "-f", "json", "image", REPO, "--group-by", "digest").json()
    groups = {g["digest"]: g for g in document["digests"]}
    assert len(groups) == 3
    assert groups[pushed.latest.digest]["tags"] == ["1.4", "1.4.2", "latest"]
    text = rex("-r", url, "-f", "pretty", "image", REPO, "--group-by", "digest").stdout
    header, *lines = text.splitlines()
    assert header.split()[:2] == ["TAGS", "DIGEST"]
    assert any(line.startswith("1.4 = 1.4.2 = latest ") for line in lines)
    quiet = rex("-r", url, "-q", "image", REPO, "--group-by", "digest").stdout.split()
    assert sorted(quiet) == sorted(groups)


def test_one_image_with_aliases_and_description(rex: Rex, facts: tuple[str, FactsRepo]) -> None:
    url, _ = facts
    cold = rex("-r", url, "-f", "json", "image", f"{REPO}:1.4")
    assert cold.returncode == 0, str(cold)
    first = cold.json()
    assert first["aliases"] is None and first["signed"] is None  # nothing cached, not asked
    assert first["description"].startswith("The app, evil")
    assert first["source"] == "https://example.com/app" and first["licenses"] == "Apache-2.0"
    looked = rex("-r", url, "-f", "json", "image", f"{REPO}:1.4", "--aliases").json()
    assert looked["aliases"] == ["1.4.2", "latest"]
    assert (looked["signed"], looked["sbom"]) == (True, True)
    assert looked["total_size"] == sum(looked["platform_sizes"].values())
    # Now the tag list and the tags' manifests are cached: no --aliases needed.
    warm = rex("-r", url, "-f", "json", "image", f"{REPO}:1.3").json()
    assert warm["aliases"] == [] and (warm["signed"], warm["sbom"]) == (True, True)
    assert warm["title"] == "app" and warm["licenses"] == "MIT"


def test_pretty_description_is_escaped(rex: Rex, facts: tuple[str, FactsRepo]) -> None:
    url, _ = facts
    result = rex("-r", url, "-f", "pretty", "image", f"{REPO}:latest", "--aliases")
    assert result.returncode == 0, str(result)
    out = result.stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "The app, evil\\x1b]0;pwned\\x07 text" in out
    assert "Aliases: 1.4, 1.4.2" in out and "Signed: yes" in out
    assert "Total:" in out and "(all 2 platforms)" in out
    assert "Licenses" in out and "Apache-2.0" in out


def test_options_of_another_form_are_usage_errors(rex: Rex, facts: tuple[str, FactsRepo]) -> None:
    url, _ = facts
    for args in (
        ("image", f"{REPO}:1.4", "--group-by", "digest"),
        ("image", f"{REPO}:1.4", "--signed"),
        ("image", REPO, "--aliases"),
        ("image", "--all-tags"),
    ):
        result = rex("-r", url, *args)
        assert result.returncode == 2 and result.stderr.startswith("rex: error:"), args
