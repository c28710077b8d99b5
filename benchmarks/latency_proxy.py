"""A TCP proxy on 127.0.0.1 that adds network latency, for benchmarks.

Loopback has no latency, so on it every client is bound by CPU; real
registries sit tens of milliseconds away. This proxy delays every chunk by
half the round-trip time in each direction, preserving order and without
serialising the delays (like netem, which this machine's kernel lacks).

    python benchmarks/latency_proxy.py --upstream 127.0.0.1:5000 --rtt-ms 20

prints `listening on 127.0.0.1:PORT` once ready and runs until killed.
"""

from __future__ import annotations

import argparse
import contextlib
import math

import trio


async def _pump(source: trio.SocketStream, sink: trio.SocketStream, delay: float) -> None:
    """Forward bytes, each chunk delivered `delay` seconds after it arrived."""
    send, receive = trio.open_memory_channel[tuple[float, bytes]](math.inf)

    async def deliver() -> None:
        async with receive:
            async for due, chunk in receive:
                await trio.sleep_until(due)
                await sink.send_all(chunk)
        await sink.send_eof()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(deliver)
        async with send:
            while chunk := await source.receive_some(65536):
                await send.send((trio.current_time() + delay, chunk))


async def _handle(client: trio.SocketStream, host: str, port: int, delay: float) -> None:
    try:
        upstream = await trio.open_tcp_stream(host, port)
    except OSError:
        await client.aclose()
        return
    async with client, upstream:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_pump, client, upstream, delay)
                nursery.start_soon(_pump, upstream, client, delay)
        except (trio.BrokenResourceError, trio.ClosedResourceError, OSError):
            pass


async def serve(upstream: str, rtt_ms: float, port: int) -> None:
    host, _, upstream_port = upstream.rpartition(":")
    delay = rtt_ms / 2000.0
    listeners = await trio.open_tcp_listeners(port, host="127.0.0.1")
    print(f"listening on 127.0.0.1:{listeners[0].socket.getsockname()[1]}", flush=True)

    async def handler(stream: trio.SocketStream) -> None:
        await _handle(stream, host, int(upstream_port), delay)

    await trio.serve_listeners(handler, listeners)


def main() -> None:
    parser = argparse.ArgumentParser(description="TCP proxy that adds latency")
    parser.add_argument("--upstream", required=True, help="host:port to forward to")
    parser.add_argument("--rtt-ms", type=float, default=20.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        trio.run(serve, args.upstream, args.rtt_ms, args.port)


if __name__ == "__main__":
    main()
