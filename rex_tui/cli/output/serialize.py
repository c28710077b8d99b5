"""JSON and YAML renderings of result documents (plain dicts, lists and scalars)."""

from __future__ import annotations

import json
from typing import Any

from rex_tui.untrusted import escape_json, is_safe

__all__ = ["to_json", "to_yaml"]


def to_json(document: Any) -> str:
    """Indented JSON, non-ASCII kept readable (controls and invisible characters \\u-escaped)."""
    return escape_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def to_yaml(document: Any) -> str:
    """Block-style YAML in the document's own key order, lists indented as the seeds show."""
    # PyYAML costs ~10 ms to import; only YAML output pays for it.
    import yaml

    class IndentedDumper(yaml.SafeDumper):
        # PyYAML puts "- item" flush with its parent key; the seeds indent it.
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

        # allow_unicode keeps CJK and emoji readable, but PyYAML counts bidi and
        # other format characters as printable and would write them raw: a string
        # holding one is double-quoted, with every non-ASCII character escaped.
        def write_double_quoted(self, text: str, split: bool = True) -> None:
            if is_safe(text.replace("\n", "")):
                super().write_double_quoted(text, split)
                return
            allow, self.allow_unicode = self.allow_unicode, False
            try:
                super().write_double_quoted(text, split)
            finally:
                self.allow_unicode = allow

    def represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        style = None if is_safe(data.replace("\n", "")) else '"'
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    IndentedDumper.add_representer(str, represent_str)

    return str(
        yaml.dump(
            document,
            Dumper=IndentedDumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=4096,
        )
    )
