"""What translators translate: a handout split into messages, each with its source line.

Headings, paragraphs, list items, table cells, worksheet labels, figure labels, the title
and the summary are one message each. The message is the Markdown source of the text
(inline markup, citations and link targets included), with line breaks folded to spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from . import markdown, worksheets
from .project import Project
from .sources import Handout

if TYPE_CHECKING:
    from markdown_it.token import Token

_SPACE_RE = re.compile(r"\s*\n\s*")
SVG_NS = "{http://www.w3.org/2000/svg}"


def normalise(text: str) -> str:
    """The message form of a source text: soft line breaks become single spaces."""
    return _SPACE_RE.sub(" ", text.strip())


@dataclass(frozen=True)
class Segment:
    """One message: its text, where it comes from, and what kind of text it is."""

    msgid: str
    path: str
    line: int
    role: str  # title, summary, text, worksheet, figure
    professional: bool = False  # inside a ``::: professional`` passage


def figure_paths(handout: Handout) -> list[str]:
    """Figures a handout shows, as paths relative to handouts/."""
    return [src for src, _ in _figures(markdown.make_parser().parse(handout.body))]


def _figures(tokens: list[Token]) -> list[tuple[str, bool]]:
    """Each figure's path and whether it is inside a professional passage."""
    found = []
    depth = 0
    for token, _ in markdown.walk(tokens):
        depth += {"container_passage_open": 1, "container_passage_close": -1}.get(token.type, 0)
        if token.type == "image":
            found.append((str(token.attrs.get("src", "")), depth > 0))
    return found


def svg_texts(path: Path, rel: str) -> list[Segment]:
    """The text labels of an SVG figure (each <text>/<tspan> with its own characters)."""
    from lxml import etree

    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    segments = []
    for element in tree.iter(f"{SVG_NS}text", f"{SVG_NS}tspan"):
        if element.text and element.text.strip():
            segments.append(Segment(normalise(element.text), rel, element.sourceline or 0, "figure"))
    return segments


def segments(handout: Handout, project: Project) -> list[Segment]:
    """Every message of a handout, in reading order, duplicates kept (gettext merges them)."""
    rel = handout.path
    result = [
        Segment(handout.title, rel, handout.line_of("title"), "title"),
        Segment(handout.summary, rel, handout.line_of("summary"), "summary"),
    ]
    tokens = markdown.make_parser().parse(handout.body)
    depth = 0  # inside a professional passage when above 0
    for token in tokens:
        depth += {"container_passage_open": 1, "container_passage_close": -1}.get(token.type, 0)
        line = handout.body_line + (token.map[0] if token.map else 0)
        if token.type == "inline" and token.content.strip():
            result.append(Segment(normalise(token.content), rel, line, "text", depth > 0))
        elif token.type == "fence" and token.info.strip() == "worksheet":
            sheet, _ = worksheets.parse(token.content, rel, line + 1)
            if sheet is not None:
                result.extend(Segment(normalise(t), rel, line, "worksheet", depth > 0) for t in sheet.texts())
    for src, professional in _figures(tokens):
        path = project.handouts_dir / src
        if path.is_file() and path.suffix == ".svg":
            result.extend(replace(s, professional=professional) for s in svg_texts(path, project.relative(path)))
    return result
