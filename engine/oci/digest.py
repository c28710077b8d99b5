"""Content digests (`algorithm:hex`): parsing, computing and streaming verification."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from engine.errors import ContentError, ValidationError, shown

__all__ = ["ALGORITHMS", "Digest", "DigestVerifier", "compute"]

ALGORITHMS: dict[str, int] = {"sha256": 64, "sha512": 128}
"""Supported algorithms and the length of their hex encoding."""

_HEX = re.compile(r"[0-9a-f]+", re.ASCII)
_FORM_HINT = "A digest looks like 'sha256:' followed by 64 lowercase hex digits."


@dataclass(frozen=True, slots=True)
class Digest:
    """A validated content digest such as `sha256:e3b0c442…`."""

    algorithm: str
    hex: str

    def __post_init__(self) -> None:
        # Validating here, not only in parse(), means no Digest can hold a value
        # that a registry would reject or that compute() could never produce.
        expected = ALGORITHMS.get(self.algorithm) if isinstance(self.algorithm, str) else None
        if expected is None:
            raise _unsupported(self.algorithm)
        encoded = self.hex
        if not isinstance(encoded, str) or not _HEX.fullmatch(encoded):
            quoted = shown(str(encoded))
            if isinstance(encoded, str) and _HEX.fullmatch(encoded.lower()):
                problem = f"{self.algorithm} digest hex must be lowercase, got {quoted}"
            else:
                problem = f"invalid {self.algorithm} digest hex {quoted}: not hexadecimal"
            raise ValidationError(problem, hint=_FORM_HINT)
        if len(encoded) != expected:
            raise ValidationError(
                f"invalid {self.algorithm} digest {shown(encoded)}: "
                f"{len(encoded)} hex digits, expected {expected}",
                hint=_FORM_HINT,
            )

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse `algorithm:hex`, raising ValidationError naming what is wrong."""
        if not isinstance(text, str):
            raise ValidationError(f"a digest must be text, got {type(text).__name__}")
        algorithm, colon, encoded = text.partition(":")
        if not colon or not algorithm or not encoded:
            raise ValidationError(
                f"invalid digest {shown(text)}: expected 'algorithm:hex'", hint=_FORM_HINT
            )
        return cls(algorithm, encoded)

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    def short(self, n: int = 12) -> str:
        """The digest with its hex cut to `n` digits, for display only."""
        return f"{self.algorithm}:{self.hex[: max(n, 0)]}"


def _unsupported(algorithm: object) -> ValidationError:
    return ValidationError(
        f"unsupported digest algorithm {shown(str(algorithm))}: "
        f"expected one of {', '.join(ALGORITHMS)}",
        hint=_FORM_HINT,
    )


def _hasher(algorithm: str) -> hashlib._Hash:
    if algorithm not in ALGORITHMS:
        raise _unsupported(algorithm)
    return hashlib.new(algorithm)


def compute(data: bytes, algorithm: str = "sha256") -> Digest:
    """The digest of `data`."""
    hasher = _hasher(algorithm)
    hasher.update(data)
    return Digest(algorithm, hasher.hexdigest())


class DigestVerifier:
    """Hashes a stream chunk by chunk and checks it against an expected digest."""

    __slots__ = ("_hasher", "_size", "expected")

    def __init__(self, expected: Digest | str) -> None:
        self.expected = expected if isinstance(expected, Digest) else Digest.parse(expected)
        self._hasher = _hasher(self.expected.algorithm)
        self._size = 0

    def update(self, chunk: bytes) -> None:
        """Feed the next chunk of the content."""
        self._hasher.update(chunk)
        self._size += len(chunk)

    @property
    def size(self) -> int:
        """Bytes fed so far."""
        return self._size

    def actual(self) -> Digest:
        """The digest of everything fed so far; more chunks may follow."""
        # copy() so asking mid-stream does not finalise the running hash.
        return Digest(self.expected.algorithm, self._hasher.copy().hexdigest())

    def verify(self, *, what: str = "content") -> None:
        """Raise ContentError when what was fed does not match the expected digest."""
        actual = self.actual()
        if actual != self.expected:
            raise ContentError(
                f"digest mismatch for {what}: expected {self.expected}, got {actual}",
                hint="The download was corrupted or the registry served other content; "
                "try again, and report it to the registry's admin if it persists.",
            )
