"""`Frozen` behaves as the methods `@dataclass(frozen=True)` would generate."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from engine.config.model import Config
from engine.frozen import Frozen
from engine.oci import manifests as oci
from engine.transport.credentials import Credentials


@dataclass(frozen=True, slots=True)
class Generated:
    name: str
    size: int = 0
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)
    tags: tuple[str, ...] = field(default=(), hash=False)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Written(Frozen):
    name: str
    size: int = 0
    note: str = field(default="", compare=False)
    secret: str = field(default="", repr=False)
    tags: tuple[str, ...] = field(default=(), hash=False)


VALUES = [
    ("a", 1, "x", "s", ("t",)),
    ("a", 1, "y", "s", ("t",)),
    ("a", 1, "x", "s", ("u",)),
    ("a", 2, "x", "s", ("t",)),
    ("b", 1, "x", "other", ()),
]


@pytest.mark.parametrize("left", VALUES)
@pytest.mark.parametrize("right", VALUES)
def test_equality_and_hash_match_the_generated_methods(
    left: tuple[str, int, str, str, tuple[str, ...]],
    right: tuple[str, int, str, str, tuple[str, ...]],
) -> None:
    assert (Written(*left) == Written(*right)) == (Generated(*left) == Generated(*right))
    assert hash(Written(*left)) == hash(Generated(*left))


def test_repr_matches_the_generated_method() -> None:
    written = repr(Written("a", 1, "n", "hidden", ("t",)))
    generated = repr(Generated("a", 1, "n", "hidden", ("t",)))
    assert written == generated.replace("Generated", "Written")
    assert "hidden" not in written


def test_other_classes_are_not_equal() -> None:
    assert Written("a") != Generated("a")
    assert Written("a") != ("a", 0, "", "", ())


def test_still_a_frozen_slotted_dataclass() -> None:
    item = Written("a")
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.name = "b"  # type: ignore[misc]
    assert not hasattr(item, "__dict__")
    assert dataclasses.replace(item, size=3) == Written("a", 3)
    assert [f.name for f in dataclasses.fields(item)] == ["name", "size", "note", "secret", "tags"]
    assert pickle.loads(pickle.dumps(item)) == item


def test_engine_values_compare_hash_and_show_as_before() -> None:
    assert Config() == Config() and hash(Config()) == hash(Config())
    assert oci.Platform.parse("linux/arm64/v8") == oci.Platform("linux", "arm64", "v8")
    assert repr(oci.Platform("linux", "amd64")) == (
        "Platform(os='linux', architecture='amd64', variant=None, os_version=None, os_features=())"
    )
    assert "hunter2" not in repr(Credentials("me", "hunter2"))
