"""Applying catalogs: translated text into a handout's structure, and checks that a
translation keeps what must not change (citations, link targets, markup, placeholders).

The English source gives the structure (blocks, worksheets, figures); catalogs give the
text. A translation is re-parsed as Markdown inline text, so a translator's ``**bold**``
works, while raw HTML never reaches a page: it is an error here and escaped at render.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog, Message
from markdown_it.token import Token

from . import markdown
from .errors import Problem
from .segments import normalise

_PLACEHOLDER_RE = re.compile(r"\{[a-z_]+\}")
ZWSP = "\u200b"


@dataclass
class Translation:
    """The usable messages of one resource in one language, and what fell back to English."""

    language: str
    messages: dict[str, str]
    ui: dict[str, str]
    allow_incomplete: bool = False
    missing: list[str] = field(default_factory=list)

    @property
    def is_source(self) -> bool:
        return self.language == "en"

    def text(self, source: str) -> tuple[str, bool]:
        """The translation of a source text and whether it is translated."""
        if self.is_source:
            return source, True
        found = self.messages.get(normalise(source))
        if found:
            return found, True
        self.missing.append(source)
        return source, False

    def __call__(self, source: str) -> str:
        return self.text(source)[0]


def usable_messages(catalog: Catalog | None) -> dict[str, str]:
    """Translated, non-fuzzy messages: fuzzy (stale) ones never reach a page."""
    if catalog is None:
        return {}
    return {str(m.id): m.string for m in catalog if m.id and m.string and not m.fuzzy and isinstance(m.string, str)}


def ui_strings(catalog: Catalog | None, defaults: dict[str, str]) -> dict[str, str]:
    """Interface strings (and settings.* footer lines) in the catalog's language."""
    result = dict(defaults)
    if catalog is not None:
        for message in catalog:
            if message.id and message.string and not message.fuzzy and (message.context in defaults or str(message.context).startswith("settings.")):
                result[str(message.context)] = str(message.string)
    return result


def localise(tokens: list[Token], translation: Translation) -> int:
    """Replace each inline text with its translation; mark fallbacks. Returns fallbacks."""
    if translation.is_source:
        return 0
    md = markdown.make_parser()
    fallbacks = 0
    for i, token in enumerate(tokens):
        if token.type != "inline" or not token.content.strip():
            continue
        text, ok = translation.text(token.content)
        opener = tokens[i - 1] if i else None
        if opener is not None and opener.type == "heading_open":
            # A heading's anchor comes from its English text, so "#why-imagery-helps"
            # finds the heading in every language.
            opener.meta["anchor_text"] = token.content
        if ok:
            children: list[Token] = []
            md.inline.parse(text, md, {}, children)
            token.content, token.children = text, children
        else:
            fallbacks += 1
            token.meta["fallback"] = True  # counted per variant: a passage may be left out
            if opener is not None and opener.nesting == 1:
                opener.attrSet("class", "untranslated")
                opener.attrSet("lang", "en")
                opener.attrSet("dir", "ltr")
    return fallbacks


def _signature(text: str) -> tuple[Counter[str], list[str]]:
    """What must survive translation: citation keys, link and image targets, markup."""
    tokens = markdown.make_parser(allow_html=True).parseInline(text)
    marks: Counter[str] = Counter()
    html: list[str] = []
    for token, _ in markdown.walk(tokens):
        if token.type == "citation":
            for item in token.meta["items"]:
                marks[f"citation [@{item.key}]"] += 1
        elif token.type == "link_open":
            marks[f"link target {token.attrs.get('href')}"] += 1
        elif token.type == "image":
            marks[f"image {token.attrs.get('src')}"] += 1
        elif token.type in ("strong_open", "em_open", "code_inline"):
            marks[{"strong_open": "**bold**", "em_open": "*italic*", "code_inline": "`code`"}[token.type]] += 1
        elif token.type == "html_inline":
            html.append(token.content)
    return marks, html


def check_message(message: Message, po_path: str, ui: bool = False) -> list[Problem]:
    """Problems with one translated message, located at its line in the .po file."""
    if not message.id or not message.string or message.fuzzy:
        return []
    source, target = str(message.id), str(message.string)
    line = message.lineno or 0
    problems: list[Problem] = []
    if ui:
        want, got = _PLACEHOLDER_RE.findall(source), _PLACEHOLDER_RE.findall(target)
        if sorted(want) != sorted(got):
            problems.append(Problem(po_path, line, f"placeholders {', '.join(want) or 'none'} must be kept exactly; the translation has {', '.join(got) or 'none'}"))
        return problems
    want_marks, _ = _signature(source)
    got_marks, html = _signature(target)
    for mark in sorted(set(want_marks) | set(got_marks)):
        if want_marks[mark] != got_marks[mark]:
            verb = "dropped or altered" if want_marks[mark] > got_marks[mark] else "added"
            problems.append(Problem(po_path, line, f"translation {verb} {mark} (source has {want_marks[mark]}, translation {got_marks[mark]}); keep Markdown, citations and link targets as in the source"))
    for fragment in html:
        problems.append(Problem(po_path, line, f"raw HTML {fragment!r} is not allowed in a translation"))
    return problems


def check_catalog(catalog: Catalog, po_path: str, ui: bool = False) -> list[Problem]:
    problems: list[Problem] = []
    for message in catalog:
        problems += check_message(message, po_path, ui)
    return problems


def insert_word_breaks(text: str, language: str) -> str:
    """Zero-width spaces between words for scripts written without spaces.

    Pango breaks lines only at spaces in Myanmar, Khmer and Lao, so long runs overflow;
    ICU's dictionary-based line breaker finds the word boundaries.
    """
    import icu

    breaker = icu.BreakIterator.createLineInstance(icu.Locale(language))
    breaker.setText(text)
    pieces = []
    start = breaker.first()
    for end in breaker:
        pieces.append(text[start:end])
        start = end
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        if out and not out[-1].isspace() and not piece[:1].isspace():
            out += ZWSP
        out += piece
    return out


def break_words_in_tokens(tokens: list[Token], language: str) -> None:
    for token, _ in markdown.walk(tokens):
        if token.type == "text" and token.content:
            token.content = insert_word_breaks(token.content, language)
