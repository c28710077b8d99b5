"""The output layer on its own: tables, colours, JSON/YAML and the printer (no subprocess)."""

from __future__ import annotations

import io
import json

import yaml

from rex_tui.cli.output.color import Palette
from rex_tui.cli.output.printer import Printer
from rex_tui.cli.output.serialize import to_json, to_yaml
from rex_tui.cli.output.table import Column, display_width, render_table

ESC = "\x1b["


def test_table_aligns_columns_and_trims_trailing_space() -> None:
    text = render_table(
        [Column("NAME"), Column("TAGS"), Column("LAST UPDATED")],
        [["alpine", "5", "2 hours ago"], ["nginx-long-name", "12", "-"]],
        Palette(False),
    )
    assert text.splitlines() == [
        "NAME             TAGS  LAST UPDATED",
        "alpine           5     2 hours ago",
        "nginx-long-name  12    -",
    ]


def test_colour_does_not_change_alignment() -> None:
    rows = [["a", "1"], ["abcdef", "22"]]

    def table(palette: Palette) -> str:
        return render_table([Column("NAME", palette.name), Column("TAGS")], rows, palette)

    coloured, plain = table(Palette(True)), table(Palette(False))
    assert ESC in coloured
    stripped = coloured.replace("\x1b[36m", "").replace("\x1b[1m", "").replace("\x1b[0m", "")
    assert stripped == plain


def test_wide_characters_count_twice() -> None:
    assert display_width("镜像") == 4
    text = render_table([Column("N"), Column("X")], [["镜像", "1"], ["ab", "2"]], Palette(False))
    assert text.splitlines()[1:] == ["镜像  1", "ab    2"]


def test_disabled_palette_is_identity() -> None:
    palette = Palette(False)
    assert palette.ok("✓") == "✓"
    assert palette.header("x") == "x"


def test_yaml_indents_lists_like_the_seed_and_keeps_key_order() -> None:
    text = to_yaml({"version": "0.1.0", "features": ["default", "tls-native"], "built": "x"})
    assert text == "version: 0.1.0\nfeatures:\n  - default\n  - tls-native\nbuilt: x\n"


def test_yaml_keeps_timestamps_strings() -> None:
    document = {"created": "2024-01-15T10:30:00Z", "n": None, "ok": True}
    assert yaml.safe_load(to_yaml(document)) == document


def test_json_keeps_unicode() -> None:
    assert json.loads(to_json({"label": "café"})) == {"label": "café"}
    assert "café" in to_json({"label": "café"})


def _printer(fmt: str, quiet: bool = False) -> tuple[Printer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    printer = Printer(
        fmt, Palette(False), quiet=quiet, stdout=out, stderr=err, err_palette=Palette(False)
    )
    return printer, out, err


def test_printer_emits_one_document_per_format() -> None:
    for fmt, load in (("json", json.loads), ("yaml", yaml.safe_load)):
        printer, out, _ = _printer(fmt)
        printer.emit({"a": 1}, lambda _: "pretty")
        printer.done("not in documents")
        assert load(out.getvalue()) == {"a": 1}
    printer, out, _ = _printer("pretty")
    printer.emit({"a": 1}, lambda _: "pretty")
    printer.done("Set x = 1")
    assert out.getvalue() == "pretty\n✓ Set x = 1\n"


def test_quiet_hides_status_but_not_results_or_warnings() -> None:
    printer, out, err = _printer("pretty", quiet=True)
    printer.emit({}, lambda _: "result")
    printer.done("status")
    printer.note("advice")
    printer.warning("danger")
    assert out.getvalue() == "result\n"
    assert err.getvalue() == "rex: warning: danger\n"
