"""WWW-Authenticate, Link and Retry-After parsing, including hostile input."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import ValidationError
from engine.transport.headers import (
    Challenge,
    parse_link_next,
    parse_retry_after,
    parse_www_authenticate,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
            'scope="repository:library/alpine:pull"',
            [
                Challenge(
                    "bearer",
                    {
                        "realm": "https://auth.example.com/token",
                        "service": "registry.example.com",
                        "scope": "repository:library/alpine:pull",
                    },
                )
            ],
        ),
        ('Basic realm="Registry Realm"', [Challenge("basic", {"realm": "Registry Realm"})]),
        (
            'Basic realm="a", Bearer realm="b", error="insufficient_scope"',
            [
                Challenge("basic", {"realm": "a"}),
                Challenge("bearer", {"realm": "b", "error": "insufficient_scope"}),
            ],
        ),
        ('BEARER Realm="x"', [Challenge("bearer", {"realm": "x"})]),
        (
            'Bearer realm="with \\"quotes\\", and comma"',
            [Challenge("bearer", {"realm": 'with "quotes", and comma'})],
        ),
        (
            "Bearer realm=unquoted , service=svc",
            [Challenge("bearer", {"realm": "unquoted", "service": "svc"})],
        ),
        ("Negotiate abc+/==", [Challenge("negotiate", {"": "abc+/=="})]),
        ("Basic", [Challenge("basic", {})]),
        ("", []),
    ],
)
def test_www_authenticate(header: str, expected: list[Challenge]) -> None:
    assert parse_www_authenticate(header) == expected


def test_www_authenticate_several_header_values() -> None:
    got = parse_www_authenticate(['Basic realm="r"', 'Bearer realm="t",service="s"'])
    assert [c.scheme for c in got] == ["basic", "bearer"]
    assert got[1].get("service") == "s"


@pytest.mark.parametrize("header", ['Bearer "quoted"', "=", 'Bearer realm="open', "Bearer a=b=c"])
def test_www_authenticate_malformed(header: str) -> None:
    with pytest.raises(ValidationError, match="WWW-Authenticate"):
        parse_www_authenticate(header)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('</v2/_catalog?last=b&n=2>; rel="next"', "/v2/_catalog?last=b&n=2"),
        (
            "<https://r.example/v2/x/tags/list?n=1&last=a>; rel=next",
            "https://r.example/v2/x/tags/list?n=1&last=a",
        ),
        ('<a>; rel="prev", <b>; rel="next"', "b"),
        ('<a>; rel="prev next"', "a"),
        ('<a>; title="x"; rel="NEXT"', "a"),
        ('<a>; rel="prev"', None),
        ("", None),
        (None, None),
    ],
)
def test_link_next(header: str | None, expected: str | None) -> None:
    assert parse_link_next(header) == expected


@pytest.mark.parametrize("header", ["no brackets", '<a>; rel="prev", garbage', "<a"])
def test_link_malformed(header: str) -> None:
    with pytest.raises(ValidationError, match="Link"):
        parse_link_next(header)


def test_retry_after_forms() -> None:
    now = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 120 ") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 60.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:20:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None
    with pytest.raises(ValidationError):
        parse_retry_after("soon")


_header_text = st.text(
    alphabet=st.sampled_from([*list('abcXYZ019 \t,="\\;<>/:-_.+~!#'), "é", "\x00"]),
    max_size=60,
)


@given(st.one_of(st.text(max_size=80), _header_text))
def test_www_authenticate_never_raises_foreign_errors(text: str) -> None:
    try:
        for challenge in parse_www_authenticate(text):
            assert challenge.scheme == challenge.scheme.lower()
    except ValidationError:
        pass


@given(st.one_of(st.text(max_size=80), _header_text))
def test_link_never_raises_foreign_errors(text: str) -> None:
    with contextlib.suppress(ValidationError):
        parse_link_next(text)


@given(st.text(max_size=40))
def test_retry_after_never_raises_foreign_errors(text: str) -> None:
    try:
        value = parse_retry_after(text)
        assert value is None or value >= 0
    except ValidationError:
        pass
