"""What `y`, `Y` and the copy menu put on the clipboard: references and pull commands.

Pure functions from what is selected to the text each tool's users type, so
tests check them without a terminal. The reference is a registry's text (a tag
could hold `;` or a space): it is shell-quoted, so a pasted command runs only
the tool it names. A plain-HTTP registry gets each tool's flag for it.
"""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass

__all__ = ["CopyTarget", "choices", "osc52", "pinned_reference", "pull_command", "reference"]


@dataclass(frozen=True, slots=True)
class CopyTarget:
    """The image to copy a reference to: a repository, its tag, its digest if known."""

    host: str
    repository: str
    tag: str | None = None
    digest: str | None = None
    plain_http: bool = False


def reference(target: CopyTarget) -> str:
    """`HOST/REPO:TAG` (or `HOST/REPO` when no tag is selected: the registry's latest)."""
    base = f"{target.host}/{target.repository}"
    return f"{base}:{target.tag}" if target.tag else base


def pinned_reference(target: CopyTarget) -> str | None:
    """`HOST/REPO@sha256:…`, the image by content; None without a digest."""
    if not target.digest:
        return None
    return f"{target.host}/{target.repository}@{target.digest}"


def pull_command(target: CopyTarget) -> str:
    """`docker pull HOST/REPO:TAG`, what `y` copies."""
    return f"docker pull {shlex.quote(reference(target))}"


def _archive_name(target: CopyTarget) -> str:
    name = target.repository.rsplit("/", 1)[-1]
    suffix = target.tag or (target.digest or "image").replace(":", "-")[:19]
    return f"{name}-{suffix}.tar"


def choices(target: CopyTarget) -> list[tuple[str, str]]:
    """The copy menu: (what it is, the text copied), the tag's forms then the pinned ones.

    docker has no flag for plain HTTP (its daemon's `insecure-registries` decides);
    podman and skopeo take `--tls-verify=false`, crane `--insecure`.
    """
    plain = target.plain_http
    tls = " --tls-verify=false" if plain else ""
    by_tag = shlex.quote(reference(target))
    menu = [
        ("docker", f"docker pull {by_tag}"),
        ("podman", f"podman pull{tls} {by_tag}"),
        ("crane", f"crane pull{' --insecure' if plain else ''} {by_tag} {_archive_name(target)}"),
        (
            "skopeo",
            f"skopeo copy{' --src-tls-verify=false' if plain else ''} docker://{by_tag}"
            f" oci:{shlex.quote(_archive_name(target).removesuffix('.tar'))}",
        ),
        ("reference", reference(target)),
    ]
    pinned = pinned_reference(target)
    if pinned is not None:
        quoted = shlex.quote(pinned)
        menu += [
            ("docker, pinned", f"docker pull {quoted}"),
            ("podman, pinned", f"podman pull{tls} {quoted}"),
            ("pinned reference", pinned),
        ]
    return menu


def osc52(text: str) -> str:
    """The escape sequence that asks the terminal to put `text` on the clipboard (even
    over ssh); base64 keeps the registry's text from being read as terminal control."""
    return f"\x1b]52;c;{base64.b64encode(text.encode()).decode()}\x07"
