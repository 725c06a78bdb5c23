"""Figures: SVG diagrams inlined into the HTML with their labels translated.

Inlining (rather than linking) lets one SVG file serve every language: each label goes
through the catalog, and label fonts follow the language's font stack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from .segments import SVG_NS, normalise


def inline_svg(path: Path, translate: Callable[[str], str], font_family: str | None) -> tuple[str, str]:
    """The SVG markup with translated labels, and the file's content hash."""
    from lxml import etree

    data = path.read_bytes()
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True))
    for element in root.iter(f"{SVG_NS}text", f"{SVG_NS}tspan"):
        if element.text and element.text.strip():
            element.text = translate(normalise(element.text))
        if font_family and element.get("font-family"):
            element.set("font-family", font_family)
    for element in root.iter():
        # Scripts and event handlers have no place in a printed figure.
        if isinstance(element.tag, str) and element.tag.endswith("}script"):
            element.getparent().remove(element)
        for name in list(element.attrib):
            if name.startswith("on"):
                del element.attrib[name]
    markup = etree.tostring(root, encoding="unicode")
    return markup, hashlib.sha256(data).hexdigest()
