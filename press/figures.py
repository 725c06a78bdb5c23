"""Figures: SVG diagrams inlined into the HTML, with their labels set as HTML text.

WeasyPrint draws SVG text glyph by glyph without shaping, which breaks Arabic, Indic and
other complex scripts (letters unjoined, marks on dotted circles). So every label is
lifted out of the drawing and placed over it as an absolutely positioned HTML span,
which Pango shapes like any other text. The drawing itself (shapes, patterns, arrows)
stays SVG. Labels go through the catalog, so one SVG file serves every language.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from .segments import SVG_NS, normalise

MAX_WIDTH = 660.0  # px (CSS): the text column of an A4 or Letter page
MAX_HEIGHT = 359.0  # px: 95 mm, so a figure leaves room for its caption and text
LARGE_MAX_HEIGHT = 567.0  # px: 150 mm; large print fills the column, even past 100 %


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    size: float
    weight: str
    anchor: str
    colour: str


def _number(value: str | None, default: float = 0.0) -> float:
    match = re.match(r"-?[\d.]+", value or "")
    return float(match.group()) if match else default


def _labels(root: object, translate: Callable[[str], str]) -> list[Label]:
    labels = []
    for text in list(root.iter(f"{SVG_NS}text")):  # type: ignore[attr-defined]
        size = _number(text.get("font-size"), 16.0)
        weight = text.get("font-weight", "normal")
        anchor = text.get("text-anchor", "start")
        colour = text.get("fill", "#000")
        runs = [(text, text.text)] + [(t, t.text) for t in text.iter(f"{SVG_NS}tspan")]
        for element, content in runs:
            if content and content.strip():
                x = _number(element.get("x") or text.get("x"))
                y = _number(element.get("y") or text.get("y"))
                labels.append(Label(translate(normalise(content)), x, y, _number(element.get("font-size"), size), element.get("font-weight", weight), anchor, colour))
        text.getparent().remove(text)
    return labels


def inline_figure(path: Path, translate: Callable[[str], str], alt: str, large: bool = False) -> tuple[str, str]:
    """HTML for a figure: the drawing without its text, and the labels laid over it.

    Returns the markup and the SVG file's content hash."""
    from lxml import etree

    data = path.read_bytes()
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True))
    for element in list(root.iter()):
        # Scripts and event handlers have no place in a printed figure.
        if isinstance(element.tag, str) and element.tag.endswith("}script"):
            element.getparent().remove(element)
            continue
        for name in list(element.attrib):
            if name.startswith("on"):
                del element.attrib[name]
    box = [_number(v) for v in (root.get("viewBox") or "").replace(",", " ").split()]
    width = _number(root.get("width"), box[2] if len(box) == 4 else 600.0)
    height = _number(root.get("height"), box[3] if len(box) == 4 else 400.0)
    if len(box) != 4:
        box = [0.0, 0.0, width, height]
    # Large print draws a figure as wide as the column allows (labels grow with it);
    # standard print never enlarges one.
    scale = min(MAX_WIDTH / width, LARGE_MAX_HEIGHT / height) if large else min(1.0, MAX_WIDTH / width, MAX_HEIGHT / height)
    unit = scale * width / box[2]  # px per viewBox unit
    labels = _labels(root, translate)
    root.set("width", f"{width * scale:.2f}")
    root.set("height", f"{height * scale:.2f}")
    spans = []
    for label in labels:
        size = label.size * unit
        left = (label.x - box[0]) * unit
        top = (label.y - box[1]) * unit - 0.8 * size  # SVG y is the baseline
        span_width = 240 * unit
        if label.anchor == "middle":
            left -= span_width / 2
            align = "center"
        elif label.anchor == "end":
            left -= span_width
            align = "right"
        else:
            align = "left"
        spans.append(
            f'<span class="figure-label" style="left: {left:.2f}px; top: {top:.2f}px; width: {span_width:.2f}px; '
            f'font-size: {size:.2f}px; font-weight: {escape(label.weight)}; text-align: {align}; color: {escape(label.colour)}">'
            f"{escape(label.text)}</span>"
        )
    # The figure's alt text as the drawing's <title>: WeasyPrint tags an inline SVG as a
    # Figure and takes its /Alt from there (an aria-label on the wrapper is dropped).
    for old in root.findall(f"{SVG_NS}title"):
        root.remove(old)
    title = etree.Element(f"{SVG_NS}title")
    title.text = alt
    root.insert(0, title)
    svg = etree.tostring(root, encoding="unicode")
    markup = (
        f'<div class="figure-art" role="img" aria-label="{escape(alt)}" '
        f'style="width: {width * scale:.2f}px; height: {height * scale:.2f}px">{svg}{"".join(spans)}</div>'
    )
    return markup, hashlib.sha256(data).hexdigest()
