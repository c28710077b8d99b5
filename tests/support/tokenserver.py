"""A Docker token server (the `auth.token` realm of a Distribution registry).

Protocol: https://distribution.github.io/distribution/spec/auth/token/ . `GET /token` with
`service`, repeatable `scope` and optional Basic credentials answers an RS256 JWT whose
header carries the signing certificate in `x5c`; the registry trusts it through its
`rootcertbundle`, which is that same self-signed certificate.

Policy (the same for every test): alice may do anything anywhere; bob may pull
repositories under `public/` and list the catalog; anonymous callers get a token that
grants nothing. A wrong password is a 401 and no token.

With `tls_dir`, the server speaks HTTPS with a self-signed certificate for 127.0.0.1 written
there (`ca_file`): a realm a client must refuse unless it trusts that file.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hmac
import itertools
import json
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from engine.testing.registry import ALICE, BOB, USERS
from engine.testing.tlscert import write_self_signed

SERVICE = "rex-test-registry"
ISSUER = "rex-test-token-server"

_ALL_REPOSITORY_ACTIONS = ("pull", "push", "delete", "*")


def allowed_actions(username: str | None, resource_type: str, name: str) -> set[str]:
    """What the test policy lets `username` (None: anonymous) do on one resource."""
    if username == ALICE:
        if resource_type == "repository":
            return set(_ALL_REPOSITORY_ACTIONS)
        if resource_type == "registry" and name == "catalog":
            return {"*"}
        return set()
    if username == BOB:
        if resource_type == "repository" and name.startswith("public/"):
            return {"pull"}
        if resource_type == "registry" and name == "catalog":
            return {"*"}
    return set()


@dataclass(frozen=True)
class Scope:
    """One `type:name:actions` scope; the name may itself hold colons (never in repos)."""

    type: str
    name: str
    actions: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Scope:
        resource_type, _, rest = text.partition(":")
        name, _, actions = rest.rpartition(":")
        if not resource_type or not name:
            raise ValueError(f"malformed scope {text!r}")
        return cls(resource_type, name, tuple(a for a in actions.split(",") if a))

    def __str__(self) -> str:
        return f"{self.type}:{self.name}:{','.join(self.actions)}"


@dataclass(frozen=True)
class TokenRequest:
    """One call to `/token`, as the server saw it (never the password)."""

    username: str | None
    scopes: tuple[str, ...]
    service: str | None
    time: float
    status: int
    granted: tuple[dict[str, Any], ...] = ()
    authorization_scheme: str | None = None


@dataclass
class _Signer:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    cert_pem: bytes = field(init=False)
    x5c: str = field(init=False)

    def __post_init__(self) -> None:
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)
        der = self.cert.public_bytes(serialization.Encoding.DER)
        self.x5c = base64.b64encode(der).decode("ascii")


@functools.cache
def _make_signer() -> _Signer:
    """One key per test process: RSA key generation costs ~0.1-0.5 s."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _Signer(key, cert)


def _iso(timestamp: float) -> str:
    moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


class TokenServer:
    """`GET http://127.0.0.1:PORT/token`, threaded, for one registry `service`."""

    def __init__(
        self,
        users: dict[str, str] | None = None,
        *,
        service: str = SERVICE,
        issuer: str = ISSUER,
        expires_in: int = 300,
        tls_dir: Path | None = None,
    ) -> None:
        self.users = dict(USERS if users is None else users)
        self.tls_dir = tls_dir
        self.ca_file: Path | None = None
        self.service = service
        self.issuer = issuer
        self.expires_in = expires_in
        self._signer = _make_signer()
        self._lock = threading.Lock()
        self._requests: list[TokenRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._jti = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> TokenServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
        server.daemon_threads = True
        server.token_server = self  # type: ignore[attr-defined]
        if self.tls_dir is not None:
            cert, key = write_self_signed(self.tls_dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            # The handshake runs in each handler's thread: a client that refuses the
            # certificate fails there, not in the accept loop.
            server.socket = context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
            self.ca_file = cert
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits up to one interval
            name="token-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TokenServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a registry config and a test need -----------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("token server is not running")
        return int(self._server.server_address[1])

    @property
    def realm(self) -> str:
        scheme = "https" if self.tls_dir is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}/token"

    @property
    def cert_pem(self) -> bytes:
        return self._signer.cert_pem

    def write_cert(self, path: Path) -> Path:
        """Write the registry's `rootcertbundle`."""
        path.write_bytes(self._signer.cert_pem)
        return path

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._signer.key.public_key()

    @property
    def requests(self) -> list[TokenRequest]:
        """A snapshot of every `/token` call so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def decode(self, token: str) -> dict[str, Any]:
        """The verified claims of a token this server issued."""
        claims: dict[str, Any] = jwt.decode(
            token, self.public_key, algorithms=["RS256"], audience=self.service
        )
        return claims

    # -- the protocol ------------------------------------------------------------------

    def issue(self, username: str | None, scopes: list[Scope]) -> tuple[str, list[dict[str, Any]]]:
        """Sign a token granting the intersection of `scopes` and the policy."""
        access: list[dict[str, Any]] = []
        for scope in scopes:
            allowed = allowed_actions(username, scope.type, scope.name)
            granted = [a for a in scope.actions if a in allowed]
            if granted:
                access.append({"type": scope.type, "name": scope.name, "actions": granted})
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": username or "",
            "aud": self.service,
            "exp": now + self.expires_in,
            "nbf": now - 1,
            "iat": now,
            "jti": f"{uuid.uuid4().hex}-{next(self._jti)}",
            "access": access,
        }
        token = jwt.encode(
            claims, self._signer.key, algorithm="RS256", headers={"x5c": [self._signer.x5c]}
        )
        return token, access

    def _check_credentials(self, header: str | None) -> tuple[bool, str | None]:
        """(ok, username); no header is an anonymous, successful caller."""
        if not header:
            return True, None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return False, None
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False, None
        username, sep, password = decoded.partition(":")
        expected = self.users.get(username)
        if not sep or expected is None:
            return False, username or None
        ok = hmac.compare_digest(password.encode(), expected.encode())
        return ok, username

    def _record(self, request: TokenRequest) -> None:
        with self._lock:
            self._requests.append(request)


class _TokenHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rex-test-token-server"

    def setup(self) -> None:
        self.refused = False
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except OSError:
                self.refused = True  # the client refused the certificate: no request
        super().setup()

    def handle(self) -> None:
        if self.refused:
            return
        with contextlib.suppress(OSError):  # a client that hung up
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line never holds secrets, but the test output stays clean."""

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        owner: TokenServer = self.server.token_server  # type: ignore[attr-defined]
        split = urlsplit(self.path)
        if split.path != "/token":
            self._send_json(404, {"errors": [{"code": "NOT_FOUND", "message": "no"}]}, {})
            return
        query = parse_qs(split.query, keep_blank_values=True)
        raw_scopes = [part for value in query.get("scope", []) for part in value.split()]
        service = query.get("service", [None])[0]
        header = self.headers.get("Authorization")
        scheme = header.partition(" ")[0] if header else None
        ok, username = owner._check_credentials(header)
        now = time.time()
        if not ok:
            owner._record(TokenRequest(username, tuple(raw_scopes), service, now, 401, (), scheme))
            error = {"code": "UNAUTHORIZED", "message": "authentication required"}
            challenge = f'Basic realm="{owner.realm}"'
            self._send_json(401, {"errors": [error]}, {"WWW-Authenticate": challenge})
            return
        try:
            scopes = [Scope.parse(text) for text in raw_scopes]
        except ValueError as exc:
            owner._record(TokenRequest(username, tuple(raw_scopes), service, now, 400, (), scheme))
            self._send_json(400, {"errors": [{"code": "INVALID", "message": str(exc)}]}, {})
            return
        token, access = owner.issue(username, scopes)
        owner._record(
            TokenRequest(username, tuple(raw_scopes), service, now, 200, tuple(access), scheme)
        )
        payload = {
            "token": token,
            "access_token": token,
            "expires_in": owner.expires_in,
            "issued_at": _iso(now),
        }
        self._send_json(200, payload, {"Cache-Control": "no-store"})
