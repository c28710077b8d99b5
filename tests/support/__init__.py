"""Test-only infrastructure: the seeded data set, a token server, a fault proxy, log capture.

The images, the pusher and the registry process live in `engine.testing` (scripts and
benchmarks use them too). Like them, this package is independent of the rest of `engine`:
it is the reference the engine is checked against, so it speaks the protocol with plain
httpx and the standard library.
"""
