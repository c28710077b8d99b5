"""Storage accounting: what each repository, namespace and registry stores, shared blobs once.

`accounting` holds the definitions (pure functions over hand-buildable scans);
`records` turns a repository's scan into cache data and back; `crawl` walks a
registry (catalog -> tags -> manifests -> blob descriptors) to produce the scans.
"""
