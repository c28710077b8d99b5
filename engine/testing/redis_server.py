"""A real `redis-server` (Debian's package) on 127.0.0.1 for tests and benchmarks.

Each server has its own port, temp directory and no persistence (`--save ""`,
`--appendonly no`); `start()` returns once it answers PING, `kill()` stops it the
hard way (SIGKILL, as a crash would), `close()` stops it and removes what it owns.
It speaks RESP over a plain socket to check on the server, so it needs no client library.
With `tls=True` it serves TLS only, with a self-signed certificate (engine.testing.tlscert):
`url` is then rediss://...?ssl_ca_certs=CERT, which trusts it.
"""

from __future__ import annotations

import atexit
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import weakref
from pathlib import Path

from engine.testing.registry import free_port

__all__ = ["BINARY", "RedisServer", "RedisServerError"]

BINARY = "/usr/bin/redis-server"
START_DEADLINE = 20.0
"""Seconds a server may take to answer PING (a loaded 2-core box is slow to fork)."""

_running: weakref.WeakSet[RedisServer] = weakref.WeakSet()


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_running):
        server.close()


class RedisServerError(RuntimeError):
    """The server would not start (the message holds the log tail)."""


class RedisServer:
    """One `redis-server` process; `password` turns on `requirepass`."""

    def __init__(
        self,
        *,
        workdir: Path | None = None,
        password: str | None = None,
        maxmemory: str | None = None,
        tls: bool = False,
    ) -> None:
        self._owns_workdir = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="rex-redis-")) if workdir is None else workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.maxmemory = maxmemory
        self.tls = tls
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """redis://[:password@]127.0.0.1:PORT/0 (the password as given, not quoted);
        rediss://...?ssl_ca_certs=CERT with TLS."""
        auth = f":{self.password}@" if self.password else ""
        if self.tls:
            return f"rediss://{auth}{self.host}/0?ssl_ca_certs={self.ca_file}"
        return f"redis://{auth}{self.host}/0"

    @property
    def ca_file(self) -> Path:
        """The self-signed certificate a TLS server presents (its own CA)."""
        return self.workdir / "tls" / "cert.pem"

    @property
    def log_path(self) -> Path:
        return self.workdir / "redis.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        args = [
            BINARY,
            *self._listen(),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.workdir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(self.log_path),
        ]
        if self.password:
            args += ["--requirepass", self.password]
        if self.maxmemory:
            args += ["--maxmemory", self.maxmemory, "--maxmemory-policy", "allkeys-lru"]
        return args

    def _listen(self) -> list[str]:
        if not self.tls:
            return ["--port", str(self.port)]
        from engine.testing.tlscert import write_self_signed

        cert, key = write_self_signed(self.workdir / "tls")
        return [
            "--port",
            "0",
            "--tls-port",
            str(self.port),
            "--tls-cert-file",
            str(cert),
            "--tls-key-file",
            str(key),
            "--tls-ca-cert-file",
            str(cert),
            "--tls-auth-clients",
            "no",
        ]

    def start(self) -> RedisServer:
        """Start the server and wait (with a deadline) until it answers PING."""
        if self.running:
            return self
        self._process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _running.add(self)
        deadline = time.monotonic() + START_DEADLINE
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RedisServerError(f"redis-server exited: {self._log_tail()}")
            if self.ping():
                return self
            time.sleep(0.02)
        self.close()
        raise RedisServerError(f"redis-server did not answer PING: {self._log_tail()}")

    def ping(self) -> bool:
        """Whether the server answers PING now."""
        try:
            reply = self.call("PING", timeout=1.0)
        except OSError:
            return False
        return reply == b"+PONG"

    def call(self, *args: str | bytes, timeout: float = 5.0) -> bytes:
        """Send one command (authenticated if need be) and return its raw first reply line."""
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            if self.tls:
                context = ssl.create_default_context(cafile=str(self.ca_file))
                sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
            with sock.makefile("rb") as stream:
                if self.password:
                    sock.sendall(_encode("AUTH", self.password))
                    stream.readline()
                sock.sendall(_encode(*args))
                return stream.readline().rstrip(b"\r\n")
        finally:
            sock.close()

    def kill(self) -> None:
        """Stop the server at once with SIGKILL, as a crash or an outage would."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    def close(self) -> None:
        """Stop the server and remove a work directory it created."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(timeout=10)
            self._process = None
        _running.discard(self)
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").splitlines()[-5:])
        except OSError:
            return "(no log)"


def _encode(*args: str | bytes) -> bytes:
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode() if isinstance(arg, str) else arg
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)
