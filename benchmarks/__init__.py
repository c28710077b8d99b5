"""Benchmarks: scripts that print figures (run them directly, not under pytest)."""
