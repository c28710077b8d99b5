"""The cache-only driver: runs a read plan on cache entries alone, with no network stack.

Print mode answers warm one-shot commands (and every `--offline` one) with it,
before it would import trio or httpx. A plan that needs the registry stops
with `NeedsNetwork`; the caller then runs it again with `engine.reads.driver`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from engine.cache.store import Cache
from engine.errors import RexError
from engine.reads.plan import Forget, Gather, Lookup, Plan, Store, Walk

__all__ = ["NeedsNetwork", "run_cached"]

T = TypeVar("T")


class NeedsNetwork(Exception):
    """The plan asked for a registry request; `step` is the request."""

    def __init__(self, step: object) -> None:
        super().__init__(f"the answer needs the registry: {step!r}")
        self.step = step


def run_cached(plan: Plan[T], cache: Cache) -> T:
    """Drive `plan` on `cache`; NeedsNetwork at its first registry request."""
    walk = Walk(plan)
    try:
        step = walk.next()
        while step is not None:
            answer: Any = None
            error: RexError | None = None
            match step:
                case Lookup(key):
                    answer = cache.get(key)
                case Store(key, data):
                    cache.put(key, data)
                case Forget(key):
                    cache.delete(key)
                case Gather():
                    answer, error = _gather(step, cache)
                case _:
                    raise NeedsNetwork(step)
            step = walk.next(answer, error)
    finally:
        walk.close()
    return walk.value  # type: ignore[return-value]  # set when the plan returned


def _gather(step: Gather, cache: Cache) -> tuple[list[Any] | None, RexError | None]:
    results: list[Any] = []
    total = len(step.plans)
    for done, sub in enumerate(step.plans, 1):
        try:
            results.append(run_cached(sub, cache))
        except RexError as exc:
            if not isinstance(exc, step.tolerate):
                for rest in step.plans[done:]:
                    rest.close()
                return None, exc
            results.append(exc)
        if step.progress is not None:
            step.progress(done, total)
    return results, None
