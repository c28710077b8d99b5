"""Test infrastructure: real registries, deterministic images, a token server, a fault proxy.

Independent of the `engine` package on purpose: it is the reference the engine is checked
against, so it speaks the protocol with plain httpx and the standard library.
"""
