"""ToUnicode strings for shaped clusters, and the glyph facts the text layer reads
from Pango's shaped runs (press/textlayer.py).

WeasyPrint 70 gives each glyph one ToUnicode string, the text of the first cluster it is
drawn in, and the empty string to every glyph but one of a cluster shaped into several
glyphs (Kozea/WeasyPrint#2841). Here each glyph alone in its cluster gets that cluster's
text, and each glyph of a larger cluster its own letter where the font maps one to it.
"""

from __future__ import annotations

import itertools
import struct
import unicodedata
from typing import Any

# Characters a line may drop from its text layer: they draw nothing and exist for layout
# (the zero-width spaces that break Myanmar, Khmer, Lao and Thai lines; soft hyphens).
LAYOUT_ONLY = frozenset("\u200b\u00ad")


INFO_SIZE = 20  # sizeof(PangoGlyphInfo), checked against cffi on first use in install()


class Nominal:
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


def clusters(glyph_item: Any, utf8: bytes) -> list[tuple[str, list[int]]]:
    """The run's clusters in visual order: each one's text and the indices of its glyphs
    (consecutive glyphs with the same cluster start)."""
    glyph_string = glyph_item.glyphs
    count = glyph_string.num_glyphs
    log_clusters = glyph_string.log_clusters
    offset, length = glyph_item.item.offset, glyph_item.item.length
    starts = sorted({log_clusters[i] for i in range(count)})
    ends = {s: (starts[k + 1] if k + 1 < len(starts) else length) for k, s in enumerate(starts)}
    found: list[tuple[int, list[int]]] = []
    for i in range(count):
        if found and found[-1][0] == log_clusters[i]:
            found[-1][1].append(i)
        else:
            found.append((log_clusters[i], [i]))
    return [(utf8[offset + start : offset + ends[start]].decode(), indices) for start, indices in found]


def one_to_one(font: Any, glyph_string: Any, run: bytes, rtl: bool = False) -> bool:
    """The common case, checked in bulk: a run of one glyph per character, in visual
    order, none moved off its pen position, each glyph new or already mapped to its
    character (Latin, Cyrillic, Greek, CJK, unvocalised Arabic). Maps the new glyphs;
    False leaves the run, untouched, to the cluster by cluster planning."""
    from weasyprint.text.ffi import ffi, pango

    text = run.decode()
    count = glyph_string.num_glyphs
    if count != len(text):
        return False
    # PangoGlyphInfo: glyph, then width, x_offset, y_offset, then the attribute bits.
    infos = list(struct.iter_unpack("=IiiiI", ffi.buffer(glyph_string.glyphs, count * INFO_SIZE)))
    if any(x or y for _, _, x, y, _ in infos):
        return False
    starts = list(range(count)) if run.isascii() else [0, *itertools.accumulate(len(c.encode()) for c in text[:-1])]
    if rtl:
        starts.reverse()
        text = text[::-1]
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


def maps_exactly(font: Any, glyphs: list[int], text: str, exact: set[int]) -> bool:
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


def map_parts(nominal: Nominal, font: Any, glyphs: list[int], text: str, exact: set[int], blank: bool = True) -> None:
    """ToUnicode strings for the glyphs of one cluster drawn as several glyphs: each its own
    letter where the font maps one to it, the rest of the cluster's letters to the first
    glyph left over. These are provisional: a glyph later seen alone in a cluster takes that
    cluster's text instead."""
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
        elif blank:
            font.to_unicode.setdefault(glyph, "")


def thousandths(pango_width: float, size: float) -> int:
    from weasyprint.text.ffi import FROM_UNITS

    return round(pango_width * 1000 * FROM_UNITS / size) if size else 0


def advance(font: Any, size: float, glyph_item: Any, glyph: int) -> int:
    """The glyph's advance as the PDF's /W gives it, computed as WeasyPrint computes it,
    and recorded so that a carrier WeasyPrint does not draw itself has its width too."""
    from weasyprint.text.ffi import ffi, pango

    if glyph not in font.widths:
        ink, logical = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
        pango.pango_font_get_glyph_extents(glyph_item.item.analysis.font, glyph, ink, logical)
        font.widths[glyph] = thousandths(logical.width, size)
    return int(font.widths[glyph])
