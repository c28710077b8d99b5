"""The answer cache: L1 memory over L2 disk JSON, with keys and TTLs per kind, the on-disk
entry format and its verification, pruning, and the stats/clear/prune reports.

Import-cheap (no httpx, no trio): print mode answers from it directly.
"""
