"""Image reference grammar, after distribution/reference's own test tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import ValidationError
from engine.oci.reference import (
    DOCKER_HUB,
    Reference,
    normalize_registry,
    validate_repository,
    validate_tag,
)
from rex_tui.cli.errors import exit_code

D256 = "sha256:" + "f" * 64
D512 = "sha512:" + "0123456789abcdef" * 8

# (text, registry, repository, tag, digest)
VALID = [
    ("alpine", "docker.io", "library/alpine", None, None),
    ("alpine:3.19", "docker.io", "library/alpine", "3.19", None),
    ("library/alpine", "docker.io", "library/alpine", None, None),
    ("docker.io/alpine", "docker.io", "library/alpine", None, None),
    ("docker.io/library/alpine", "docker.io", "library/alpine", None, None),
    ("index.docker.io/library/alpine", "docker.io", "library/alpine", None, None),
    ("registry-1.docker.io/team/app:1", "docker.io", "team/app", "1", None),
    ("Docker.IO/nginx", "docker.io", "library/nginx", None, None),
    ("team/app", "docker.io", "team/app", None, None),
    ("a/b/c/d", "docker.io", "a/b/c/d", None, None),
    ("test_com", "docker.io", "library/test_com", None, None),
    ("test.com:tag", "docker.io", "library/test.com", "tag", None),
    ("test.com:5000", "docker.io", "library/test.com", "5000", None),
    ("localhost:5000", "docker.io", "library/localhost", "5000", None),
    ("test.com/repo:tag", "test.com", "repo", "tag", None),
    ("test:5000/repo", "test:5000", "repo", None, None),
    ("test:5000/repo:tag", "test:5000", "repo", "tag", None),
    (f"test:5000/repo@{D256}", "test:5000", "repo", None, D256),
    (f"test:5000/repo:tag@{D256}", "test:5000", "repo", "tag", D256),
    ("localhost/foo", "localhost", "foo", None, None),
    ("localhost:5000/foo/bar:tag", "localhost:5000", "foo/bar", "tag", None),
    ("127.0.0.1:5000/app", "127.0.0.1:5000", "app", None, None),
    ("192.168.1.1/repo", "192.168.1.1", "repo", None, None),
    ("192.168.1.1:5/repo", "192.168.1.1:5", "repo", None, None),
    ("[::1]:5000/x", "[::1]:5000", "x", None, None),
    ("[::1]/x", "[::1]", "x", None, None),
    ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", None, None),
    ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", None),
    ("[2001:DB8::]:5000/repo", "[2001:db8::]:5000", "repo", None, None),
    ("ghcr.io/user/repo", "ghcr.io", "user/repo", None, None),
    (f"ghcr.io/user/repo@{D256}", "ghcr.io", "user/repo", None, D256),
    ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", None, None),
    ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
     "some-long-tag", None),
    ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io",
     "test.example.com/my-app", "test.example.com", None),
    ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", None),
    (f"xn--7o8h.com/myimage:xn--7o8h.com@{D512}", "xn--7o8h.com", "myimage", "xn--7o8h.com",
     D512),
    ("foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", None),
    ("foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", None),
    ("x/a.b-c_d__e---f/g", "docker.io", "x/a.b-c_d__e---f/g", None, None),
    ("lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", None),
    ("repo:_tag", "docker.io", "library/repo", "_tag", None),
    ("repo:" + "t" * 128, "docker.io", "library/repo", "t" * 128, None),
    ("a/" * 127 + "a:tag", "docker.io", "a/" * 127 + "a", "tag", None),
    (f"alpine@{D256}", "docker.io", "library/alpine", None, D256),
    (f"alpine:3.19@{D256}", "docker.io", "library/alpine", "3.19", D256),
]  # fmt: skip


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest"), VALID)
def test_parse_valid(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = Reference.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )
    assert Reference.parse(str(ref)) == ref


INVALID = [
    ("", "empty image reference"),
    (" alpine", "no spaces"),
    ("alpine ", "no spaces"),
    ("al pine", "no spaces"),
    ("repo:x y", "no spaces"),
    ("alpine\n", "no spaces"),
    (":justtag", "missing repository name"),
    (f"@{D256}", "missing repository name"),
    ("repo:", "missing tag after ':'"),
    ("repo@", "missing digest after '@'"),
    ("repo:@" + D256, "missing tag after ':'"),
    ("localhost:5000/", "missing repository name"),
    ("repo@sha256:" + "f" * 63, "63 hex digits"),
    ("repo@sha256:" + "F" * 64, "must be lowercase"),
    ("validname@invaliddigest:" + "f" * 64, "unsupported digest algorithm"),
    (f"repo@{D256}@{D256}", "not hexadecimal"),
    ("Uppercase:tag", "repository names must be lowercase"),
    ("test:5000/Uppercase/lowercase:tag", "repository names must be lowercase"),
    ("team/App", "repository names must be lowercase"),
    ("aa/asdf$$^/aa", "bad component 'asdf\\$\\$\\^'"),
    ("a//b", "empty path component"),
    ("a/", "empty path component"),
    ("-a", "bad component"),
    ("a-", "bad component"),
    ("a..b", "bad component"),
    ("a___b", "bad component"),
    ("ünicode", "bad component"),
    ("a/" * 128 + "a:tag", "over the limit of 255"),
    ("a" * 248, "over the limit of 255"),  # library/ makes it 256
    ("repo:-tag", "invalid tag '-tag'"),
    ("repo:.tag", "invalid tag '.tag'"),
    ("repo:" + "t" * 129, "invalid tag"),
    ("repo:tag!", "invalid tag 'tag!'"),
    ("repo:tâg", "invalid tag"),
    ("http://foo/bar", "invalid registry 'http:'"),
    ("-host.com/repo", "invalid registry"),
    ("under_score.com/repo", "invalid registry"),  # a '.' makes it a host, and hosts lack '_'
    ("host-.com/repo", "invalid registry"),
    ("host..com/repo", "invalid registry"),
    ("host.com:port/repo", "invalid registry"),
    ("[fe80::1%eth0]:5000/repo", "invalid registry"),
    ("[2001:db8:3:4::192.0.2.33]:5000/repo", "invalid registry"),
    ("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "image ID"),
]


@pytest.mark.parametrize(("text", "fragment"), INVALID)
def test_parse_invalid(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as info:
        Reference.parse(text)
    assert exit_code(info.value) == 2
    assert info.value.hint


def test_parse_rejects_non_text() -> None:
    with pytest.raises(ValidationError, match="must be text"):
        Reference.parse(None)  # type: ignore[arg-type]


def test_error_message_shows_value_truncated() -> None:
    with pytest.raises(ValidationError) as info:
        Reference.parse("repo:" + "!" * 5000)
    assert "'!!!" in info.value.message
    assert len(info.value.message) < 250


def test_tag_error_names_the_form() -> None:
    with pytest.raises(ValidationError) as info:
        validate_tag("x y")
    assert info.value.message.startswith(
        "invalid tag 'x y': tags are letters, digits, '_', '.' and '-', up to 128 characters"
    )


@pytest.mark.parametrize(
    ("text", "default", "expected"),
    [
        ("alpine", "localhost:5000", "localhost:5000/alpine"),
        ("team/app:1", "ghcr.io", "ghcr.io/team/app:1"),
        ("ghcr.io/team/app", "localhost:5000", "ghcr.io/team/app"),
        ("alpine", "index.docker.io", "docker.io/library/alpine"),
        ("alpine", "https://index.docker.io/v1/", "docker.io/library/alpine"),
        ("alpine", "http://LOCALHOST:5000/", "localhost:5000/alpine"),
    ],
)
def test_default_registry(text: str, default: str, expected: str) -> None:
    assert str(Reference.parse(text, default_registry=default)) == expected


def test_bad_default_registry() -> None:
    with pytest.raises(ValidationError, match="invalid registry"):
        Reference.parse("alpine", default_registry="not a host")


@pytest.mark.parametrize(
    ("text", "canonical", "familiar", "identifier"),
    [
        ("alpine", "docker.io/library/alpine", "alpine", "latest"),
        ("alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19", "3.19"),
        ("docker.io/library/foo/bar", "docker.io/library/foo/bar", "library/foo/bar", "latest"),
        ("docker/docker", "docker.io/docker/docker", "docker/docker", "latest"),
        ("localhost:5000/app:v1", "localhost:5000/app:v1", "localhost:5000/app:v1", "v1"),
        ("ghcr.io/library/x", "ghcr.io/library/x", "ghcr.io/library/x", "latest"),
        # Shortened, these would re-parse with "0.0" or "localhost" as the registry.
        ("docker.io/0.0/app", "docker.io/0.0/app", "docker.io/0.0/app", "latest"),
        ("docker.io/localhost/app", "docker.io/localhost/app", "docker.io/localhost/app", "latest"),
        (f"alpine@{D256}", f"docker.io/library/alpine@{D256}", f"alpine@{D256}", D256),
        (
            f"alpine:3@{D256}",
            f"docker.io/library/alpine:3@{D256}",
            f"alpine:3@{D256}",
            D256,
        ),
    ],
)
def test_display_forms(text: str, canonical: str, familiar: str, identifier: str) -> None:
    ref = Reference.parse(text)
    assert str(ref) == canonical
    assert ref.familiar() == familiar
    assert ref.identifier == identifier
    assert Reference.parse(ref.familiar()) == ref


def test_name() -> None:
    assert Reference.parse("alpine:3").name == "docker.io/library/alpine"


def test_with_tag_drops_digest() -> None:
    ref = Reference.parse(f"alpine:3@{D256}").with_tag("edge")
    assert (ref.tag, ref.digest) == ("edge", None)
    with pytest.raises(ValidationError, match="invalid tag"):
        ref.with_tag("bad tag")


def test_with_digest_keeps_tag() -> None:
    ref = Reference.parse("alpine:3").with_digest(D256)
    assert str(ref) == f"docker.io/library/alpine:3@{D256}"
    with pytest.raises(ValidationError, match="invalid digest"):
        ref.with_digest("sha256:abc")


def test_constructor_normalises_and_validates() -> None:
    assert Reference("index.docker.io", "alpine") == Reference.parse("alpine")
    assert Reference("GHCR.io", "a/b", "v1").registry == "ghcr.io"
    with pytest.raises(ValidationError):
        Reference("ghcr.io", "A/b")
    with pytest.raises(ValidationError):
        Reference("ghcr.io", "a", tag="")
    with pytest.raises(ValidationError):
        Reference("bad host", "a")


def test_frozen_and_hashable() -> None:
    ref = Reference.parse("alpine")
    with pytest.raises(AttributeError):
        ref.tag = "x"  # type: ignore[misc]
    assert len({ref, Reference.parse("docker.io/library/alpine")}) == 1


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("docker.io", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("registry.hub.docker.com", "docker.io"),
        ("https://index.docker.io/v1/", "docker.io"),
        ("GHCR.IO", "ghcr.io"),
        ("https://ghcr.io/", "ghcr.io"),
        ("http://localhost:5000", "localhost:5000"),
        (" quay.io ", "quay.io"),
        ("[::1]:5000", "[::1]:5000"),
        ("127.0.0.1:5000/v2/", "127.0.0.1:5000"),
    ],
)
def test_normalize_registry(host: str, expected: str) -> None:
    assert normalize_registry(host) == expected


@pytest.mark.parametrize("host", ["", "https://", "ftp://x.io", "a b", "x.io:", "x.io:abc", "[zz]"])
def test_normalize_registry_rejects(host: str) -> None:
    with pytest.raises(ValidationError, match="invalid registry"):
        normalize_registry(host)


def test_validate_repository_and_tag_return_their_input() -> None:
    assert validate_repository("team/app") == "team/app"
    assert validate_tag("v1.2.3") == "v1.2.3"
    with pytest.raises(ValidationError, match="missing repository name"):
        validate_repository("")
    with pytest.raises(ValidationError, match="must be lowercase"):
        validate_repository("Team/app")


# --- properties

_COMPONENT = st.from_regex(r"\A[a-z0-9]{1,3}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,3}){0,2}\Z")
_REPOSITORY = st.lists(_COMPONENT, min_size=1, max_size=4).map("/".join)
_TAG_TEXT = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z")
_REGISTRY = st.sampled_from(
    ["docker.io", "ghcr.io", "localhost", "localhost:5000", "127.0.0.1:5000", "[::1]:5000"]
)
_DIGEST = st.from_regex(r"\A[0-9a-f]{64}\Z").map(lambda h: f"sha256:{h}")


@given(_REGISTRY, _REPOSITORY, st.none() | _TAG_TEXT, st.none() | _DIGEST)
def test_round_trip(registry: str, repository: str, tag: str | None, digest: str | None) -> None:
    ref = Reference(registry, repository, tag, digest)
    assert Reference.parse(str(ref)) == ref
    assert Reference.parse(ref.familiar()) == ref
    assert ref.registry == registry
    if registry == DOCKER_HUB:
        assert "/" in ref.repository


@given(st.text())
def test_parse_random_text(text: str) -> None:
    try:
        ref = Reference.parse(text)
    except ValidationError:
        return
    assert Reference.parse(str(ref)) == ref


@given(st.text(alphabet="abc:/@._-[]0123456789ABsha", max_size=40))
def test_parse_reference_like_text(text: str) -> None:
    try:
        ref = Reference.parse(text, default_registry="localhost:5000")
    except ValidationError:
        return
    assert Reference.parse(str(ref)) == ref
    assert ref.identifier in (ref.digest, ref.tag, "latest")


# --- docker:// (skopeo's transport prefix)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("docker://alpine", "docker.io/library/alpine"),
        ("docker://alpine:3.19", "docker.io/library/alpine:3.19"),
        ("docker://localhost:5000/team/app:1.2", "localhost:5000/team/app:1.2"),
        (f"docker://ghcr.io/o/r@{D256}", f"ghcr.io/o/r@{D256}"),
    ],
)
def test_docker_transport_prefix_is_accepted(text: str, expected: str) -> None:
    assert str(Reference.parse(text)) == expected


@pytest.mark.parametrize("text", ["docker://", "docker:///alpine", "oci://alpine", "docker:/x"])
def test_docker_transport_prefix_alone_or_malformed_is_refused(text: str) -> None:
    with pytest.raises(ValidationError):
        Reference.parse(text)


@given(_REGISTRY, _REPOSITORY, st.none() | _TAG_TEXT, st.none() | _DIGEST)
def test_docker_transport_prefix_changes_nothing(
    registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = Reference(registry, repository, tag, digest)
    assert Reference.parse("docker://" + str(ref)) == ref
    assert Reference.parse("docker://" + ref.familiar()) == ref
