"""Engine errors are kinds and facts; the CLI alone turns them into exit codes and flag hints."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest

import engine
from engine import (
    CacheError,
    ConfigurationError,
    Endpoint,
    ImageIndex,
    NotFoundError,
    Platform,
    Reference,
    Remedy,
    RequestTimeout,
    RexError,
    ValidationError,
    load_config,
)
from engine.config.schema import lookup
from engine.oci.manifests import parse_config, parse_manifest
from engine.reads.assemble import check_platform
from rex_tui.cli.errors import KINDS, REMEDIES, UsageError, exit_code, hint, report

ENGINE = Path(engine.__file__).resolve().parent

CLI_WORDS = re.compile(r"(?<![\w}-])--?[a-z]|\brex (registry|config|image|search|cache)\b|'rex ")
"""A flag (-vv, --platform) or a `rex` command: the CLI's words, never the engine's."""


def _error_classes() -> list[type[RexError]]:
    """Every error a front end can meet: the engine's public ones and the app's own.

    An engine-internal kind that never leaves the engine (`RefreshCancelled`) is not
    exported, and so needs no row.
    """
    public = {getattr(engine, name) for name in engine.__all__}
    found: list[type[RexError]] = []
    todo: list[type[RexError]] = [RexError]
    while todo:
        cls = todo.pop()
        if cls in public or cls.__module__.startswith("rex_tui."):
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_its_own_exit_code() -> None:
    classes = _error_classes()
    assert {c.__name__ for c in classes} >= {n for n in engine.__all__ if n.endswith("Error")}
    missing = [c.__name__ for c in classes if c not in KINDS]
    assert not missing, f"give these kinds a row in rex_tui.cli.errors.KINDS: {missing}"
    assert all(kind.code in {1, 2, 3, 4, 5, 6, 7} and kind.hint for kind in KINDS.values())


def test_the_seeds_exit_codes() -> None:
    codes = {cls.__name__: kind.code for cls, kind in KINDS.items()}
    assert codes == {
        "RexError": 1,
        "NetworkError": 3,
        "RequestTimeout": 3,
        "RateLimitError": 3,
        "AuthenticationError": 4,
        "PermissionDeniedError": 4,
        "NotFoundError": 5,
        "ServerError": 1,
        "ContentError": 1,
        "ValidationError": 2,
        "UsageError": 2,
        "ConfigurationError": 6,
        "CacheError": 7,
        "OfflineMiss": 7,
    }


def test_a_subclass_without_a_row_takes_its_parents_code() -> None:
    class Odd(CacheError):
        pass

    assert exit_code(Odd("x")) == 7


def test_every_remedy_has_cli_words_that_format_without_facts() -> None:
    assert set(REMEDIES) == set(Remedy)
    for remedy in Remedy:
        text = hint(RexError("x", hint="Neutral.", remedy=remedy))
        assert text and "{" not in text, remedy


def _neutral(error: RexError) -> None:
    for text in (error.message, error.hint):
        assert not CLI_WORDS.search(text), f"{type(error).__name__}: {text!r}"
    assert not hasattr(error, "exit_code")


def test_default_hints_are_neutral_and_the_cli_keeps_its_own() -> None:
    for cls in _error_classes():
        if cls.__module__.startswith("engine."):
            _neutral(cls("boom"))
    assert hint(RequestTimeout("slow")) == (
        "The registry is slow or unreachable; raise --timeout or try again later."
    )
    assert hint(CacheError("x")) == (
        "Check the cache directory's permissions, or run with --no-cache."
    )
    assert hint(UsageError("x")) == "Run 'rex --help' (or 'rex COMMAND --help') for usage."


def _raised(call: object, *args: object, **kwargs: object) -> RexError:
    assert callable(call)
    with pytest.raises(RexError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_triggered_errors_speak_no_cli_and_carry_their_facts(tmp_path: Path) -> None:
    bad_platform = _raised(Platform.parse, "linux")
    bad_reference = _raised(Reference.parse, "UPPER/Case::x")
    plain_http = _raised(Endpoint.parse, "http://registry.example.com")
    missing_config = _raised(load_config, tmp_path / "none.toml", env={})
    unknown_key = _raised(lookup, "zzzz")
    (tmp_path / "bad.toml").write_text("[network]\ntimeout = 'soon'\n")
    bad_value = _raised(load_config, tmp_path / "bad.toml", env={})
    index = parse_manifest(
        b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",'
        b'"manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",'
        b'"digest": "sha256:' + b"a" * 64 + b'", "size": 1,'
        b'"platform": {"os": "linux", "architecture": "amd64"}}]}'
    )
    assert isinstance(index, ImageIndex)
    no_platform = _raised(index.select, Platform.parse("linux/arm64"))
    errors = [
        bad_platform,
        bad_reference,
        plain_http,
        missing_config,
        unknown_key,
        bad_value,
        no_platform,
    ]
    for error in errors:
        _neutral(error)
    assert isinstance(no_platform, NotFoundError)
    assert no_platform.remedy is Remedy.PICK_PLATFORM
    assert (no_platform.platform, no_platform.available_platforms) == (
        "linux/arm64",
        ("linux/amd64",),
    )
    assert hint(no_platform) == "Pick one of the available platforms with --platform."
    assert plain_http.remedy is Remedy.ALLOW_PLAIN_HTTP
    assert plain_http.registry == "registry.example.com"
    assert isinstance(missing_config, ConfigurationError)
    assert missing_config.path == str(tmp_path / "none.toml")
    assert "create it with 'rex config set KEY VALUE'" in hint(missing_config)
    assert isinstance(unknown_key, ValidationError) and unknown_key.setting == "zzzz"
    assert hint(unknown_key) == "Run 'rex config' to list every key."
    assert bad_value.setting == "network.timeout"
    assert hint(bad_value) == "Fix it in the file, or run 'rex config set network.timeout VALUE'."


def test_a_platform_the_image_is_not_built_for_names_what_it_is() -> None:
    config = parse_config(b'{"os": "linux", "architecture": "amd64"}')
    error = _raised(check_platform, "hello:1", config, Platform.parse("linux/arm64"))
    _neutral(error)
    assert (error.remedy, error.platform, error.available_platforms) == (
        Remedy.DROP_PLATFORM,
        "linux/arm64",
        ("linux/amd64",),
    )
    assert hint(error) == "Leave out --platform, or ask for linux/amd64."


def _hint_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals of error constructors, `.error(...)` calls and *_HINT constants."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        parts: list[ast.AST] = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.endswith("Error") or name == "error":
                parts = [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and "HINT" in t.id for t in targets):
                parts = [node.value] if node.value is not None else []
        for part in parts:
            found.extend(_texts(part))
    return found


def _texts(node: ast.AST) -> list[tuple[int, str]]:
    """The strings under `node`, an f-string as one text with `{}` for each value."""
    if isinstance(node, ast.Constant):
        return [(node.lineno, node.value)] if isinstance(node.value, str) else []
    if isinstance(node, ast.JoinedStr):
        pieces = [v.value if isinstance(v, ast.Constant) else "{}" for v in node.values]
        return [(node.lineno, "".join(str(p) for p in pieces))]
    return [text for child in ast.iter_child_nodes(node) for text in _texts(child)]


def test_no_engine_error_message_or_hint_names_a_cli_flag_or_command() -> None:
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, text in _hint_literals(tree):
            if CLI_WORDS.search(text):
                offenders.append(f"{path.relative_to(ENGINE.parent)}:{line}: {text!r}")
    assert not offenders, "\n".join(offenders)


def test_the_scan_finds_a_flag_in_a_hint() -> None:
    planted = (
        "raise NotFoundError('x', hint='Pick one with --platform.')\n"
        "A_HINT = \"see 'rex image'\"\n"
        "raise ContentError(f'{size}-byte limit, run with -vv')\n"
    )
    texts = sorted(text for _, text in _hint_literals(ast.parse(planted)))
    assert [t for t in texts if CLI_WORDS.search(t)] == [
        "Pick one with --platform.",
        "see 'rex image'",
        "{}-byte limit, run with -vv",
    ]
    assert not CLI_WORDS.search("{}-byte limit; another rex held the lock")


def test_report_prints_the_cli_words_and_returns_the_code() -> None:
    error = NotFoundError(
        "no image for platform linux/arm64",
        hint="Pick one of the available platforms.",
        remedy=Remedy.PICK_PLATFORM,
        available_platforms=("linux/amd64",),
    )
    out = io.StringIO()
    assert report(error, out) == 5
    assert out.getvalue() == (
        "rex: error: no image for platform linux/arm64\n"
        "  hint: Pick one of the available platforms with --platform.\n"
    )


def test_a_login_remedy_keeps_the_sites_advice() -> None:
    error = RexError("refused", hint="Check the username and password.", remedy=Remedy.LOGIN)
    assert hint(error) == "Check the username and password. Log in with 'rex registry login'."
    assert hint(RexError("x", hint="Only this.")) == "Only this."
