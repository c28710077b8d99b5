"""No password, token or Authorization value ever reaches a log record or an error."""

from __future__ import annotations

import base64
import logging
import re

import pytest

from engine import AuthenticationError, Credentials
from tests.engine.helpers import make_rex
from tests.support.seed import SeededRegistry


def _record_texts(records: list[logging.LogRecord]) -> list[str]:
    texts = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        texts.append(repr(vars(record)))
    return texts


@pytest.mark.parametrize("flavour", ["basic_registry", "token_registry"])
async def test_debug_logs_hold_no_secrets(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, flavour: str
) -> None:
    seeded: SeededRegistry = request.getfixturevalue(flavour)
    username, password = seeded.credentials or ("", "")
    caplog.set_level(logging.DEBUG)  # the root logger: engine, httpx and httpcore alike
    async with make_rex(seeded.url, credentials=Credentials(username, password)) as rex:
        await rex.list_repositories()
        await rex.inspect("oci/multi:latest", platform="linux/arm64")
        await rex.referrers("oci/single:1.0")
        tokens = [t.value for t in rex._tokens._tokens.values()]
    async with make_rex(seeded.url, credentials=Credentials(username, "wrong-pass")) as rex:
        with pytest.raises(AuthenticationError) as info:
            await rex.list_tags("oci/single")

    texts = _record_texts(caplog.records)
    # The test must see the traffic it checks: requests were logged at debug level.
    assert any("GET" in t and "/v2/oci/multi/manifests/" in t for t in texts)
    if flavour == "token_registry":
        assert tokens, "bearer tokens were issued"
    secrets = [password, "wrong-pass", *tokens]
    secrets.append(base64.b64encode(f"{username}:{password}".encode()).decode())
    for secret in secrets:
        assert not any(secret in text for text in texts), "a secret reached the log"
        assert secret not in str(info.value) and secret not in info.value.hint
    # Challenges ("Bearer realm=...") may be logged; credentials ("Bearer eyJ...") never.
    credential = re.compile(r"(Bearer|Basic)\s+(?!realm)[A-Za-z0-9+/._=-]{12,}")
    assert not any(credential.search(t) for t in texts)


async def test_credentials_repr_hides_the_password() -> None:
    creds = Credentials("alice", "hunter2", identity_token="tok-xyz")
    assert "hunter2" not in repr(creds) and "tok-xyz" not in repr(creds)
    assert "hunter2" not in str(creds)
