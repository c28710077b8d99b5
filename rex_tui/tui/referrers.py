"""Details you can act on: Enter on a platform selects it, Enter on a referrer opens it,
and `/` searches inside the details (`n` / `N` for the next and previous match).

A referrer opens in a view over the panes: its manifest (a signature is just
that), then, for an SBOM or an attestation, the content of its first layer,
pretty-printed and highlighted when it is JSON. All of it is the registry's
text: every piece is escaped, and the content read is bounded.
"""

from __future__ import annotations

import urwid

from engine import Descriptor, ImageManifest
from rex_tui.tui.details import SECTIONS, Line, highlight_json
from rex_tui.tui.host import Host
from rex_tui.tui.inputs import LineView
from rex_tui.tui.views import ScrollView
from rex_tui.untrusted import visible

__all__ = ["MAX_CONTENT_BYTES", "DetailsSearch", "ReferrerView", "details_action"]

MAX_CONTENT_BYTES = 4 * 1024 * 1024
"""The most of an SBOM or attestation read to show it."""


def _text_rows(lines: list[Line]) -> list[urwid.Widget]:
    rows: list[urwid.Widget] = []
    for line in lines:
        markup = [
            visible(part) if isinstance(part, str) else (part[0], visible(part[1])) for part in line
        ]
        rows.append(urwid.Text(markup or "", wrap="any"))
    return rows


class ReferrerView(ScrollView):
    """One referrer's manifest and content, loaded in a worker; Esc closes it."""

    width = ("relative", 96)
    height = ("relative", 96)

    def __init__(self, app: Host, descriptor: Descriptor) -> None:
        kind = descriptor.artifact_type or descriptor.media_type
        title = visible(f" {kind} {descriptor.digest[:19]} ")
        super().__init__(app.keymap, title, [urwid.Text("loading…")], self._close)
        self.app = app
        self.size = app._size
        self.descriptor = descriptor

    def _close(self) -> None:
        if self.app.workers is not None:
            self.app.workers.cancel("referrer")
        self.app.views.remove(self)

    def load(self) -> None:
        app, browser = self.app, self.app.browser
        if app.workers is None or browser.image is None:
            return
        registry, repository = browser.registry, browser.image.repository
        digest = self.descriptor.digest

        async def fetch() -> list[Line]:
            rex = app.rex
            manifest = await rex.get_manifest(rex.reference(f"{repository}@{digest}", registry))
            lines: list[Line] = [[("details.heading", "Manifest")]]
            lines += highlight_json(manifest.body)
            parsed = manifest.parsed
            if isinstance(parsed, ImageManifest) and parsed.layers and not _signature(parsed):
                layer = parsed.layers[0]
                lines += [[], [("details.heading", f"Content ({layer.media_type})")]]
                if layer.size > MAX_CONTENT_BYTES:
                    lines.append([f"{layer.size:,} bytes: too large to show here"])
                else:
                    client = await rex.client(registry)
                    blob = await client.get_blob(
                        repository, layer.digest, max_bytes=MAX_CONTENT_BYTES
                    )
                    lines += highlight_json(blob)
            return lines

        def show(lines: list[Line]) -> None:
            if app.views.find(ReferrerView) is self:
                self.set_rows(_text_rows(lines))

        app.workers.run("referrer", fetch, show)


def _signature(manifest: ImageManifest) -> bool:
    """A signature's layer is the signed payload or a signature envelope: the manifest says it."""
    kinds = " ".join(
        [manifest.artifact_type or "", *(layer.media_type for layer in manifest.layers)]
    )
    return any(word in kinds for word in ("signature", "cosign", "notary", "jws"))


class DetailsSearch(LineView):
    """The `/` line over the details: Enter finds the first line with the text."""

    context = "filter"

    def submit(self, text: str) -> None:
        self.app.details_query = text
        _search(self.app, 0)


def _search(app: Host, step: int) -> None:
    """Move to the next (step 1), previous (-1) or first from here (0) line matching."""
    query = app.details_query.lower()
    details = app.browser.details
    if not query:
        app.status.say("no search: / starts one")
        return
    texts = details.line_texts()
    matches = [i for i, text in enumerate(texts) if query in text.lower()]
    if not matches:
        app.status.say(f"/{visible(app.details_query)}: not in {SECTIONS[details.section]}")
        return
    here = details.focused_line
    if step >= 0:
        after = [i for i in matches if i > here or (step == 0 and i == here)]
        target = after[0] if after else matches[0]
    else:
        before = [i for i in matches if i < here]
        target = before[-1] if before else matches[-1]
    details.focus_line(target)
    number = matches.index(target) + 1
    app.status.say(f"/{visible(app.details_query)}: match {number} of {len(matches)}")


def details_action(app: Host, action: str) -> bool:
    """Run a details-pane action beyond scrolling; False when `action` is not one of them."""
    details = app.browser.details
    section = SECTIONS[details.section]
    if action == "filter":
        app.views.push(DetailsSearch(app, "/", app.filter_history))
        return True
    if action in ("filter_next", "filter_prev"):
        _search(app, 1 if action == "filter_next" else -1)
        return True
    if action != "open":
        return False
    info = app.browser.image
    index = details.focused_line
    if section == "Platforms" and info is not None and info.platform_manifests:
        if index < len(info.platform_manifests):
            platform = info.platform_manifests[index].platform
            app.browser.platform = platform
            app.status.say(f"platform: {platform}")
            app.browser.show_image_of_tag()
        return True
    if section == "Referrers":
        found = app.browser.referrers or []
        if index < len(found):
            view = ReferrerView(app, found[index])
            app.views.push(view)
            view.load()
        else:
            app.status.say("no referrer here: signatures and SBOMs show in this list")
        return True
    return False
