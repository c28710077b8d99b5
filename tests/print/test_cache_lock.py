"""`rex` with another process holding the cache lock: answers come, writes wait their turn.

Issue 12 section 3. What the held lock costs in time is measured by benchmarks/lock.py,
not here.
"""

from __future__ import annotations

from engine.testing.lockholder import LockHolder
from tests.print.harness import Rex
from tests.support.seed import SeededRegistry


def test_image_answers_with_the_cache_lock_held_elsewhere(
    rex: Rex, registry: SeededRegistry
) -> None:
    digest = registry.digest("oci/multi:latest")
    with LockHolder(rex.cache):
        cold = rex("-r", registry.url, "-f", "json", "image", "oci/multi:latest")
        assert cold.returncode == 0, str(cold)
        assert cold.json()["digest"] == digest
        assert cold.stderr == ""  # a busy lock is not the user's problem: no warning
        # Nothing reached the disk, so this one asks the registry again, and answers.
        again = rex("-r", registry.url, "-f", "json", "image", "oci/multi:latest")
        assert again.returncode == 0 and again.json()["digest"] == digest
    warm = rex("-r", registry.url, "-f", "json", "image", "oci/multi:latest")
    assert warm.returncode == 0 and warm.json()["digest"] == digest
    listed = rex("-r", registry.url, "-q", "image", "oci/single")
    assert listed.returncode == 0 and "1.0" in listed.stdout.split()
    assert any(rex.cache.rglob("tags.json"))  # with the lock free, writes land again


def test_cache_clear_with_the_lock_held_elsewhere_exits_7(
    rex: Rex, registry: SeededRegistry
) -> None:
    assert rex("-r", registry.url, "image", "oci/single:1.0").returncode == 0
    with LockHolder(rex.cache):
        result = rex("-r", registry.url, "registry", "cache", "clear", "--all", "-f")
        assert result.returncode == 7, str(result)
        assert "another process held" in result.stderr
        pruned = rex("-r", registry.url, "registry", "cache", "prune", "--all")
        assert pruned.returncode == 7, str(pruned)
    assert rex("-r", registry.url, "registry", "cache", "clear", "--all", "-f").returncode == 0
