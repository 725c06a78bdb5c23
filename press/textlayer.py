"""The text layer of shaped runs: what screen readers, search and copy/paste get.

WeasyPrint 70 gives each glyph one ToUnicode string, the text of the first cluster it is
drawn in, and the empty string to every glyph but one of a cluster shaped into several
glyphs (Kozea/WeasyPrint#2841). Scripts whose shaping reorders, splits or joins letters
(Indic two-part vowels and conjuncts, Urdu Nastaliq, Myanmar, Khmer, Sinhala) then extract
as the wrong letters, or, in PDFium, as the glyph numbers read as Latin-1.

This module adapts the pinned version without copying its drawing code: before WeasyPrint
draws a line, ``install()``'s wrapper plans the line's glyph clusters, and after it has
drawn the line rewrites the line's text arrays:

* press/glyphmap.py gives the glyphs their ToUnicode strings;
* press/textspans.py wraps left-to-right words that still need it in ``/ActualText``;
* press/rtltext.py draws the right-to-left glyphs readers would misplace as outlines, their
  letters carried by invisible glyphs on the baseline;
* press/textrewrite.py rewrites WeasyPrint's operators for the line accordingly.

The marked content and paths sit inside WeasyPrint's own tagging span, so the structure
tree is unchanged. Lines whose clusters all map one glyph to their own text on the
baseline (Latin, Cyrillic, Greek, CJK, unvocalised Arabic) are drawn exactly as before.
Everything here depends only on the shaped line, so the same input gives the same bytes.
"""
from __future__ import annotations

import itertools
from typing import Any

from .glyphmap import INFO_SIZE, advance, clusters
from .rtltext import GlyphCache, plan_rtl_run
from .textrewrite import Entry, Plan, rendering_mode, rewrite_line
from .textspans import plan_ltr_run

_MARK = "_press_textlayer"


def install() -> None:
    """Wrap WeasyPrint's ``draw_first_line`` (used for HTML and SVG text); idempotent."""
    from weasyprint.draw import text

    if getattr(text.draw_first_line, _MARK, False):
        return
    from weasyprint.text.ffi import ffi

    if ffi.sizeof("PangoGlyphInfo") != INFO_SIZE:
        raise RuntimeError("PangoGlyphInfo is not laid out as press/glyphmap.py reads it")
    original = text.draw_first_line
    cache = GlyphCache()  # for the life of the process, shared by its documents

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, matrix: Any) -> Any:
        plan = _plan_line(stream, textbox, text_overflow, block_ellipsis, cache)
        mark = len(stream.stream)
        emojis = original(stream, textbox, text_overflow, block_ellipsis, matrix)
        if plan is not None:
            stream.stream[mark:] = rewrite_line(stream.stream[mark:], plan, rendering_mode(stream.stream, mark), stream)
        return emojis

    setattr(draw_first_line, _MARK, True)
    text.draw_first_line = draw_first_line


def _plan_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, cache: GlyphCache) -> Plan | None:
    """Set the ToUnicode strings of the line's glyphs, and plan ``/ActualText`` spans and
    hidden glyphs for the clusters that need them; None when the line needs none."""
    from weasyprint.text.ffi import ffi, pango

    if not textbox.text.strip() or textbox.style["font_size"] < 1e-6:
        return None
    if text_overflow == "ellipsis" or block_ellipsis != "none":
        return None  # WeasyPrint rewrites the line's text first; leave it as it draws it
    layout = textbox.pango_layout
    # As WeasyPrint does before it reads the line, so both see the same runs.
    pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
    first_line, _ = layout.get_first_line()
    utf8 = layout.text.encode()
    entries: list[Entry] = []
    runs: list[tuple[Any, float, Any]] = []
    numbers = itertools.count()
    run = first_line.runs[0] if first_line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        font, size = stream.add_font(glyph_item.item.analysis.font)
        if font.bitmap or font.svg or font.png or font.colr:
            return None  # emoji and bitmap faces: WeasyPrint's own handling, untouched
        if glyph_item.item.analysis.level % 2:
            entries.extend(plan_rtl_run(cache, font, size, glyph_item, utf8))
        else:
            entries.extend(plan_ltr_run(cache.nominal, font, glyph_item, utf8, numbers))
        runs.append((font, size, glyph_item))
    if all(entry is None for entry in entries):
        return None
    # Where each glyph moves the pen, and whether it is a space: for rewriting the line.
    advances: list[int] = []
    blanks: list[bool] = []
    for font, size, glyph_item in runs:
        infos = glyph_item.glyphs.glyphs
        for text, indices in clusters(glyph_item, utf8):
            drawn = [infos[i].glyph for i in indices if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
            advances.extend(advance(font, size, glyph_item, glyph) for glyph in drawn)
            blanks.extend(text.isspace() for _ in drawn)
    return Plan(entries, advances, blanks)
