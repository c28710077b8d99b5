"""Answers built from registry reads: reference -> manifest -> index -> platform -> config,
image summaries, tag and repository rows, the cache-only reads of print mode, and the
background refresher the TUI uses.
"""
