"""Keymaps as data: the built-in files, validation with file and line, lookup, sequences."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rex_tui.actions import ACTIONS, CONTEXTS, GLOBAL, TEXT_ENTRY_CONTEXTS, Action
from rex_tui.keymap import (
    Binding,
    KeyDispatcher,
    Keymap,
    KeyNameError,
    Outcome,
    Resolution,
    builtin_keymap_names,
    format_keys,
    load_keymap,
    parse_key,
)

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ("vim", "default")

# Actions a built-in keymap may leave unbound, each with the reason. None for now:
# every action has a key in both.
UNBOUND_OK: dict[str, str] = {}


def builtin(name: str) -> Keymap:
    result = load_keymap(name)
    assert result.errors == []
    return result.keymap


# --- the actions registry ---------------------------------------------------------


def test_actions_are_well_formed() -> None:
    assert set(CONTEXTS) == {
        "global",
        "registries",
        "repositories",
        "tags",
        "details",
        "filter",
        "command",
        "help",
        "files",
        "dialog",
        "log",
    }
    for name, action in ACTIONS.items():
        assert isinstance(action, Action)
        assert action.name == name and name.isidentifier()
        assert action.contexts and action.contexts <= set(CONTEXTS), name
        assert action.help and "\n" not in action.help, name
    with pytest.raises(AttributeError):
        action.name = "other"  # type: ignore[misc]


# The actions the issue asked for, as it wrote them.
ASKED = """
quit help back open focus_next focus_prev focus_left focus_right move_up move_down page_up
page_down half_page_up half_page_down top bottom filter filter_next filter_prev filter_clear
filter_accept command_line command_complete command_submit history_prev history_next refresh
hard_refresh copy_reference toggle_theme toggle_log login add_registry sort_cycle next_section
prev_section toggle_raw confirm cancel sort_reverse toggle_referrer_tags
"""


def test_the_requested_actions_exist() -> None:
    asked = set(ASKED.split())
    assert asked <= set(ACTIONS)
    extra = {"copy_digest", "copy_menu", "redraw", "command_complete_prev", "logout"}
    extra |= {"remove_registry", "zoom"}
    extra |= {"files", "mark_tag", "diff_marked"}  # issue 15: files inside images, diffs
    extra |= {"storage"}  # issue 14's storage view
    extra |= {"pull_image", "copy_image", "show_jobs", "cancel_job"}  # issue 15
    assert set(ACTIONS) - asked == extra


# --- the built-in keymaps ---------------------------------------------------------


def test_builtin_names_and_packaging() -> None:
    assert builtin_keymap_names() == ["default", "vim"]
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["keymaps"] == "rex_tui/data/keymaps"


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_loads_without_errors(name: str) -> None:
    result = load_keymap(name)
    assert result.errors == []
    assert result.keymap.name == name
    assert Path(result.keymap.source) == ROOT / "keymaps" / f"{name}.toml"


@pytest.mark.parametrize("name", BUILTIN)
def test_every_binding_resolves_to_an_action_allowed_in_its_context(name: str) -> None:
    keymap = builtin(name)
    bindings = keymap.bindings()
    assert len(bindings) > 40
    for b in bindings:
        assert b.action in ACTIONS, b
        assert b.context in ACTIONS[b.action].contexts, b
        assert keymap.lookup(b.context, b.keys) == b.action, b


@pytest.mark.parametrize("name", BUILTIN)
def test_no_key_is_bound_twice_in_a_context(name: str) -> None:
    # Read the raw file, not the loader's result, so the loader's own checks aren't trusted.
    data = tomllib.loads((ROOT / "keymaps" / f"{name}.toml").read_text())
    seen: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for entry in data["bind"]:
        keys = tuple(entry["keys"]) if "keys" in entry else (entry["key"],)
        contexts = entry.get("context", "global")
        for context in [contexts] if isinstance(contexts, str) else contexts:
            seen[(context, keys)] += 1
    assert [pair for pair, count in seen.items() if count > 1] == []


@pytest.mark.parametrize("name", BUILTIN)
def test_every_action_is_bound(name: str) -> None:
    bound = {b.action for b in builtin(name).bindings()}
    assert set(ACTIONS) - bound - set(UNBOUND_OK) == set()


@pytest.mark.parametrize("name", BUILTIN)
def test_header_documents_the_format(name: str) -> None:
    text = (ROOT / "keymaps" / f"{name}.toml").read_text()
    header = text.split("[[bind]]\nkey", 1)[0]
    assert 'keys = ["g", "g"]' in header
    assert "exactly one key" in header


VIM_KEYS = [
    ("tags", "j", "move_down"),
    ("tags", "k", "move_up"),
    ("tags", "down", "move_down"),
    ("tags", "up", "move_up"),
    ("repositories", "h", "focus_left"),
    ("repositories", "l", "focus_right"),
    ("tags", ("g", "g"), "top"),
    ("tags", "G", "bottom"),
    ("details", "ctrl d", "half_page_down"),
    ("details", "ctrl u", "half_page_up"),
    ("repositories", "/", "filter"),
    ("repositories", "n", "filter_next"),
    ("repositories", "N", "filter_prev"),
    ("tags", ":", "command_line"),
    ("tags", "?", "help"),
    ("tags", "q", "quit"),
    ("tags", "r", "refresh"),
    ("tags", "R", "hard_refresh"),
    ("tags", "y", "copy_reference"),
    ("tags", "t", "toggle_theme"),
    ("tags", "L", "toggle_log"),
    ("repositories", "enter", "open"),
    ("tags", "esc", "back"),
    ("help", "q", "back"),
    ("details", ("g", "t"), "next_section"),
    ("filter", "esc", "filter_clear"),
    ("filter", "enter", "filter_accept"),
    ("command", "tab", "command_complete"),
    ("dialog", "enter", "confirm"),
]

DEFAULT_KEYS = [
    ("tags", "down", "move_down"),
    ("tags", "up", "move_up"),
    ("tags", "left", "focus_left"),
    ("tags", "right", "focus_right"),
    ("tags", "tab", "focus_next"),
    ("tags", "shift tab", "focus_prev"),
    ("tags", "enter", "open"),
    ("tags", "esc", "back"),
    ("tags", "page down", "page_down"),
    ("tags", "page up", "page_up"),
    ("tags", "home", "top"),
    ("tags", "end", "bottom"),
    ("tags", "f1", "help"),
    ("tags", "f5", "refresh"),
    ("tags", "f10", "quit"),
    ("tags", "ctrl f", "filter"),
    ("help", "f1", "back"),
    ("tags", "j", None),
]


@pytest.mark.parametrize(("name", "table"), [("vim", VIM_KEYS), ("default", DEFAULT_KEYS)])
def test_the_keys_users_expect(
    name: str, table: list[tuple[str, str | tuple[str, ...], str | None]]
) -> None:
    keymap = builtin(name)
    assert [(c, k, keymap.lookup(c, k)) for c, k, _ in table] == table


# --- key names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("j", "j"),
        ("G", "G"),
        ("/", "/"),
        ("?", "?"),
        (" ", " "),
        ("space", " "),
        ("meta space", "meta  "),
        ("ctrl d", "ctrl d"),
        ("shift tab", "shift tab"),
        ("page down", "page down"),
        ("ctrl page up", "ctrl page up"),
        ("shift meta ctrl up", "shift meta ctrl up"),
        ("f1", "f1"),
        ("f20", "f20"),
        ("meta A", "meta A"),
        ("é", "é"),
    ],
)
def test_valid_key_names(text: str, key: str) -> None:
    assert parse_key(text) == key


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("g g", 'keys = ["g", "g"]'),
        ("Enter", "did you mean 'enter'"),
        ("escape", "did you mean 'esc'"),
        ("ctrl-d", "did you mean 'ctrl d'"),
        ("alt x", "did you mean 'meta x'"),
        ("pgdn", "did you mean 'page down'"),
        ("ctrl shift up", "'shift ctrl up'"),
        ("shift g", "use 'G'"),
        ("ctrl D", "use 'ctrl d'"),
        ("ctrl ctrl d", "repeats a modifier"),
        ("ctrl", "only a modifier"),
        ("page  down", "one space"),
        ("\t", "not a printable character"),
        ("", "an empty key name"),
        ("f99", "unknown key name"),
        ("nonsense", "unknown key name 'nonsense'"),
    ],
)
def test_bad_key_names(text: str, fragment: str) -> None:
    with pytest.raises(KeyNameError) as info:
        parse_key(text)
    assert fragment in str(info.value)


def test_display_of_keys() -> None:
    assert format_keys(("g", "g")) == "g g"
    assert format_keys((" ",)) == "space"
    assert format_keys(("ctrl w", "l")) == "ctrl w, l"
    assert Binding(("meta  ",), "quit", GLOBAL, "").display == "meta space"


# --- validation: file, line, and the built-in still loads -------------------------

GOOD = '[[bind]]\nkey = "x"\naction = "quit"\n'

BAD_FILES = [
    pytest.param(GOOD + "[[bind]\n", 4, "malformed TOML", id="malformed-toml"),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\naction = "explode"\n',
        7,
        "unknown action",
        id="unknown-action",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\naction = "quitt"\n',
        7,
        "did you mean 'quit'",
        id="action-suggestion",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\naction = "quit"\ncontext = "tagz"\n',
        8,
        "unknown context 'tagz' (did you mean 'tags'?)",
        id="unknown-context",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\naction = "confirm"\ncontext = "tags"\n',
        8,
        "action 'confirm' does not apply in context 'tags' (it does in: dialog)",
        id="action-not-allowed",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "x"\naction = "help"\n',
        5,
        "'x' is bound twice in context 'global': to quit (line 1) and to help",
        id="bound-twice",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkeys = ["x", "x"]\naction = "top"\n',
        5,
        "'x x' clashes with 'x' (line 1) in context 'global'",
        id="prefix-of-sequence",
    ),
    pytest.param(
        '[[bind]]\nkeys = ["g", "g"]\naction = "top"\n\n[[bind]]\nkey = "g"\naction = "quit"\n',
        5,
        "'g' is bound on its own, so 'g g' could never be typed",
        id="sequence-then-prefix",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "ctrl-d"\naction = "help"\n',
        6,
        "did you mean 'ctrl d'",
        id="bad-key-name",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "g g"\naction = "top"\n', 6, "not one key", id="sequence-as-key"
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkeys = ["g", "gg"]\naction = "top"\n',
        6,
        "unknown key name 'gg'",
        id="bad-key-in-sequence",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "q"\naction = "filter_clear"\ncontext = "filter"\n',
        6,
        "typed into the input line",
        id="printable-in-text-entry",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\naction = "quit"\nhelpp = "x"\n',
        8,
        "unknown field 'helpp' (did you mean 'help'?)",
        id="unknown-field",
    ),
    pytest.param(GOOD + '\n[[bind]]\naction = "quit"\n', 5, "give either key", id="no-key"),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\nkeys = ["z"]\naction = "quit"\n',
        5,
        "give either key",
        id="key-and-keys",
    ),
    pytest.param(GOOD + '\n[[bind]]\nkey = "z"\n', 5, "action must be a string", id="no-action"),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = "z"\naction = "quit"\nhelp = """a\nb"""\n',
        8,
        "help must be one line",
        id="multiline-help",
    ),
    pytest.param(
        GOOD + '\n[[bind]]\nkey = 3\naction = "quit"\n',
        6,
        "key must be a string",
        id="key-not-string",
    ),
    pytest.param(
        'theme = "dark"\n' + GOOD, 1, "unknown table or key 'theme'", id="unknown-top-level"
    ),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_FILES)
def test_a_bad_user_file_names_file_and_line_and_the_builtin_loads(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    user_file = tmp_path / "vim.toml"
    user_file.write_text(text)
    result = load_keymap("vim", user_dir=tmp_path)
    assert len(result.errors) == 1, result.errors
    (error,) = result.errors
    assert error.startswith(f"{user_file}:{line}:"), error
    assert fragment in error
    assert result.keymap.source == str(ROOT / "keymaps" / "vim.toml")
    assert result.keymap.lookup("tags", "j") == "move_down"


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[bind]]\nkey = "z"\naction = "nope"\n\n[[bind]]\nkey = "y"\naction = "quit"\n'
        'context = "nowhere"\n'
    )
    result = load_keymap(path)
    assert [e.split(": ", 1)[0] for e in result.errors] == [f"{path}:3", f"{path}:8"]
    assert result.keymap.name == "default"  # not a built-in name: the fallback


def test_inline_tables_still_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "inline.toml"
    path.write_text('bind = [{key = "x", action = "explode"}]\n')
    (error,) = load_keymap(path).errors
    assert error.startswith(f"{path}: unknown action 'explode'")


def test_unreadable_files_are_errors(tmp_path: Path) -> None:
    (tmp_path / "vim.toml").write_bytes(b"\xff\xfe not utf-8")
    result = load_keymap("vim", user_dir=tmp_path)
    assert result.errors == [f"{tmp_path / 'vim.toml'}: not UTF-8 text"]
    assert result.keymap.name == "vim"
    missing = load_keymap(tmp_path / "absent.toml", fallback="vim")
    assert missing.errors[0].startswith(f"{tmp_path / 'absent.toml'}: cannot read")
    assert missing.keymap.name == "vim"


def test_unknown_name_falls_back(tmp_path: Path) -> None:
    result = load_keymap("emacs", user_dir=tmp_path)
    assert result.errors == [
        f"no keymap named 'emacs' (built in: default, vim; no {tmp_path / 'emacs.toml'})"
    ]
    assert result.keymap.name == "default"


# --- user keymaps -----------------------------------------------------------------


def test_a_user_file_named_like_a_builtin_replaces_it(tmp_path: Path) -> None:
    (tmp_path / "vim.toml").write_text(
        '[[bind]]\nkey = "x"\naction = "quit"\n\n'
        '[[bind]]\nkey = "space"\naction = "page_down"\ncontext = ["tags", "repositories"]\n'
        'help = "Next page"\n'
    )
    result = load_keymap("vim", user_dir=tmp_path)
    assert result.errors == []
    keymap = result.keymap
    assert keymap.source == str(tmp_path / "vim.toml")
    assert keymap.lookup("tags", "x") == "quit"
    assert keymap.lookup("tags", " ") == "page_down"
    assert keymap.lookup("details", " ") is None
    assert keymap.lookup("tags", "j") is None  # replaced, not merged
    assert [(b.display, b.help) for b in keymap.bindings("tags")] == [("space", "Next page")]


def test_user_keymaps_by_name_and_by_path(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(GOOD)
    by_name = load_keymap("mine", user_dir=tmp_path)
    by_path = load_keymap(str(tmp_path / "mine.toml"))
    for result in (by_name, by_path):
        assert result.errors == []
        assert result.keymap.name == "mine"
        assert result.keymap.lookup("tags", "x") == "quit"
    assert load_keymap("default", user_dir=tmp_path).keymap.source.endswith("default.toml")


def test_installed_package_data_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = tmp_path / "data" / "keymaps"
    packaged.mkdir(parents=True)
    (packaged / "vim.toml").write_text(GOOD)
    monkeypatch.setattr(importlib.resources, "files", lambda _package: tmp_path)
    assert builtin_keymap_names() == ["vim"]
    result = load_keymap("vim")
    assert result.keymap.source == str(packaged / "vim.toml")
    assert result.keymap.lookup(GLOBAL, "x") == "quit"


# --- lookup -----------------------------------------------------------------------


def make(*rows: tuple[str | tuple[str, ...], str, str]) -> Keymap:
    return Keymap(
        Binding((k,) if isinstance(k, str) else k, action, context, ACTIONS[action].help)
        for k, action, context in rows
    )


def test_context_first_then_global() -> None:
    keymap = builtin("vim")
    assert keymap.lookup("help", "q") == "back"
    assert keymap.lookup("tags", "q") == "quit"
    assert keymap.lookup(GLOBAL, "q") == "quit"
    assert keymap.lookup("tags", "no such key") is None


def test_text_entry_contexts_do_not_inherit_global() -> None:
    keymap = builtin("vim")
    for context in TEXT_ENTRY_CONTEXTS:
        assert keymap.lookup(context, "q") is None
        assert keymap.lookup(context, "j") is None
        assert keymap.lookup(context, "esc") is not None
    assert keymap.lookup("filter", "esc") == "filter_clear"


def test_unknown_context_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown context 'nowhere'"):
        builtin("vim").lookup("nowhere", "j")


def test_keymap_refuses_clashing_bindings() -> None:
    with pytest.raises(ValueError, match="bound twice"):
        make(("x", "quit", GLOBAL), ("x", "help", GLOBAL))
    with pytest.raises(ValueError, match="could never be typed"):
        make(("g", "quit", "tags"), (("g", "g"), "top", "tags"))
    # The same key in two contexts is fine: one overrides the other.
    make(("x", "quit", GLOBAL), ("x", "back", "help"))


def test_help_rows() -> None:
    keymap = builtin("vim")
    own = keymap.bindings("help")
    assert [(b.display, b.action, b.help) for b in own] == [
        ("q", "back", "Close the help"),
        ("?", "back", "Close the help"),
        ("x", "cancel_job", "Cancel the selected transfer (in the transfers panel)"),
    ]
    inherited = keymap.bindings("help", inherited=True)
    assert {b.context for b in inherited} == {"help", GLOBAL}
    assert not any(b.context == GLOBAL and b.keys == ("q",) for b in inherited)
    assert keymap.keys_for("top", "tags") == ["g g", "home"]
    assert keymap.keys_for("filter_clear", "filter") == ["esc"]
    with pytest.raises(ValueError, match="unknown action"):
        keymap.keys_for("nope")


# --- the dispatcher ---------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vim(clock: FakeClock) -> KeyDispatcher:
    return KeyDispatcher(builtin("vim"), timeout=0.8, clock=clock)


def act(action: str, *keys: str, replay: tuple[str, ...] = ()) -> Resolution:
    return Resolution(Outcome.ACTION, action=action, keys=keys, replay=replay)


def test_single_keys(vim: KeyDispatcher) -> None:
    assert vim.feed("tags", "j") == act("move_down", "j")
    assert vim.feed("tags", "ctrl d") == act("half_page_down", "ctrl d")
    assert vim.pending == () and vim.deadline is None


def test_g_g_sequence(vim: KeyDispatcher, clock: FakeClock) -> None:
    first = vim.feed("tags", "g")
    assert first == Resolution(Outcome.PENDING, keys=("g",))
    assert first.display == "g"
    assert vim.pending == ("g",) and vim.deadline == pytest.approx(100.8)
    clock.now += 0.5
    assert vim.feed("tags", "g") == act("top", "g", "g")
    assert not vim.pending and vim.deadline is None


def test_timeout_replays_the_prefix(vim: KeyDispatcher, clock: FakeClock) -> None:
    vim.feed("tags", "g")
    clock.now += 0.7
    assert vim.expire() is None
    assert vim.pending == ("g",)
    assert vim.expire(now=clock.now + 0.1) == Resolution(Outcome.UNHANDLED, replay=("g",))
    assert not vim.pending
    assert vim.expire() is None


def test_a_late_key_first_replays_the_stale_prefix(vim: KeyDispatcher, clock: FakeClock) -> None:
    vim.feed("tags", "g")
    clock.now += 5  # the alarm never ran
    assert vim.feed("tags", "g") == Resolution(Outcome.PENDING, keys=("g",), replay=("g",))


def test_a_broken_sequence_replays_and_the_new_key_still_counts(vim: KeyDispatcher) -> None:
    vim.feed("tags", "g")
    assert vim.feed("tags", "j") == act("move_down", "j", replay=("g",))
    vim.feed("tags", "g")
    assert vim.feed("tags", "x") == Resolution(Outcome.UNHANDLED, replay=("g", "x"))
    vim.feed("tags", "g")  # the focus moved: no "g t" across contexts
    assert vim.feed("details", "t") == act("toggle_theme", "t", replay=("g",))


def test_sequences_in_a_context(vim: KeyDispatcher) -> None:
    vim.feed("details", "g")
    assert vim.feed("details", "t") == act("next_section", "g", "t")
    vim.feed("details", "g")
    assert vim.feed("details", "g") == act("top", "g", "g")  # global, beside details' own


def test_context_precedence_and_fallthrough(vim: KeyDispatcher) -> None:
    assert vim.feed("help", "q") == act("back", "q")
    assert vim.feed("tags", "q") == act("quit", "q")
    assert vim.feed("filter", "q") == Resolution(Outcome.UNHANDLED, replay=("q",))
    assert vim.feed("filter", "g") == Resolution(Outcome.UNHANDLED, replay=("g",))
    assert vim.feed("tags", "F") == Resolution(Outcome.UNHANDLED, replay=("F",))
    assert vim.feed("tags", "window resize") == Resolution(
        Outcome.UNHANDLED, replay=("window resize",)
    )
    with pytest.raises(ValueError, match="unknown context"):
        vim.feed("nowhere", "j")


def test_a_context_hides_overlapping_global_bindings(clock: FakeClock) -> None:
    keymap = make(
        ("g", "top", GLOBAL),
        (("z", "z"), "redraw", GLOBAL),
        (("g", "t"), "next_section", "details"),
        ("z", "toggle_raw", "details"),
    )
    tags = KeyDispatcher(keymap, clock=clock)
    assert tags.feed("tags", "g") == act("top", "g")
    assert tags.feed("tags", "z") == Resolution(Outcome.PENDING, keys=("z",))
    assert tags.feed("tags", "z") == act("redraw", "z", "z")
    details = KeyDispatcher(keymap, clock=clock)
    assert details.feed("details", "z") == act("toggle_raw", "z")
    assert details.feed("details", "g") == Resolution(Outcome.PENDING, keys=("g",))
    assert details.expire(clock.now + 1) == Resolution(Outcome.UNHANDLED, replay=("g",))
    assert keymap.lookup("details", "g") is None


def test_cancel_returns_the_pending_keys(vim: KeyDispatcher) -> None:
    vim.feed("tags", "g")
    assert vim.cancel() == ("g",)
    assert vim.cancel() == ()


CONTEXT_NAMES = sorted(CONTEXTS)
KEY_POOL = ["g", "t", "T", "j", "k", "q", "G", "x", "esc", "enter", "ctrl d", "?", "L", " ", "é"]


@settings(max_examples=300, deadline=None)
@given(
    keymap_name=st.sampled_from(BUILTIN),
    steps=st.lists(
        st.tuples(
            st.sampled_from(CONTEXT_NAMES),
            st.sampled_from(KEY_POOL),
            st.sampled_from([0.0, 0.1, 0.5, 0.79, 0.8, 2.0]),
            st.booleans(),
        ),
        max_size=40,
    ),
)
def test_random_keys_never_raise_and_no_key_is_lost(
    keymap_name: str, steps: list[tuple[str, str, float, bool]]
) -> None:
    clock = FakeClock()
    dispatcher = KeyDispatcher(builtin(keymap_name), clock=clock)
    fed: list[str] = []
    out: list[str] = []
    for context, key, wait, call_expire in steps:
        clock.now += wait
        if call_expire and (expired := dispatcher.expire()) is not None:
            assert expired.outcome is Outcome.UNHANDLED
            out.extend(expired.replay)
        fed.append(key)
        result = dispatcher.feed(context, key)
        out.extend(result.replay)
        if result.outcome is Outcome.ACTION:
            assert result.action in ACTIONS
            out.extend(result.keys)
        elif result.outcome is Outcome.PENDING:
            assert result.keys == dispatcher.pending
            assert dispatcher.keymap.lookup(context, result.keys) is None
        else:
            assert result.replay[-1] == key
    out.extend(dispatcher.cancel())
    assert out == fed


# --- generated docs ---------------------------------------------------------------


def test_keys_doc_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_keys_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_keys_doc_lists_every_action_and_both_keymaps() -> None:
    text = (ROOT / "docs" / "keys.md").read_text()
    assert "| vim | default | action | what it does |" in text
    for name in ACTIONS:
        assert f"| `{name}` |" in text
