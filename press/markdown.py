"""The Markdown dialect of handouts: CommonMark + tables + citations, never raw HTML.

Parsing is kept apart from rendering so that ``check`` can validate a body (citations,
figures, links, worksheet blocks) without building any HTML.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # markdown-it is imported by the first parse: a build whose sources are
    # all unchanged parses none, and importing it costs a tenth of such a build
    from markdown_it import MarkdownIt
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

# Pandoc's citation key grammar: starts with a letter, digit or underscore; may contain
# internal punctuation. Trailing punctuation is not part of the key.
_KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w])?"
_ITEM_RE = re.compile(rf"^\s*@({_KEY})\s*(?:,\s*(.+?))?\s*$")
_LOCATOR_RE = re.compile(r"^(p|pp)\.\s*(\S.*)$")


@dataclass(frozen=True)
class CiteItem:
    """One cited work, with an optional page locator ("p. 12" or "pp. 9-74")."""

    key: str
    locator: str = ""


def parse_citation(inner: str) -> tuple[CiteItem, ...] | None:
    """Parse the text between brackets; None when it is not a citation."""
    if "@" not in inner:
        return None
    items: list[CiteItem] = []
    for part in inner.split(";"):
        match = _ITEM_RE.match(part)
        if not match:
            return None
        locator = ""
        if match.group(2):
            loc = _LOCATOR_RE.match(match.group(2).strip())
            if not loc:
                return None
            locator = loc.group(2).strip()
        items.append(CiteItem(match.group(1), locator))
    return tuple(items)


def _citation_rule(state: StateInline, silent: bool) -> bool:
    """Inline rule: ``[@key]``, ``[@a; @b]``, ``[@key, p. 12]`` become citation tokens."""
    src, pos = state.src, state.pos
    if src[pos] != "[" or pos + 1 >= state.posMax or src[pos + 1] != "@":
        return False
    end = src.find("]", pos)
    if end < 0 or end > state.posMax:
        return False
    # A following "(" means an ordinary link whose text starts with "@".
    if end + 1 < len(src) and src[end + 1] == "(":
        return False
    items = parse_citation(src[pos + 1 : end])
    if items is None:
        return False
    if not silent:
        token = state.push("citation", "", 0)
        token.content = src[pos : end + 1]
        token.meta = {"items": items}
    state.pos = end + 1
    return True


@functools.cache
def make_parser(allow_html: bool = False) -> MarkdownIt:
    """The handout dialect. ``allow_html=True`` only to *detect* raw HTML for errors.

    One parser per process: building one costs more than parsing a paragraph, and
    parsing never changes it (callers must not either).
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": allow_html, "typographer": False})
    md.enable("table")
    # Every link is kept so that unsafe ones can be reported; they are dropped at render.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    md.inline.ruler.before("link", "citation", _citation_rule)
    # ``::: name`` ... ``:::`` passages (mdit-py-plugins' container). Every name parses,
    # so that ``check`` can name an unknown one; only ``professional`` is valid.
    from mdit_py_plugins.container import container_plugin

    container_plugin(md, "passage", validate=lambda params, *args: True)
    return md


def walk(tokens: list[Token]) -> list[tuple[Token, int]]:
    """Every token with the 0-based source line of its nearest enclosing block."""
    result: list[tuple[Token, int]] = []
    for token in tokens:
        line = token.map[0] if token.map else 0
        result.append((token, line))
        for child in token.children or []:
            result.append((child, line))
    return result


def slugify(text: str) -> str:
    """A stable, ASCII-friendly anchor for a heading."""
    slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return slug or "section"


def heading_slugs(tokens: list[Token]) -> list[str]:
    """The anchor of every heading, in order, numbered as the renderer numbers repeats."""
    seen: dict[str, int] = {}
    slugs = []
    for i, token in enumerate(tokens[:-1]):
        if token.type == "heading_open":
            slug = slugify(tokens[i + 1].content)
            seen[slug] = seen.get(slug, 0) + 1
            slugs.append(slug if seen[slug] == 1 else f"{slug}-{seen[slug]}")
    return slugs
