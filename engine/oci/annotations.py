"""An image's description: what its OCI annotations and config labels say about it.

Images describe themselves in three places: annotations on the index and on
the manifest (`org.opencontainers.image.*`, OCI image spec "Pre-Defined
Annotation Keys"), and labels in the config, under the same OCI keys or the
older label-schema ones (`org.label-schema.*`, label-schema.org 1.0.0-rc.1).
`describe` merges them, one field at a time, in this precedence:

    manifest annotation > index annotation > config OCI label > label-schema label

The values are the registry's text: they reach a terminal only escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["FIELDS", "LABEL_SCHEMA", "OCI_PREFIX", "Description", "describe"]

OCI_PREFIX = "org.opencontainers.image."

FIELDS = (
    "title",
    "description",
    "version",
    "revision",
    "source",
    "url",
    "documentation",
    "licenses",
    "vendor",
    "authors",
    "created",
)
"""The facts a description carries, each named for its OCI annotation key's suffix."""

LABEL_SCHEMA = {
    "title": "org.label-schema.name",
    "description": "org.label-schema.description",
    "version": "org.label-schema.version",
    "revision": "org.label-schema.vcs-ref",
    "source": "org.label-schema.vcs-url",
    "url": "org.label-schema.url",
    "documentation": "org.label-schema.usage",
    # Not in the label-schema spec, but written by many images that follow it.
    "licenses": "org.label-schema.license",
    "vendor": "org.label-schema.vendor",
    "created": "org.label-schema.build-date",
}
"""The label-schema key that carries each fact (authors has none)."""

MAX_VALUE = 4096
"""Characters kept of one value: a description, not a document."""


@dataclass(frozen=True, slots=True)
class Description:
    """What an image says about itself; None where nothing says it."""

    title: str | None = None
    description: str | None = None
    version: str | None = None
    revision: str | None = None
    source: str | None = None
    url: str | None = None
    documentation: str | None = None
    licenses: str | None = None
    vendor: str | None = None
    authors: str | None = None
    created: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def known(self) -> list[tuple[str, str]]:
        """The facts that are set, as (name, value), in FIELDS order."""
        return [(name, value) for name in FIELDS if (value := getattr(self, name)) is not None]

    def __bool__(self) -> bool:
        return any(getattr(self, name) is not None for name in FIELDS)


def _value(text: str | None) -> str | None:
    if text is None:
        return None
    text = text.strip()
    return text[:MAX_VALUE] if text else None


def describe(
    *,
    manifest: Mapping[str, str] | None = None,
    index: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Description:
    """The description from the manifest's and index's annotations and the config's labels.

    An empty or blank value counts as absent, so the next source in precedence answers.
    """
    sources: list[Mapping[str, str]] = [manifest or {}, index or {}, labels or {}]
    found: dict[str, str] = {}
    for name in FIELDS:
        key = OCI_PREFIX + name
        for source in sources:
            value = _value(source.get(key))
            if value is not None:
                found[name] = value
                break
        else:
            legacy = LABEL_SCHEMA.get(name)
            value = _value((labels or {}).get(legacy)) if legacy else None
            if value is not None:
                found[name] = value
    return Description(**found)
