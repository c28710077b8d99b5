"""`Frozen`: equality, hashing and repr for the engine's frozen dataclasses, written once.

`@dataclass(eq=True, repr=True)` compiles an `__eq__`, a `__hash__` and a
`__repr__` for every class with `exec` when its module is imported: about half
of what a frozen, slotted dataclass costs to define, and with ~40 of them that
is over 10 ms of every `rex` start-up (a warm `rex image NAME:TAG` runs in well
under 100 ms). Value classes that are not hashed on hot paths are declared as

    @dataclass(frozen=True, slots=True, eq=False, repr=False)
    class ImageInfo(Frozen): ...

and behave as the generated methods would: equal when of the same class with
equal compared fields, hashed over the fields `field(hash=...)` selects, and
shown as `ImageInfo(reference='...', ...)`. Keys hashed in loops (`CacheKey`,
`Reference`, `Digest`) keep the generated, faster methods.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

__all__ = ["Frozen"]

_Names = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_names_of: dict[type, _Names] = {}


def _names(cls: type) -> _Names:
    """(compared, hashed, shown) field names of a dataclass, worked out once per class."""
    names = _names_of.get(cls)
    if names is None:
        every = fields(cls)
        compared = tuple(f.name for f in every if f.compare)
        hashed = tuple(f.name for f in every if (f.compare if f.hash is None else f.hash))
        shown = tuple(f.name for f in every if f.repr)
        names = _names_of[cls] = (compared, hashed, shown)
    return names


class Frozen:
    """Base of frozen dataclasses declared with `eq=False, repr=False` (see the module)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        compared = _names(self.__class__)[0]
        # Tuples, as the generated method compares: `is` before `==` for each field.
        mine = tuple(getattr(self, n) for n in compared)
        return mine == tuple(getattr(other, n) for n in compared)

    def __hash__(self) -> int:
        hashed = _names(self.__class__)[1]
        return hash(tuple(getattr(self, n) for n in hashed))

    def __repr__(self) -> str:
        shown = _names(self.__class__)[2]
        values: list[Any] = [getattr(self, n) for n in shown]
        inner = ", ".join(f"{n}={v!r}" for n, v in zip(shown, values, strict=True))
        return f"{self.__class__.__qualname__}({inner})"
