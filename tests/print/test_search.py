"""`rex search image` and `rex search tags`: the seeds' envelopes and orderings."""

from __future__ import annotations

import pytest

from tests.print import shapes
from tests.print.harness import Rex, assert_shape, parse
from tests.support.seed import SeededRegistry

FORMATS = ["json", "yaml"]


def test_search_image_pretty_prints_names_best_first(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "search", "image", "oci/single")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "oci/single"


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_image_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "search", "image", "multi"), fmt)
    assert_shape(document, shapes.SEARCH_IMAGE)
    assert document["query"] == "multi" and document["search_type"] == "image"
    assert document["tag_filter"] is None
    names = [r["name"] for r in document["results"]]
    assert set(names) == {"oci/multi", "docker/multi"}
    assert document["total_results"] == len(names)
    assert all("matching_tag" not in r for r in document["results"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_image_with_tag(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    args = ["-r", registry.url, "-f", fmt, "search", "image", "single", "--tag", "2.0"]
    document = parse(rex(*args), fmt)
    assert document["tag_filter"] == "2.0"
    assert [r["name"] for r in document["results"]] == ["oci/single"]
    assert document["results"][0]["matching_tag"] == "2.0"


def test_search_image_exact_and_limit(rex: Rex, registry: SeededRegistry) -> None:
    exact = rex("-r", registry.url, "-f", "json", "search", "image", "oci/multi", "--exact")
    assert [r["name"] for r in exact.json()["results"]] == ["oci/multi"]
    limited = rex("-r", registry.url, "-f", "json", "search", "image", "paged", "--limit", "2")
    assert limited.json()["total_results"] == 2


def test_search_nothing_found_is_success(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "json", "search", "image", "zzzzqqqq")
    assert result.returncode == 0 and result.json()["results"] == []


def test_search_tags_pretty_across_images(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "-f", "pretty", "search", "tags", "v2.0.1")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "tags/many:v2.0.1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_tags_document(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    document = parse(rex("-r", registry.url, "-f", fmt, "search", "tags", "latest"), fmt)
    assert_shape(document, {**shapes.SEARCH_TAGS, "results": [{"image": str}]})
    assert_shape(document, shapes.SEARCH_TAGS)
    assert document["image_scope"] is None
    refs = {r["reference"] for r in document["results"]}
    assert {"oci/multi:latest", "public/hello:latest"} <= refs
    hello = next(r for r in document["results"] if r["image"] == "public/hello")
    assert hello["digest"] == registry.digest("public/hello:latest")


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_tags_scoped(rex: Rex, registry: SeededRegistry, fmt: str) -> None:
    args = ["-r", registry.url, "-f", fmt, "search", "tags", "v1.1", "--image", "tags/many"]
    document = parse(rex(*args, "--limit", "3"), fmt)
    assert_shape(document, shapes.SEARCH_TAGS)
    assert document["image_scope"] == "tags/many"
    assert [r["tag"] for r in document["results"]] == ["v1.1.0", "v1.1.1", "v1.1.2"]
    assert all("image" not in r for r in document["results"])
    assert document["results"][0]["reference"] == "tags/many:v1.1.0"


def test_search_tags_scoped_pretty_prints_bare_tags(rex: Rex, registry: SeededRegistry) -> None:
    result = rex(
        "-r", registry.url, "-f", "pretty", "search", "tags", "v2.0.9", "--image", "tags/many"
    )
    assert result.stdout.splitlines()[0] == "v2.0.9"


def test_search_tags_in_missing_image_exits_5(rex: Rex, registry: SeededRegistry) -> None:
    result = rex("-r", registry.url, "search", "tags", "x", "--image", "no/such")
    assert result.returncode == 5
