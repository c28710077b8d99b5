"""Digest parsing, computing and streaming verification."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import ContentError, ValidationError
from engine.oci.digest import ALGORITHMS, Digest, DigestVerifier, compute
from rex_tui.cli.errors import exit_code

EMPTY_SHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
HELLO = b"hello"
HELLO_SHA256 = hashlib.sha256(HELLO).hexdigest()
HELLO_SHA512 = hashlib.sha512(HELLO).hexdigest()


@pytest.mark.parametrize(
    ("text", "algorithm", "hex_"),
    [
        (EMPTY_SHA256, "sha256", EMPTY_SHA256.removeprefix("sha256:")),
        ("sha256:" + "0" * 64, "sha256", "0" * 64),
        ("sha256:" + "f" * 64, "sha256", "f" * 64),
        ("sha512:" + "a" * 128, "sha512", "a" * 128),
        (f"sha512:{HELLO_SHA512}", "sha512", HELLO_SHA512),
    ],
)
def test_parse_valid(text: str, algorithm: str, hex_: str) -> None:
    digest = Digest.parse(text)
    assert (digest.algorithm, digest.hex) == (algorithm, hex_)
    assert str(digest) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "expected 'algorithm:hex'"),
        ("sha256", "expected 'algorithm:hex'"),
        ("sha256:", "expected 'algorithm:hex'"),
        (":" + "a" * 64, "expected 'algorithm:hex'"),
        ("md5:" + "a" * 32, "unsupported digest algorithm 'md5'"),
        ("SHA256:" + "a" * 64, "unsupported digest algorithm 'SHA256'"),
        ("sha384:" + "a" * 96, "unsupported digest algorithm"),
        ("sha256:" + "a" * 63, "63 hex digits, expected 64"),
        ("sha256:" + "a" * 65, "65 hex digits, expected 64"),
        ("sha256:" + "a" * 128, "128 hex digits, expected 64"),
        ("sha512:" + "a" * 64, "64 hex digits, expected 128"),
        ("sha256:" + "A" * 64, "must be lowercase"),
        ("sha256:" + "g" * 64, "not hexadecimal"),
        ("sha256:" + "a" * 63 + " ", "not hexadecimal"),
        ("sha256: " + "a" * 64, "not hexadecimal"),
        ("sha256:" + "a" * 32 + ":" + "a" * 31, "not hexadecimal"),
        ("sha256:" + "٣" * 64, "not hexadecimal"),  # non-ASCII digits are not hex
    ],
)
def test_parse_invalid(text: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as info:
        Digest.parse(text)
    assert exit_code(info.value) == 2


def test_parse_rejects_non_text() -> None:
    with pytest.raises(ValidationError, match="must be text"):
        Digest.parse(b"sha256:abc")  # type: ignore[arg-type]


def test_constructor_validates() -> None:
    with pytest.raises(ValidationError):
        Digest("sha256", "abc")
    with pytest.raises(ValidationError):
        Digest("crc32", "0" * 8)


def test_error_truncates_long_values() -> None:
    with pytest.raises(ValidationError) as info:
        Digest.parse("sha256:" + "z" * 10_000)
    assert len(info.value.message) < 200
    assert "..." in info.value.message


def test_short() -> None:
    digest = Digest.parse(EMPTY_SHA256)
    assert digest.short() == "sha256:e3b0c44298fc"
    assert digest.short(4) == "sha256:e3b0"
    assert digest.short(0) == "sha256:"
    assert digest.short(-5) == "sha256:"
    assert digest.short(1000) == EMPTY_SHA256


def test_equality_and_hash() -> None:
    assert Digest.parse(EMPTY_SHA256) == Digest.parse(EMPTY_SHA256)
    assert len({Digest.parse(EMPTY_SHA256), Digest.parse(EMPTY_SHA256)}) == 1


def test_compute() -> None:
    assert str(compute(b"")) == EMPTY_SHA256
    assert compute(HELLO) == Digest("sha256", HELLO_SHA256)
    assert compute(HELLO, "sha512") == Digest("sha512", HELLO_SHA512)
    with pytest.raises(ValidationError, match="unsupported digest algorithm 'md5'"):
        compute(HELLO, "md5")


def test_verifier_streams_chunks() -> None:
    verifier = DigestVerifier(f"sha256:{HELLO_SHA256}")
    for chunk in (b"he", b"", b"llo"):
        verifier.update(chunk)
    assert verifier.size == 5
    assert verifier.actual() == compute(HELLO)
    verifier.verify()


def test_verifier_actual_mid_stream_does_not_finalise() -> None:
    verifier = DigestVerifier(compute(HELLO))
    verifier.update(b"he")
    assert verifier.actual() == compute(b"he")
    verifier.update(b"llo")
    verifier.verify(what="blob")


def test_verifier_sha512() -> None:
    verifier = DigestVerifier(compute(HELLO, "sha512"))
    verifier.update(HELLO)
    verifier.verify()


def test_verifier_mismatch() -> None:
    verifier = DigestVerifier(EMPTY_SHA256)
    verifier.update(HELLO)
    with pytest.raises(ContentError) as info:
        verifier.verify(what="layer 2")
    assert str(info.value) == (
        f"digest mismatch for layer 2: expected {EMPTY_SHA256}, got sha256:{HELLO_SHA256}"
    )
    assert exit_code(info.value) == 1


def test_verifier_rejects_bad_expected() -> None:
    with pytest.raises(ValidationError):
        DigestVerifier("sha256:nope")


@given(st.text())
def test_parse_random_text_only_raises_validation_error(text: str) -> None:
    try:
        digest = Digest.parse(text)
    except ValidationError:
        return
    assert str(digest) == text


@given(st.sampled_from(sorted(ALGORITHMS)), st.binary())
def test_round_trip(algorithm: str, data: bytes) -> None:
    digest = compute(data, algorithm)
    assert len(digest.hex) == ALGORITHMS[algorithm]
    assert Digest.parse(str(digest)) == digest


@given(st.binary(), st.lists(st.integers(min_value=0, max_value=64), max_size=8))
def test_verifier_matches_compute_for_any_chunking(data: bytes, cuts: list[int]) -> None:
    verifier = DigestVerifier(compute(data))
    start = 0
    for cut in sorted(cuts):
        verifier.update(data[start:cut])
        start = max(start, cut)
    verifier.update(data[start:])
    assert verifier.size == len(data)
    verifier.verify()
