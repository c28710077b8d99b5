"""Streamed, digest-verified pull and copy: OCI image layouts, docker archives, registries.

`pull` writes an image (one platform, or every platform of an index) to an OCI image
layout or a docker archive; `copy` moves it between registries, or between a registry
and a layout (`oci:DIR[:NAME]`). Blobs stream through in bounded memory, are verified
by digest, and are skipped when the destination has them; progress goes to a
`TransferWatcher`, and cancelling the calling trio scope stops the transfer.
"""

from engine.transfer.result import LAYOUTS, TransferResult
from engine.transfer.watch import Outcome, TransferWatcher, quiet

__all__ = ["LAYOUTS", "Outcome", "TransferResult", "TransferWatcher", "quiet"]
