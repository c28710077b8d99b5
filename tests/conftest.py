"""Session-wide real registries holding the standard data set, plus per-test helpers.

All fixtures here are sync, so sync and trio tests (pytest-trio's trio_mode) use them
alike. Treat the session registries as read-only: a test that pushes, deletes, corrupts
or restarts uses `fresh_registry` (or its own RegistryProcess) instead.

  registry, basic_registry, token_registry   SeededRegistry (tests/support/seed.py)
  fault_proxy                                FaultProxy in front of `registry`
  fault_proxy_factory                        make FaultProxy(upstream) for any registry
  fresh_registry                             empty anonymous RegistryProcess, running
  fresh_registry_seeded                      private anonymous SeededRegistry (a copy)
  stopped_registry_url                       http://127.0.0.1:PORT with nothing listening
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from engine.testing.registry import Flavour, RegistryProcess, free_port
from tests.support.faultproxy import FaultProxy
from tests.support.seed import SeededRegistry, make_template, start_seeded

_startup_seconds: dict[str, float] = {}


@pytest.fixture(scope="session")
def seed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Storage holding the standard data set, pushed once; seeded registries copy it."""
    started = time.perf_counter()
    storage = make_template(tmp_path_factory.mktemp("registry-template"))
    _startup_seconds["template"] = time.perf_counter() - started
    return storage


def _seeded(
    flavour: Flavour, tmp_path_factory: pytest.TempPathFactory, template: Path
) -> Iterator[SeededRegistry]:
    seeded = start_seeded(
        flavour, tmp_path_factory.mktemp(f"registry-{flavour}"), template=template
    )
    _startup_seconds[flavour] = seeded.seconds_to_start
    try:
        yield seeded
    finally:
        seeded.process.close()


@pytest.fixture(scope="session")
def registry(
    tmp_path_factory: pytest.TempPathFactory, seed_template: Path
) -> Iterator[SeededRegistry]:
    """The anonymous registry with the standard data set (read-only, whole session)."""
    yield from _seeded("anonymous", tmp_path_factory, seed_template)


@pytest.fixture(scope="session")
def basic_registry(
    tmp_path_factory: pytest.TempPathFactory, seed_template: Path
) -> Iterator[SeededRegistry]:
    """htpasswd registry (alice and bob, both with full access: htpasswd has no ACLs)."""
    yield from _seeded("basic", tmp_path_factory, seed_template)


@pytest.fixture(scope="session")
def token_registry(
    tmp_path_factory: pytest.TempPathFactory, seed_template: Path
) -> Iterator[SeededRegistry]:
    """Token-auth registry; its `token_server` enforces alice=all, bob=pull public/*."""
    yield from _seeded("token", tmp_path_factory, seed_template)


@pytest.fixture
def fault_proxy_factory() -> Iterator[Callable[..., FaultProxy]]:
    """`make(upstream_url, rewrites=None)` starts a FaultProxy; all stop at teardown."""
    proxies: list[FaultProxy] = []

    def make(upstream_url: str, *, rewrites: Mapping[str, str] | None = None) -> FaultProxy:
        proxy = FaultProxy(upstream_url, rewrites=rewrites)
        proxies.append(proxy.start())
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


@pytest.fixture
def fault_proxy(
    registry: SeededRegistry, fault_proxy_factory: Callable[..., FaultProxy]
) -> FaultProxy:
    """A FaultProxy (no faults yet) in front of the anonymous seeded registry."""
    return fault_proxy_factory(registry.url)


@pytest.fixture
def fresh_registry(tmp_path: Path) -> Iterator[RegistryProcess]:
    """A new, empty, running anonymous registry that this test may break at will."""
    process = RegistryProcess("anonymous", workdir=tmp_path / "registry").start()
    try:
        yield process
    finally:
        process.close()


@pytest.fixture
def fresh_registry_seeded(tmp_path: Path, seed_template: Path) -> Iterator[SeededRegistry]:
    """A private anonymous copy of the seeded registry (~0.1 s): corrupt or delete freely."""
    seeded = start_seeded("anonymous", tmp_path / "registry", template=seed_template)
    try:
        yield seeded
    finally:
        seeded.process.close()


@pytest.fixture
def stopped_registry_url() -> str:
    """A loopback URL whose port nothing listens on (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _startup_seconds:
        parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in _startup_seconds.items())
        terminalreporter.write_line(f"test registries started: {parts}")


@pytest.fixture(scope="session")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    """An empty anonymous registry served over HTTPS with a self-signed certificate."""
    process = RegistryProcess("anonymous", workdir=tmp_path_factory.mktemp("tls"), tls=True)
    process.start()
    try:
        yield process
    finally:
        process.close()
