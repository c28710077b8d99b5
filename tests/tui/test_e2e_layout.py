"""The layout in a real terminal (tmux) at the sizes users run: names whole, columns in order.

The registry is the standard data set plus repositories with long names (copied
from the seed template into a registry of this module's own, so the other tests'
counts stay as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.testing.registry import RegistryProcess
from tests.support.seed import SeedSet, push_seed, standard_seed, start_seeded
from tests.tui.test_e2e import REX_TUI, Terminal, open_tui  # noqa: F401  (a fixture)

pytestmark = pytest.mark.skipif(not REX_TUI.exists(), reason="rex-tui is not installed")

ROOT = Path(__file__).resolve().parents[2]
LONG = "deep/nested/path.with_dots/app-x"
TWINS = ("team-0/alpine-3.19-minimal-build", "team-0/alpine-3.20-minimal-build")
SIZES = [(80, 24), (100, 30), (120, 40), (160, 45), (220, 60)]
REPOSITORIES = 19 + 1 + len(TWINS)

Start = Callable[..., Terminal]


@pytest.fixture(scope="module")
def long_names(
    tmp_path_factory: pytest.TempPathFactory, seed_template: Path
) -> Iterator[RegistryProcess]:
    """A registry with the standard data set, a 32-character path and two names that
    differ only past their 14th character."""
    seeded = start_seeded(
        "anonymous", tmp_path_factory.mktemp("registry-long"), template=seed_template
    )
    images = standard_seed().images
    extra = SeedSet()
    extra.add(LONG, "latest", images["oci/multi:latest"])
    for name in TWINS:
        extra.add(name, "1.0", images["oci/single:1.0"])
    try:
        push_seed(seeded.process.url, extra)
        yield seeded.process
    finally:
        seeded.process.close()


@pytest.fixture
def start(request: pytest.FixtureRequest, long_names: RegistryProcess) -> Start:
    terminal: Callable[..., Terminal] = request.getfixturevalue("open_tui")

    def run(cols: int, rows: int, layout: str = "auto") -> Terminal:
        return terminal(
            long_names.url,
            cols,
            rows,
            # This tree, not wherever rex-tui was installed from.
            env_extra={"PYTHONPATH": str(ROOT)},
            config_extra=f'[tui]\nlayout = "{layout}"\n\n',
        )

    return run


def pane_lines(screen: str, title: str) -> list[str]:
    """The text of the pane whose title starts with `title`, row by row (side by side or not)."""
    lines = screen.splitlines()
    top = next(i for i, line in enumerate(lines) if f"┌ {title}" in line)
    left = lines[top].index(f"┌ {title}")
    right = lines[top].index("┐", left)
    return [line[left + 1 : right] for line in lines[top + 1 :] if len(line) > right]


@pytest.mark.parametrize(("cols", "rows"), SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
def test_names_status_and_columns_at_each_size(start: Start, cols: int, rows: int) -> None:
    term = start(cols, rows)
    term.wait_for(f"Repositories ({REPOSITORIES})", LONG)
    term.press("G")  # the last rows: two names that share their first 23 characters
    term.wait_for(*TWINS)  # told apart, whole
    term.press("g", "g")
    shown = term.wait_for(LONG)  # whole
    side_by_side = cols >= 120
    assert ("┌ Registries" in shown) == side_by_side
    if side_by_side:  # the registry's status: in words, or as an icon when narrow
        shown = term.wait_for("● local online", "● local ✓", any_of=True)
        local = next(line for line in pane_lines(shown, "Registries") if "● local" in line)
        assert local.split()[-1] in ("online", "✓"), shown
    term.press("l")  # the tags of the first repository: LONG, a three-platform index
    # The multi-arch marker is always there: ×3, or the platforms when there is room.
    shown = term.wait_for("×3", "linux/amd64, linux/arm64/v8", any_of=True)
    tags = pane_lines(shown, "Tags")
    header = next(line for line in tags if "NAME" in line)
    latest = next(line for line in tags if line.startswith("latest"))
    assert "×3" in latest or "linux/amd64, linux/arm64/v8" in latest, shown
    assert "CREATED" in header  # the last column to give way
    if "DIGEST" in header:  # DIGEST gives way first: shown only when all the others are
        assert all(column in header for column in ("SIZE", "PLATFORMS"))
    if not side_by_side:
        term.press("l")  # one pane at a time: on to the details
    shown = term.wait_for("OCI Image Index")
    details = pane_lines(shown, "Details")
    # Values wrap at word boundaries: the type's "(multi-platform)" stays one word.
    assert any("(multi-platform)" in line for line in details), shown
    term.press("q")
    assert term.exit_code() == 0


def test_at_160_columns_the_panes_share_the_width_by_content(start: Start) -> None:
    term = start(160, 45)
    shown = term.wait_for(f"Repositories ({REPOSITORIES})", LONG, "● local online")
    registries = pane_lines(shown, "Registries")
    # The registries pane is as wide as its widest row and header, no wider.
    assert max(len(line.rstrip()) for line in registries) == len(registries[0])
    term.press("l")
    shown = term.wait_for("×3", "linux/amd64, linux/arm64/v8", any_of=True)
    tags = pane_lines(shown, "Tags")
    # DIGEST gives way before SIZE and CREATED; at 160 columns one of them has to.
    assert "SIZE" in tags[0] and "CREATED" in tags[0] and "DIGEST" not in tags[0], shown
    term.press("q")
    assert term.exit_code() == 0


def test_zoom_shows_the_focused_pane_alone(start: Start) -> None:
    term = start(160, 45)
    term.wait_for(f"Repositories ({REPOSITORIES})", "┌ Registries", "● local online")
    term.press("z")
    shown = term.settled()
    top = shown.splitlines()[0]
    assert top.startswith("┌ Repositories") and top.count("┐") == 1, shown  # alone
    assert "┌ Registries" not in shown and "┌ Tags" not in shown and LONG in shown
    term.press("z")
    term.wait_for("┌ Registries", "┌ Tags")
    term.press("q")
    assert term.exit_code() == 0


def test_the_layout_setting_is_honoured(start: Start) -> None:
    stacked = start(220, 60, layout="stacked")
    shown = stacked.wait_for(f"Repositories ({REPOSITORIES})", LONG)
    assert "┌ Registries" not in shown and "┌ Tags" not in shown
    stacked.press("q")
    assert stacked.exit_code() == 0


def test_columns_layout_on_a_narrow_terminal_cuts_names_in_the_middle(start: Start) -> None:
    term = start(80, 24, layout="columns")
    shown = term.wait_for(f"Repositories ({REPOSITORIES}")
    assert all(f"┌ {title}" in shown for title in ("Registries", "Repo", "Tags", "Details"))
    names = [line.split()[0] for line in pane_lines(shown, "Repo")[1:] if line.strip()]
    # A cut name keeps its last path segment: deep/…/app-x, never deep/nested/pa…
    assert names[0].endswith("…/app-x") and names[0].startswith("deep/"), shown
    assert not any(name.endswith("…") for name in names), shown
    term.press("q")
    assert term.exit_code() == 0
