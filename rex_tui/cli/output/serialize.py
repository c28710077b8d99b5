"""JSON and YAML renderings of result documents (plain dicts, lists and scalars)."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["to_json", "to_yaml"]


def to_json(document: Any) -> str:
    """Indented JSON, non-ASCII kept readable, with a trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_yaml(document: Any) -> str:
    """Block-style YAML in the document's own key order, lists indented as the seeds show."""
    # PyYAML costs ~10 ms to import; only YAML output pays for it.
    import yaml

    class IndentedDumper(yaml.SafeDumper):
        # PyYAML puts "- item" flush with its parent key; the seeds indent it.
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

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
