"""An HTTP/1.1 proxy in front of a test registry that misbehaves on request.

Keep-alive: client connections are kept alive (every response carries an exact
Content-Length), and each client connection has its own upstream connection. Faults
that break the stream (`reset`, `truncate`) close that client connection; everything
else leaves it usable.

Faults are matched in the order they were added: `method` (None: any) and a `path`
regular expression searched in the path (no query; `query=` searches the raw query).
A fault lets its first `skip` matches through, then fires `times` times (None: forever),
then passes requests through again. One request fires at most one fault.

`add_headers` sets headers on every answer from then on (upstream's or a fault's, whatever
fault fires), as a registry that states its rate limit on each answer does.

Hostile answers: `endless` streams a chunked body that never ends, `drip` sends upstream's
body a byte at a time, `set_headers` injects headers (a wrong Docker-Content-Digest, a Link),
`redirect` sends the request to another origin, and `endless_pages` answers a listing whose
next page never runs out. `Fault.sent` counts the body bytes a client took before hanging up.

`page_tags(n)` makes the proxy answer `GET /v2/<name>/tags/list` itself, sorted and paged
with `n`/`last` and a `Link: <...>; rel="next"` header, as Distribution 3 and zot do
(Distribution 2.8 ignores `n`/`last` on tags).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_REWRITTEN = frozenset({"location", "link", "www-authenticate"})
_TAGS_PATH = re.compile(r"^/v2/(?P<name>.+)/tags/list$")
_ERROR_CODES = {
    400: "UNSUPPORTED",
    401: "UNAUTHORIZED",
    403: "DENIED",
    404: "NAME_UNKNOWN",
    429: "TOOMANYREQUESTS",
    503: "UNAVAILABLE",
}


def registry_error(
    status: int, message: str = "injected by FaultProxy", code: str | None = None
) -> bytes:
    """A registry-style JSON error body: {"errors": [{"code", "message", "detail"}]}."""
    code = code or _ERROR_CODES.get(status, "UNKNOWN")
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


@dataclass
class Fault:
    """One programmed misbehaviour; `fired` counts how often it has fired so far."""

    kind: str
    method: str | None
    path: re.Pattern[str]
    query: re.Pattern[str] | None = None
    times: int | None = 1
    skip: int = 0
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    keep_bytes: int = 0
    seconds: float = 0.0
    offset: int | None = None
    location: str = ""
    key: str = ""
    seen: int = 0
    fired: int = 0
    sent: int = 0
    """Body bytes offered for this fault (endless, drip) until the client hung up: what
    was written plus the one write that failed."""
    released: threading.Event = field(default_factory=threading.Event)
    """A delay ends early once this is set (`release()`), or when the proxy stops."""

    def release(self) -> None:
        """Let a held (delayed) request go on now: a test's condition, not a timer."""
        self.released.set()

    def matches(self, method: str, path: str, query: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        if not self.path.search(path):
            return False
        return self.query is None or bool(self.query.search(query))

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times


@dataclass(frozen=True)
class ProxiedRequest:
    """One request the proxy received, and what the client got back."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body_size: int
    time: float
    status: int | None
    fault: str | None
    #: The client's source port: equal ports mean one kept-alive connection.
    client_port: int = 0

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")

    @property
    def has_auth(self) -> bool:
        return self.authorization is not None

    @property
    def params(self) -> dict[str, list[str]]:
        return parse_qs(self.query, keep_blank_values=True)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class _Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    head: bool = False

    def set_header(self, name: str, value: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))

    def get_header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy

    def shutdown_request(self, request: Any) -> None:
        # A reset connection must not get the FIN that shutdown(SHUT_WR) would send first.
        if self.proxy._take_reset(request):
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients that hang up mid-response are what this proxy is for."""


class FaultProxy:
    """Forward to `upstream_url`, firing programmed faults; see the module docstring."""

    def __init__(
        self,
        upstream_url: str,
        *,
        rewrites: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        split = urlsplit(upstream_url)
        if split.scheme != "http" or split.hostname is None:
            raise ValueError("FaultProxy forwards to plain http:// upstreams only")
        self.upstream_url = f"http://{split.netloc}"
        self.upstream_host = split.hostname
        self.upstream_port = split.port or 80
        self.upstream_netloc = split.netloc
        self.extra_rewrites = dict(rewrites or {})
        self.timeout = timeout
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._requests: list[ProxiedRequest] = []
        self._page_size: int | None = None
        self._added: list[tuple[re.Pattern[str], dict[str, str]]] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._resets: set[socket.socket] = set()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FaultProxy:
        server = _Server(("127.0.0.1", 0), _ProxyHandler)
        server.proxy = self
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        for fault in self.faults:
            fault.release()
        server.shutdown()
        with self._lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for _, thread in connections:
            thread.join(timeout=5)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("proxy is not running")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    # -- programming faults ------------------------------------------------------------

    def _add(
        self,
        kind: str,
        method: str | None,
        path: str,
        query: str | None,
        times: int | None,
        skip: int,
        **values: Any,
    ) -> Fault:
        fault = Fault(
            kind,
            method.upper() if method else None,
            re.compile(path),
            re.compile(query) if query is not None else None,
            times,
            skip,
            **values,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def status(
        self,
        code: int,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Answer `code` without asking upstream (body default: a registry JSON error)."""
        return self._add(
            "status",
            method,
            path,
            query,
            times,
            skip,
            status=code,
            headers=dict(headers or {}),
            body=body,
        )

    def reset(
        self,
        *,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Read the request, then close with a TCP RST (SO_LINGER 0) and no response."""
        return self._add("reset", method, path, query, times, skip)

    def truncate(
        self,
        keep_bytes: int,
        *,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Send upstream's headers (full Content-Length) and `keep_bytes` of body, then close."""
        return self._add("truncate", method, path, query, times, skip, keep_bytes=keep_bytes)

    def delay(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Wait `seconds` (real time) before forwarding normally."""
        return self._add("delay", method, path, query, times, skip, seconds=seconds)

    def corrupt(
        self,
        *,
        offset: int | None = None,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Flip every bit of one body byte (default: the middle one); same length."""
        return self._add("corrupt", method, path, query, times, skip, offset=offset)

    def replace_body(
        self,
        body: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Forward, but send `body` instead (Content-Length fixed, other headers kept)."""
        return self._add(
            "replace_body",
            method,
            path,
            query,
            times,
            skip,
            body=body,
            headers=dict(headers or {}),
        )

    def endless(
        self,
        *,
        prefix: bytes = b"",
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Answer `status` with a chunked body, `prefix` then spaces, until the client leaves."""
        return self._add(
            "endless",
            method,
            path,
            query,
            times,
            skip,
            status=status,
            headers=dict(headers or {}),
            body=prefix,
        )

    def drip(
        self,
        seconds: float,
        *,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Forward, then send the body one byte every `seconds` (real time)."""
        return self._add("drip", method, path, query, times, skip, seconds=seconds)

    def set_headers(
        self,
        headers: Mapping[str, str],
        *,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Forward, and set `headers` on the answer (replacing upstream's of the same name)."""
        return self._add("headers", method, path, query, times, skip, headers=dict(headers))

    def redirect(
        self,
        location: str,
        *,
        status: int = 307,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = 1,
        skip: int = 0,
    ) -> Fault:
        """Answer `status` with `Location: <location><path>?<query>`: another origin, say."""
        return self._add(
            "redirect", method, path, query, times, skip, status=status, location=location
        )

    def endless_pages(
        self,
        key: str,
        *,
        page_size: int = 100,
        method: str | None = None,
        path: str = "",
        query: str | None = None,
        times: int | None = None,
        skip: int = 0,
    ) -> Fault:
        """Answer `{key: [new names]}` with a Link to yet another page, for ever."""
        return self._add(
            "endless_pages", method, path, query, times, skip, key=key, keep_bytes=page_size
        )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def add_headers(self, headers: Mapping[str, str], *, path: str = "") -> None:
        """Set `headers` on every answer whose path matches `path` (a regex searched), from
        now until `clear_added_headers`; a later call wins for a header both set."""
        with self._lock:
            self._added.append((re.compile(path), dict(headers)))

    def clear_added_headers(self) -> None:
        with self._lock:
            self._added.clear()

    def _headers_for(self, path: str) -> list[tuple[str, str]]:
        with self._lock:
            return [
                (k, v) for rx, added in self._added if rx.search(path) for k, v in added.items()
            ]

    def page_tags(self, page_size: int | None) -> None:
        """Serve tag lists sorted and paged by `page_size` (None: pass through again)."""
        if page_size is not None and page_size < 1:
            raise ValueError("page_size must be >= 1")
        self._page_size = page_size

    # -- the log -----------------------------------------------------------------------

    @property
    def requests(self) -> list[ProxiedRequest]:
        """A snapshot of every request so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- used by the handler -----------------------------------------------------------

    def _pick(self, method: str, path: str, query: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path, query):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                fault.fired += 1
                return fault
        return None

    def _record(self, request: ProxiedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _register(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections[sock] = threading.current_thread()

    def _unregister(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.pop(sock, None)

    def _mark_reset(self, sock: socket.socket) -> None:
        with self._lock:
            self._resets.add(sock)

    def _take_reset(self, sock: socket.socket) -> bool:
        with self._lock:
            if sock in self._resets:
                self._resets.discard(sock)
                return True
            return False

    def rewrite(self, value: str) -> str:
        """Point URLs at the upstream (and any extra rewrites) back at the proxy."""
        value = value.replace(self.upstream_url, self.url)
        for old, new in self.extra_rewrites.items():
            value = value.replace(old, new)
        return value


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rex-fault-proxy"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.upstream: http.client.HTTPConnection | None = None
        self.server.proxy._register(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            if self.upstream is not None:
                self.upstream.close()
            self.server.proxy._unregister(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent; `FaultProxy.requests` is the log."""

    # -- reading the request -----------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    # -- talking to upstream -----------------------------------------------------------

    def _forward(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> _Response:
        proxy = self.server.proxy
        for attempt in (1, 2):
            reused = self.upstream is not None
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection(
                    proxy.upstream_host, proxy.upstream_port, timeout=proxy.timeout
                )
            try:
                self.upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                self.upstream.putheader("Host", proxy.upstream_netloc)
                for name, value in headers:
                    self.upstream.putheader(name, value)
                if body or method in ("POST", "PUT", "PATCH"):
                    self.upstream.putheader("Content-Length", str(len(body)))
                self.upstream.endheaders(body or None)
                response = self.upstream.getresponse()
                data = response.read()
            except (ConnectionError, http.client.HTTPException, TimeoutError, OSError):
                self.upstream.close()
                self.upstream = None
                if reused and attempt == 1:
                    continue
                return _Response(502, "Bad Gateway", [], registry_error(502, "upstream failed"))
            out = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            if response.will_close:
                self.upstream.close()
                self.upstream = None
            return _Response(response.status, response.reason, out, data, head=method == "HEAD")
        raise AssertionError("unreachable")

    def _paged_tags(
        self, method: str, name: str, query: str, headers: list[tuple[str, str]]
    ) -> _Response:
        page_size = self.server.proxy._page_size
        assert page_size is not None
        upstream = self._forward("GET", f"/v2/{name}/tags/list", headers, b"")
        if upstream.status != 200:
            return upstream
        tags = sorted(json.loads(upstream.body).get("tags") or [])
        params = parse_qs(query)
        last = params.get("last", [""])[0]
        n = page_size
        if "n" in params:
            try:
                n = min(int(params["n"][0]), page_size)
            except ValueError:
                error = registry_error(400, "n must be an integer", "PAGINATION_NUMBER_INVALID")
                return _Response(400, "Bad Request", [], error, head=method == "HEAD")
        remaining = [t for t in tags if t > last] if last else tags
        page = remaining[:n]
        body = json.dumps({"name": name, "tags": page}).encode()
        response = _Response(200, "OK", upstream.headers, body, head=method == "HEAD")
        response.set_header("Content-Type", "application/json; charset=utf-8")
        if page and len(remaining) > len(page):
            link = f'</v2/{name}/tags/list?n={n}&last={page[-1]}>; rel="next"'
            response.set_header("Link", link)
        return response

    # -- one request -------------------------------------------------------------------

    def _handle(self) -> None:
        proxy = self.server.proxy
        method = self.command
        split = urlsplit(self.path)
        path, query = split.path, split.query
        received = time.time()
        body = self._read_body()
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        headers = [(k, v) for k, v in headers if k.lower() not in ("host", "content-length")]
        fault = proxy._pick(method, path, query)

        def record(status: int | None) -> None:
            proxy._record(
                ProxiedRequest(
                    method,
                    path,
                    query,
                    tuple(self.headers.items()),
                    len(body),
                    received,
                    status,
                    fault.kind if fault else None,
                    int(self.client_address[1]),
                )
            )

        if fault is not None and fault.kind == "reset":
            record(None)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            proxy._mark_reset(self.connection)
            self.close_connection = True
            return
        if fault is not None and fault.kind == "status":
            error = fault.body if fault.body is not None else registry_error(fault.status)
            response = _Response(fault.status, "", [], error, head=method == "HEAD")
            if fault.body is None:
                response.set_header("Content-Type", "application/json; charset=utf-8")
            for name, value in fault.headers.items():
                response.set_header(name, value)
            record(fault.status)
            self._send(response)
            return
        if fault is not None and fault.kind in ("endless", "redirect", "endless_pages"):
            record(fault.status or 200)
            self._hostile(fault, path, query)
            return
        if fault is not None and fault.kind == "delay":
            fault.released.wait(fault.seconds)
            if proxy._stopping.is_set():
                self.close_connection = True
                return

        target = self.path if not split.scheme else split.path + (f"?{query}" if query else "")
        tags = _TAGS_PATH.match(path)
        if proxy._page_size is not None and tags and method in ("GET", "HEAD"):
            response = self._paged_tags(method, tags.group("name"), query, headers)
        else:
            response = self._forward(method, target, headers, body)
        response.headers = [
            (k, proxy.rewrite(v) if k.lower() in _REWRITTEN else v) for k, v in response.headers
        ]

        if fault is not None and fault.kind == "corrupt" and response.body:
            data = bytearray(response.body)
            offset = len(data) // 2 if fault.offset is None else fault.offset
            data[offset] ^= 0xFF
            response.body = bytes(data)
        elif fault is not None and fault.kind == "replace_body":
            assert fault.body is not None
            if response.head:
                response.set_header("Content-Length", str(len(fault.body)))
            response.body = fault.body
            for name, value in fault.headers.items():
                response.set_header(name, value)
        elif fault is not None and fault.kind == "headers":
            for name, value in fault.headers.items():
                response.set_header(name, value)
        record(response.status)
        if fault is not None and fault.kind == "drip":
            self._drip(response, fault)
            return
        if fault is not None and fault.kind == "truncate":
            self._send(response, keep=fault.keep_bytes)
            self.close_connection = True
            return
        self._send(response)

    def _send(self, response: _Response, keep: int | None = None) -> None:
        """Write the response with an exact Content-Length (HEAD keeps upstream's)."""
        for name, value in self.server.proxy._headers_for(urlsplit(self.path).path):
            response.set_header(name, value)
        self.send_response_only(response.status, response.reason or None)
        length = response.get_header("Content-Length") if response.head else None
        for name, value in response.headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", length or str(len(response.body)))
        self.end_headers()
        if not response.head:
            self.wfile.write(response.body if keep is None else response.body[:keep])
        self.wfile.flush()

    # -- hostile answers ----------------------------------------------------------------

    def _hostile(self, fault: Fault, path: str, query: str) -> None:
        if fault.kind == "redirect":
            target = fault.location + path + (f"?{query}" if query else "")
            self._send(_Response(fault.status, "", [("Location", target)], b""))
        elif fault.kind == "endless_pages":
            self._send(_endless_page(fault, path, query))
        else:
            self._endless(fault)

    def _endless(self, fault: Fault) -> None:
        """A chunked body that ends only when the client hangs up or the proxy stops."""
        self.close_connection = True
        self.send_response_only(fault.status or 200)
        for name, value in fault.headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        filler = b" " * 65536
        data = fault.body or filler
        try:
            while not self.server.proxy._stopping.is_set():
                # Counted before the write: the client may read it and hang up before
                # the write returns, and a test then reads `sent`.
                fault.sent += len(data)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
                data = filler
        except OSError:
            return  # the client hung up: what this fault waits for

    def _drip(self, response: _Response, fault: Fault) -> None:
        """Upstream's answer with its Content-Length, its body a byte per `fault.seconds`."""
        self.close_connection = True
        self.send_response_only(response.status, response.reason or None)
        for name, value in response.headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        try:
            self.wfile.flush()
            for byte in response.body:
                if self.server.proxy._stopping.wait(fault.seconds):
                    return
                fault.sent += 1
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except OSError:
            return


def _endless_page(fault: Fault, path: str, query: str) -> _Response:
    """A page of names after `last` (`name-000000042` style) and a Link to the next one."""
    last = parse_qs(query).get("last", ["name-000000000"])[0]
    start = int(last.rsplit("-", 1)[-1]) if last.rsplit("-", 1)[-1].isdigit() else 0
    names = [f"name-{start + i:09d}" for i in range(1, fault.keep_bytes + 1)]
    body = json.dumps({fault.key: names}).encode()
    link = f'<{path}?n={fault.keep_bytes}&last={names[-1]}>; rel="next"'
    headers = [("Content-Type", "application/json"), ("Link", link)]
    return _Response(200, "OK", headers, body)
