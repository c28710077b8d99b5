"""A real CNCF Distribution registry (`docker-registry serve`) on 127.0.0.1 for tests.

Three flavours share one storage layout:
  anonymous  no auth at all
  basic      htpasswd (bcrypt); any valid user may do anything (htpasswd has no ACLs)
  token      `auth.token` against a token server, which enforces the per-user policy

Only the anonymous flavour's needs (httpx, PyYAML) are imported at module level: bcrypt
and the TLS certificate writer (cryptography) load when a flavour or option uses them, so
scripts/demo.py runs with rex-tui's own dependencies alone. The token flavour is handed
its token server (tests/support/tokenserver.py is one), which enforces the policy.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from typing import Literal, Protocol

import httpx
import yaml

Flavour = Literal["anonymous", "basic", "token"]
FLAVOURS: tuple[Flavour, ...] = ("anonymous", "basic", "token")

ALICE = "alice"
BOB = "bob"
# The users a basic or token registry knows. A colon and symbols on purpose: Basic auth
# splits on the first colon only.
USERS: dict[str, str] = {
    ALICE: "W0nder:land#Rabbit-Hole-2026",
    BOB: "builder-bob",
}

BINARY = "/usr/bin/docker-registry"
REALM = "rex-test"
# bcrypt's minimum cost: the registry checks the hash on every request (default cost 10
# would add ~60 ms to each one).
_BCRYPT_ROUNDS = 4


# Registries still running when the interpreter exits (a crashed or interrupted session)
# are stopped here, so no `docker-registry` outlives the test run.
_running: weakref.WeakSet[RegistryProcess] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for process in list(_running):
        process.close()


def free_port() -> int:
    """A port nothing listens on right now (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RegistryError(RuntimeError):
    """The registry process would not start (the message holds the log tail)."""


class TokenRealm(Protocol):
    """What a token-flavour registry needs of its token server (the `auth.token` realm)."""

    @property
    def realm(self) -> str: ...
    @property
    def service(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def running(self) -> bool: ...
    def start(self) -> object: ...
    def stop(self) -> None: ...
    def write_cert(self, path: Path) -> Path: ...


class RegistryProcess:
    """One `docker-registry serve` process with its own config, storage and log."""

    def __init__(
        self,
        flavour: Flavour = "anonymous",
        *,
        workdir: Path | None = None,
        token_server: TokenRealm | None = None,
        users: dict[str, str] | None = None,
        catalog_max_entries: int = 1000,
        tls: bool = False,
    ) -> None:
        if flavour not in FLAVOURS:
            raise ValueError(f"unknown flavour {flavour!r}")
        self.flavour: Flavour = flavour
        self._owns_workdir = workdir is None
        self.workdir = (
            Path(tempfile.mkdtemp(prefix=f"rex-registry-{flavour}-"))
            if workdir is None
            else workdir
        )
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.users: dict[str, str] = {}
        if flavour != "anonymous":
            self.users = dict(users or USERS)
        if flavour == "token" and token_server is None:
            raise ValueError("the token flavour needs a token_server")
        self.token_server = token_server if flavour == "token" else None
        self._started_token_server = False
        self.catalog_max_entries = catalog_max_entries
        self.tls = tls
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._config_written = False

    # -- addresses ---------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}"

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate a TLS registry serves (its own CA)."""
        return self.workdir / "tls" / "cert.pem"

    @property
    def storage_dir(self) -> Path:
        return self.workdir / "storage"

    @property
    def config_path(self) -> Path:
        return self.workdir / "config.yml"

    @property
    def log_path(self) -> Path:
        return self.workdir / "registry.log"

    def blob_path(self, digest: str) -> Path:
        """Where the filesystem driver keeps a blob's bytes (shared by all repositories)."""
        algorithm, _, hexpart = digest.partition(":")
        return (
            self.storage_dir
            / "docker/registry/v2/blobs"
            / algorithm
            / hexpart[:2]
            / hexpart
            / "data"
        )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- configuration -----------------------------------------------------------------

    def _config(self) -> dict[str, object]:
        config: dict[str, object] = {
            "version": 0.1,
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {
                "filesystem": {"rootdirectory": str(self.storage_dir)},
                "delete": {"enabled": True},
                "maintenance": {"uploadpurging": {"enabled": False}},
            },
            # A fixed secret keeps upload `_state` tokens valid across restart().
            "http": {"addr": self.host, "secret": f"rex-test-secret-{self.flavour}"},
            "catalog": {"maxentries": self.catalog_max_entries},
        }
        if self.tls:
            from engine.testing.tlscert import write_self_signed

            cert, key = write_self_signed(self.workdir / "tls")
            http = config["http"]
            assert isinstance(http, dict)
            http["tls"] = {"certificate": str(cert), "key": str(key)}
        if self.flavour == "basic":
            import bcrypt

            htpasswd = self.workdir / "htpasswd"
            lines = []
            for name, password in self.users.items():
                hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(_BCRYPT_ROUNDS))
                lines.append(f"{name}:{hashed.decode()}\n")
            htpasswd.write_text("".join(lines))
            config["auth"] = {"htpasswd": {"realm": REALM, "path": str(htpasswd)}}
        elif self.flavour == "token":
            assert self.token_server is not None
            cert = self.token_server.write_cert(self.workdir / "token-cert.pem")
            config["auth"] = {
                "token": {
                    "realm": self.token_server.realm,
                    "service": self.token_server.service,
                    "issuer": self.token_server.issuer,
                    "rootcertbundle": str(cert),
                }
            }
        return config

    def _write_config(self) -> None:
        self.storage_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(self._config(), sort_keys=False))
        self._config_written = True

    # -- lifecycle ---------------------------------------------------------------------

    def launch(self) -> None:
        """Start the process without waiting for it (see `wait_ready`)."""
        if self.running:
            return
        if self.token_server is not None and not self.token_server.running:
            self.token_server.start()
            self._started_token_server = True
        if not self._config_written:
            self._write_config()
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [BINARY, "serve", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _running.add(self)

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Poll `GET /v2/` until it answers 200 or 401."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0, verify=False) as client:
            while True:
                if self._process is None or self._process.poll() is not None:
                    raise RegistryError(f"registry exited early\n{self.log_tail()}")
                try:
                    status = client.get(f"{self.url}/v2/").status_code
                except httpx.TransportError:
                    status = None
                if status in (200, 401):
                    return
                if time.monotonic() > deadline:
                    self.stop()
                    raise RegistryError(
                        f"registry not ready after {timeout} s (last status {status})\n"
                        f"{self.log_tail()}"
                    )
                time.sleep(0.02)

    def start(self, timeout: float = 10.0) -> RegistryProcess:
        self.launch()
        self.wait_ready(timeout)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        _running.discard(self)
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def restart(self, timeout: float = 10.0) -> RegistryProcess:
        """Stop and start again on the same port with the same storage."""
        self.stop()
        return self.start(timeout)

    def close(self) -> None:
        """Stop, stop the token server if this process started it, and remove an owned
        temporary directory."""
        self.stop()
        if self.token_server is not None and self._started_token_server:
            self.token_server.stop()
            self._started_token_server = False
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RegistryProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __repr__(self) -> str:
        return f"RegistryProcess({self.flavour!r}, url={self.url!r}, running={self.running})"


__all__ = [
    "FLAVOURS",
    "Flavour",
    "RegistryError",
    "RegistryProcess",
    "free_port",
]
