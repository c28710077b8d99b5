"""Talking to a registry: the HTTP client (overall deadlines, retries with backoff and
Retry-After, TLS per host, proxies, redaction), capped bodies, the auth flow and its token
cache, credentials (docker config.json, helpers, podman, keyring), and the Distribution API
client built on them.

Never imports `engine.cache`: what to keep is the caller's decision.
"""
