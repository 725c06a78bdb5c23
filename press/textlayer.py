"""The text layer of shaped runs: what screen readers, search and copy/paste get.

WeasyPrint 70 gives each glyph one ToUnicode string, the text of the first cluster it is
drawn in, and the empty string to every glyph but one of a cluster shaped into several
glyphs (Kozea/WeasyPrint#2841). Scripts whose shaping reorders, splits or joins letters
(Indic two-part vowels and conjuncts, Urdu Nastaliq, Myanmar, Khmer, Sinhala) then extract
as the wrong letters, or, in PDFium, as the glyph numbers read as Latin-1.

This module adapts the pinned version without copying its drawing code: before WeasyPrint
draws a line, ``install()``'s wrapper walks the line's glyph clusters itself and

* gives every glyph that is alone in its cluster that cluster's text (the mapping WeasyPrint
  would give it, now also when the glyph was first seen inside a larger cluster), and every
  glyph of a larger cluster its own letter where the font maps one to it (the nominal glyph
  of a character of the cluster, or of its canonical decomposition), so that even readers
  that ignore marked content get the right letters in most clusters;
* when any cluster of the line is not one glyph whose ToUnicode string is that cluster's
  text, wraps the line's glyphs in ``/Span <</ActualText (...)>> BDC ... EMC``, the PDF
  specification's replacement text (ISO 32000-1, 14.9.4), which Chrome and Typst write for
  shaped runs too. The marked content sits inside the text object and inside WeasyPrint's
  own tagging span, so the structure tree is unchanged.

A line is the unit because it is what WeasyPrint draws in one call, it keeps the text in
logical order whatever the direction, and it costs one marked-content pair a line. Lines
whose clusters all map one glyph to their own text (Latin, Cyrillic, Greek, CJK, most Arabic)
are drawn exactly as before. Everything here depends only on the shaped line, so the same
input gives the same bytes.
"""

from __future__ import annotations

import itertools
import re
import struct
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Characters a line may drop from its text layer: they draw nothing and exist for layout
# (the zero-width spaces that break Myanmar, Khmer, Lao and Thai lines; soft hyphens).
_LAYOUT_ONLY = frozenset("\u200b\u00ad")
_MARK = "_press_textlayer"


def install() -> None:
    """Wrap WeasyPrint's ``draw_first_line`` (used for HTML and SVG text); idempotent."""
    from weasyprint.draw import text

    if getattr(text.draw_first_line, _MARK, False):
        return
    from weasyprint.text.ffi import ffi

    if ffi.sizeof("PangoGlyphInfo") != _INFO_SIZE:
        raise RuntimeError("PangoGlyphInfo is not laid out as press/textlayer.py reads it")
    original = text.draw_first_line

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, matrix: Any) -> Any:
        plan = _plan_line(stream, textbox, text_overflow, block_ellipsis)
        mark = len(stream.stream)
        emojis = original(stream, textbox, text_overflow, block_ellipsis, matrix)
        if plan is not None:
            stream.stream[mark:] = _wrap(stream.stream[mark:], plan)
        return emojis

    setattr(draw_first_line, _MARK, True)
    text.draw_first_line = draw_first_line


class _Nominal:
    """The font's own glyph for a character (HarfBuzz's cmap look-up), for glyphs that are
    one part of a larger cluster. WeasyPrint's cffi declarations do not include
    ``hb_font_get_nominal_glyph``, so it is declared here against the same library."""

    def __init__(self) -> None:
        import cffi

        self.ffi = cffi.FFI()
        self.ffi.cdef("int hb_font_get_nominal_glyph(void *font, uint32_t unicode, uint32_t *glyph);")
        from weasyprint.text.ffi import _dlopen

        # The same shared library WeasyPrint loaded, so its font pointers are valid here.
        self.lib = _dlopen(self.ffi, "libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0", "libharfbuzz.0.dylib")
        self.out = self.ffi.new("uint32_t *")

    def glyph(self, hb_font: Any, char: str) -> int | None:
        from weasyprint.text.ffi import ffi as weasy_ffi

        pointer = self.ffi.cast("void *", int(weasy_ffi.cast("uintptr_t", hb_font)))
        if self.lib.hb_font_get_nominal_glyph(pointer, ord(char), self.out):
            return int(self.out[0])
        return None


def _nominal(stream: Any) -> _Nominal:
    # One per stream's document fonts would do; one per process is enough and cheap.
    found = getattr(stream, "_press_nominal", None)
    if found is None:
        found = _Nominal()
        stream._press_nominal = found
    return found


# One cluster as planned: its text, the glyphs WeasyPrint writes for it, whether its glyph's
# ToUnicode string is its text, and whether a letter in it is raised or lowered.
_Cluster = tuple[str, int, bool, bool]


@dataclass
class _Plan:
    """For each glyph WeasyPrint will write for a line, in order, the replacement text of
    the span it belongs to, or None where the glyph's ToUnicode string is its text."""

    spans: list[tuple[int, str] | None]  # (span number, replacement text) per glyph


def _plan_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str) -> _Plan | None:
    """Set the ToUnicode strings of the line's glyphs, and plan ``/ActualText`` spans for the
    clusters that need one; None when the line needs none."""
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
    spans: list[tuple[int, str] | None] = []
    numbers = itertools.count()
    run = first_line.runs[0] if first_line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        font, _size = stream.add_font(glyph_item.item.analysis.font)
        if font.bitmap or font.svg or font.png or font.colr:
            return None  # emoji and bitmap faces: WeasyPrint's own handling, untouched
        spans.extend(_plan_run(stream, font, glyph_item, utf8, numbers))
    if all(span is None for span in spans):
        return None
    return _Plan(spans)


def _plan_run(stream: Any, font: Any, glyph_item: Any, utf8: bytes, numbers: Iterator[int]) -> list[tuple[int, str] | None]:
    """The run's glyphs' spans, in the order WeasyPrint writes them (visual order); gives the
    glyphs their ToUnicode strings on the way."""
    from weasyprint.text.ffi import pango

    glyph_string = glyph_item.glyphs
    count = glyph_string.num_glyphs
    infos = glyph_string.glyphs
    log_clusters = glyph_string.log_clusters
    offset, length = glyph_item.item.offset, glyph_item.item.length
    rtl = bool(glyph_item.item.analysis.level % 2)
    if not rtl and _one_to_one(font, glyph_string, utf8[offset : offset + length]):
        return [None] * count
    starts = sorted({log_clusters[i] for i in range(count)})
    ends = {s: (starts[k + 1] if k + 1 < len(starts) else length) for k, s in enumerate(starts)}
    # Consecutive glyphs with the same cluster start form one cluster, in visual order.
    clusters: list[tuple[int, list[int]]] = []
    for i in range(count):
        if clusters and clusters[-1][0] == log_clusters[i]:
            clusters[-1][1].append(infos[i].glyph)
        else:
            clusters.append((log_clusters[i], [infos[i].glyph]))
    exact: set[int] = font.__dict__.setdefault("_press_exact", set())
    planned: list[_Cluster] = []
    index = 0
    for start, all_glyphs in clusters:
        text = utf8[offset + start : offset + ends[start]].decode()
        risen = any(infos[index + k].geometry.y_offset for k in range(len(all_glyphs)))
        moved = risen or any(infos[index + k].geometry.x_offset for k in range(len(all_glyphs)))
        index += len(all_glyphs)
        glyphs = [g for g in all_glyphs if g != pango.PANGO_GLYPH_EMPTY]
        shown = "".join(c for c in text if c not in _LAYOUT_ONLY)
        if not glyphs:
            # WeasyPrint writes no glyph for it, only its advance; a joiner (ZWNJ in
            # Persian) still belongs to the text, and goes in its word's span.
            if shown and not shown.isspace():
                planned.append((shown, 0, False, False))
            continue
        simple = _maps_exactly(font, glyphs, text, exact)
        if not simple and len(glyphs) > 1:
            _map_parts(stream, font, glyphs, text, exact)
        # A glyph moved off its pen position (a Thai or Myanmar mark set back over its
        # letter, a Devanagari mark raised) is set apart from its word by readers that
        # read positions (Poppler put such marks on lines of their own), so its word
        # carries its text. Right to left only raised letters count (a Nastaliq
        # word's cascade): PDFium misplaces the marks of a span, so Arabic and Hebrew
        # marks keep their own glyphs' text. A glyph of several letters right to left is
        # a span too, since readers cannot tell in which order its letters go.
        risen_letter = risen and any(unicodedata.category(c)[0] != "M" for c in text)
        simple = simple and not ((moved and not rtl) or risen_letter) and (not rtl or len(text) == 1)
        planned.append((shown, len(glyphs), simple, risen_letter))
    return _spans(planned, numbers, rtl)


def _spans(planned: list[_Cluster], numbers: Iterator[int], rtl: bool) -> list[tuple[int, str] | None]:
    """One span per word (the clusters between spaces) with a cluster that needs its text.

    Whole words, because a reader places a span's letters by the span's box: a span of a
    lone mark sits on the mark's own baseline, and spans of single clusters inside a
    Nastaliq word, whose glyphs step up and down, made PDFium break words into lines.
    Right to left, the span's text is the word's letters in the order its glyphs stand on
    the page (reading order reversed), because readers put a right-to-left line into
    reading order after extracting it, replacement text included: Poppler and PDFium both
    print a span given in reading order backwards.
    """
    groups: list[tuple[str, int, bool]] = []  # (text, glyph count, needs a span)
    word: list[_Cluster] = []

    def close() -> None:
        if word:
            text = "".join(t[::-1] if rtl else t for t, _, _, _ in word)
            groups.append((text, sum(c[1] for c in word), not all(c[2] for c in word)))
            word.clear()

    for cluster in planned:
        if cluster[0].isspace():
            close()
            if not rtl and groups and groups[-1][2] and cluster[2]:
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


def _expand(groups: list[tuple[str, int, bool]], numbers: Iterator[int]) -> list[tuple[int, str] | None]:
    out: list[tuple[int, str] | None] = []
    for text, count, needs in groups:
        if needs and count == 0 and out and out[-1] is not None:
            # A joiner with no glyph of its own after a word's span: it joins that span.
            number, before = out[-1]
            out = [(number, before + text) if span == out[-1] else span for span in out]
            continue
        span = (next(numbers), text) if needs else None
        out.extend([span] * count)
    return out


def _one_to_one(font: Any, glyph_string: Any, run: bytes) -> bool:
    """The common case, checked in bulk: a left-to-right run of one glyph per character,
    none moved off its pen position, each glyph new or already mapped to its character
    (Latin, Cyrillic, Greek, CJK). Maps the new glyphs; False leaves the run, untouched,
    to the cluster by cluster planning."""
    from weasyprint.text.ffi import ffi, pango

    text = run.decode()
    count = glyph_string.num_glyphs
    if count != len(text):
        return False
    # PangoGlyphInfo: glyph, then width, x_offset, y_offset, then the attribute bits.
    infos = list(struct.iter_unpack("=IiiiI", ffi.buffer(glyph_string.glyphs, count * _INFO_SIZE)))
    if any(x or y for _, _, x, y, _ in infos):
        return False
    starts = list(range(count)) if run.isascii() else [0, *itertools.accumulate(len(c.encode()) for c in text[:-1])]
    if ffi.unpack(glyph_string.log_clusters, count) != starts:
        return False
    exact: set[int] = font.__dict__.setdefault("_press_exact", set())
    to_unicode = font.to_unicode
    new: dict[int, str] = {}
    for (glyph, *_), char in zip(infos, text, strict=True):
        if glyph in exact:
            if to_unicode[glyph] != char:
                return False
        elif glyph == pango.PANGO_GLYPH_EMPTY or glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG or new.setdefault(glyph, char) != char:
            return False
    for glyph, char in new.items():
        to_unicode[glyph] = char
        exact.add(glyph)
    return True


_INFO_SIZE = 20  # sizeof(PangoGlyphInfo), checked against cffi on first use in install()


def _maps_exactly(font: Any, glyphs: list[int], text: str, exact: set[int]) -> bool:
    """Whether the cluster is one glyph whose ToUnicode string is the cluster's text; gives
    the glyph that string when it has none yet (or only a provisional one)."""
    from weasyprint.text.ffi import pango

    if len(glyphs) != 1 or glyphs[0] & pango.PANGO_GLYPH_UNKNOWN_FLAG:
        return False  # .notdef: WeasyPrint picks its glyph id and maps it itself
    glyph = glyphs[0]
    if glyph not in exact:
        font.to_unicode[glyph] = text
        exact.add(glyph)
    return bool(font.to_unicode[glyph] == text)


_TJ = re.compile(rb"<([0-9a-f]*)>|(-?[0-9.]+(?:e-?[0-9]+)?)")


def _wrap(operations: list[Any], plan: _Plan) -> list[Any]:
    """WeasyPrint's operators for the line, with each planned span's glyphs between
    ``/Span <</ActualText ...>> BDC`` and ``EMC``; text arrays are split where a span
    starts or ends, and nothing else changes."""
    import pydyf

    spans = iter(plan.spans)
    result: list[Any] = []
    current: tuple[int, str] | None = None
    for operation in operations:
        if not (isinstance(operation, bytes) and operation.startswith(b"[") and operation.endswith(b"] TJ")):
            result.append(operation)
            continue
        chunk: list[bytes] = []
        for hex_codes, number in _TJ.findall(operation[1:-4]):
            if number:
                chunk.append(number)
                continue
            for k in range(0, len(hex_codes), 4):
                span = next(spans)
                if span != current:
                    if chunk:
                        result.append(b"[" + b" ".join(chunk) + b"] TJ")
                        chunk = []
                    if current is not None:
                        result.append(b"EMC")
                    if span is not None:
                        result.extend([b"/Span", pydyf.Dictionary({"ActualText": pydyf.String(span[1])}), b"BDC"])
                    current = span
                chunk.append(b"<" + hex_codes[k : k + 4] + b">")
        if chunk:
            result.append(b"[" + b" ".join(chunk) + b"] TJ")
    if current is not None:
        result.append(b"EMC")
    return result


def _map_parts(stream: Any, font: Any, glyphs: list[int], text: str, exact: set[int]) -> None:
    """ToUnicode strings for the glyphs of one cluster drawn as several glyphs: each its own
    letter where the font maps one to it, the rest of the cluster's letters to the first
    glyph left over. These are provisional: a glyph later seen alone in a cluster takes that
    cluster's text instead."""
    nominal = _nominal(stream)
    letters = list(dict.fromkeys(text + unicodedata.normalize("NFD", text)))
    own: dict[int, str] = {}
    for char in letters:
        glyph = nominal.glyph(font.hb_font, char)
        if glyph is not None and glyph in glyphs and glyph not in own:
            own[glyph] = char
    used = set(own.values())
    # Letters no glyph took as its own (neither they nor their parts), in logical order.
    rest = "".join(c for c in text if c not in used and not used.intersection(unicodedata.normalize("NFD", c)))
    for glyph in glyphs:
        if glyph in exact or font.to_unicode.get(glyph):
            continue
        if glyph in own:
            font.to_unicode[glyph] = own[glyph]
        elif rest:
            font.to_unicode[glyph], rest = rest, ""
        else:
            font.to_unicode.setdefault(glyph, "")
