"""What the registry serves, as data: references (docker.io rules, `docker://`), digests,
media types, manifest/index/config models, and the answer models built from them.

No I/O and no network stack: cached answers are read with these alone.
"""
