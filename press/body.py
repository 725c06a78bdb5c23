"""A handout body's Markdown to HTML: the handout dialect's tokens (citations, worksheet
blocks, figures, heading anchors, safe links) rendered with markdown-it-py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from . import markdown, worksheets
from .bibliography import Formatter
from .sources import SAFE_SCHEMES

_URL_RE = re.compile(r"(https?://[^\s<]+[^\s<.,;)])")


class BodyRenderer(RendererHTML):
    """markdown-it renderer with the handout dialect's extra tokens.

    RendererHTML uses each public method named after a token type as that token's rule.
    """

    def citation(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        formatter: Formatter = env["formatter"]
        if token.meta.get("entry"):
            key = token.meta["items"][0].key
            return f'<span class="ref-entry" dir="ltr">{linkify(formatter.entry(key))}</span>'
        # A citation flows in the text's own direction: right to left, "(Zaccaro وآخرون،
        # 2018)" reads as Arabic writes it, and readers that rebuild reading order from
        # the page (screen readers, search, copy) get the words in their order. Isolated
        # left to right it put the Arabic term after the name on the page and in the text.
        return f'<span class="cite">{formatter.cite(token.meta["items"])}</span>'

    def container_passage_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        # Only the professional version keeps its passages (press/variants.py drops them
        # from the others before rendering): marked so that a reader of the page, and of
        # its tags, sees where the guidance for professionals starts and ends.
        return f'<section class="professional-passage" aria-label="{escape(env["labels"]["professional"])}">'

    def container_passage_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</section>"

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        sheet, _ = worksheets.parse(token.content, env["path"], 1)
        assert sheet is not None, "worksheet blocks are validated before rendering"
        return worksheets.to_html(sheet, env["resource_id"], env["labels"], env["translate"], env.get("large_print", False))

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        src = str(token.attrs.get("src", ""))
        alt = self.renderInlineAsText(token.children or [], options, env)
        if src.endswith(".svg"):
            art = env["figure"](src, alt)
        else:
            art = f'<img src="{escape(env["to_url"]("handouts/" + src))}" alt="{escape(alt)}">'
        return f'<figure class="figure">{art}<figcaption>{escape(alt)}</figcaption></figure>'

    def heading_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        text = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
        slug = markdown.slugify(token.meta.get("anchor_text", text))
        # Numbered like markdown.heading_slugs, which ``check`` validates links against.
        seen: dict[str, int] = env.setdefault("slugs", {})
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        return f'<{token.tag} id="{escape(env["resource_id"])}--{escape(slug)}">'

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        href = str(tokens[idx].attrs.get("href", ""))
        scheme = href.split(":", 1)[0].lower() if ":" in href else ""
        if href.startswith("#"):
            env.setdefault("links", []).append(True)
            return f'<a href="#{escape(env["resource_id"])}--{escape(href[1:])}">'
        if scheme in SAFE_SCHEMES:
            env.setdefault("links", []).append(True)
            return f'<a href="{escape(href)}" class="external">'
        env.setdefault("links", []).append(False)  # unsafe: keep the text, drop the link
        return ""

    def link_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</a>" if env.setdefault("links", [True]).pop() else ""

    @staticmethod
    def _lone_image(tokens: Sequence[Token], idx: int) -> bool:
        inline = tokens[idx]
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
        return inline.type == "inline" and len(children) == 1 and children[0].type == "image"

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if idx + 1 < len(tokens) and self._lone_image(tokens, idx + 1):
            return ""
        return self.renderToken(tokens, idx, options, env)

    def paragraph_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if idx >= 1 and self._lone_image(tokens, idx - 1):
            return ""
        return self.renderToken(tokens, idx, options, env)


def without_passages(tokens: list[Token]) -> list[Token]:
    """The tokens of the client version: every ``::: professional`` passage left out."""
    kept: list[Token] = []
    depth = 0
    for token in tokens:
        if token.type == "container_passage_open":
            depth += 1
        elif token.type == "container_passage_close":
            depth -= 1
        elif depth == 0:
            kept.append(token)
    return kept


def linkify(entry_html: str) -> str:
    return _URL_RE.sub(lambda m: f'<a href="{m.group(1)}" class="external">{m.group(1)}</a>', entry_html)


def mark_reading_entries(tokens: list[Token]) -> None:
    """In reading lists, a list item that starts with one citation prints the full entry."""
    for i, token in enumerate(tokens):
        if token.type == "inline" and i >= 2 and tokens[i - 2].type == "list_item_open" and token.children:
            first = token.children[0]
            if first.type == "citation" and len(first.meta["items"]) == 1:
                first.meta["entry"] = True


def cited_keys(tokens: list[Token]) -> tuple[list[str], list[str]]:
    """Keys cited in text, and keys printed as full reading-list entries, in order."""
    in_text: list[str] = []
    entries: list[str] = []
    for token, _ in markdown.walk(tokens):
        if token.type == "citation":
            keys = [i.key for i in token.meta["items"]]
            (entries if token.meta.get("entry") else in_text).extend(keys)
    return in_text, entries
