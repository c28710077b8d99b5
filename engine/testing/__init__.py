"""Helpers for testing against real registries (like `trio.testing`): deterministic OCI
images and indexes (`images`), a push client (`pusher`), a CNCF Distribution registry
process on loopback (`registry`) and a self-signed certificate writer (`tlscert`).

The tests, scripts/demo.py and the benchmarks share them. They speak the protocol with
plain httpx and the standard library and import nothing else from `engine`: they are the
reference the engine is checked against. Nothing else in `engine` imports them.
"""
