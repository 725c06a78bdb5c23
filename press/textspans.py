"""Replacement text for left-to-right shaped words (press/textlayer.py): a word with a
cluster that is not one glyph whose ToUnicode string is its text is wrapped in
``/Span <</ActualText (...)>> BDC ... EMC``, the PDF specification's replacement text
(ISO 32000-1, 14.9.4), which Chrome and Typst write for shaped runs too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .glyphmap import LAYOUT_ONLY, Nominal, clusters, map_parts, maps_exactly, one_to_one

# A span of one word: its number in the line and its replacement text.
Span = tuple[int, str]


# One left-to-right cluster as planned: its text, the glyphs WeasyPrint writes for it, and
# whether its glyph's ToUnicode string is its text, on its pen position.
_Cluster = tuple[str, int, bool]


def plan_ltr_run(nominal: Nominal, font: Any, glyph_item: Any, utf8: bytes, numbers: Iterator[int]) -> list[Span | None]:
    """A left-to-right run's glyphs' spans, in the order WeasyPrint writes them; gives the
    glyphs their ToUnicode strings on the way."""
    from weasyprint.text.ffi import pango

    glyph_string = glyph_item.glyphs
    count = glyph_string.num_glyphs
    infos = glyph_string.glyphs
    offset, length = glyph_item.item.offset, glyph_item.item.length
    if one_to_one(font, glyph_string, utf8[offset : offset + length]):
        return [None] * count
    exact: set[int] = font.__dict__.setdefault("_press_exact", set())
    planned: list[_Cluster] = []
    for text, indices in clusters(glyph_item, utf8):
        moved = any(infos[i].geometry.x_offset or infos[i].geometry.y_offset for i in indices)
        glyphs = [infos[i].glyph for i in indices if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
        shown = "".join(c for c in text if c not in LAYOUT_ONLY)
        if not glyphs:
            # WeasyPrint writes no glyph for it, only its advance; a joiner still belongs
            # to the text, and goes in its word's span.
            if shown and not shown.isspace():
                planned.append((shown, 0, False))
            continue
        simple = maps_exactly(font, glyphs, text, exact)
        if not simple and len(glyphs) > 1:
            map_parts(nominal, font, glyphs, text, exact)
        # A glyph moved off its pen position (a Thai or Myanmar mark set back over its
        # letter, a Devanagari mark raised) is set apart from its word by readers that
        # read positions (Poppler put such marks on lines of their own), so its word
        # carries its text.
        planned.append((shown, len(glyphs), simple and not moved))
    return _spans(planned, numbers)


def _spans(planned: list[_Cluster], numbers: Iterator[int]) -> list[Span | None]:
    """One span per word (the clusters between spaces) with a cluster that needs its text.

    Whole words, because a reader places a span's letters by the span's box: a span of a
    lone mark sits on the mark's own baseline.
    """
    groups: list[tuple[str, int, bool]] = []  # (text, glyph count, needs a span)
    word: list[_Cluster] = []

    def close() -> None:
        if word:
            text = "".join(t for t, _, _ in word)
            groups.append((text, sum(c[1] for c in word), not all(c[2] for c in word)))
            word.clear()

    for cluster in planned:
        if cluster[0].isspace():
            close()
            if groups and groups[-1][2] and cluster[2]:
                # The space after a span goes in it: PDFium drops a plain space that
                # follows replacement text, running two words together.
                text, count, _ = groups[-1]
                groups[-1] = (text + cluster[0], count + cluster[1], True)
            else:
                groups.append((cluster[0], cluster[1], not cluster[2]))
        else:
            word.append(cluster)
    close()
    return _expand(groups, numbers)


def _expand(groups: list[tuple[str, int, bool]], numbers: Iterator[int]) -> list[Span | None]:
    out: list[Span | None] = []
    for text, count, needs in groups:
        if needs and count == 0 and out and out[-1] is not None:
            # A joiner with no glyph of its own after a word's span: it joins that span.
            number, before = out[-1]
            out = [(number, before + text) if span == out[-1] else span for span in out]
            continue
        span = (next(numbers), text) if needs else None
        out.extend([span] * count)
    return out
