"""The text layer of shaped runs: what screen readers, search and copy/paste get.

WeasyPrint 70 gives each glyph one ToUnicode string, the text of the first cluster it is
drawn in, and the empty string to every glyph but one of a cluster shaped into several
glyphs (Kozea/WeasyPrint#2841). Scripts whose shaping reorders, splits or joins letters
(Indic two-part vowels and conjuncts, Urdu Nastaliq, Myanmar, Khmer, Sinhala) then extract
as the wrong letters, or, in PDFium, as the glyph numbers read as Latin-1.

This module adapts the pinned version without copying its drawing code: before WeasyPrint
draws a line, ``install()``'s wrapper walks the line's glyph clusters itself, and after it
has drawn the line rewrites the line's text arrays. Left to right:

* every glyph that is alone in its cluster gets that cluster's text (the mapping WeasyPrint
  would give it, now also when the glyph was first seen inside a larger cluster), and every
  glyph of a larger cluster its own letter where the font maps one to it (the nominal glyph
  of a character of the cluster, or of its canonical decomposition), so that even readers
  that ignore marked content get the right letters in most clusters;
* a word with a cluster that is not one glyph whose ToUnicode string is its text is wrapped
  in ``/Span <</ActualText (...)>> BDC ... EMC``, the PDF specification's replacement text
  (ISO 32000-1, 14.9.4), which Chrome and Typst write for shaped runs too.

Right to left, replacement text cannot be right in every reader (see ``_plan_rtl_run``), so
a glyph that readers would misplace (a vowel mark or point set over its letter, a letter
raised on a Nastaliq cascade, a letter drawn as several glyphs) is drawn as its outline,
exactly where WeasyPrint puts the glyph, and its letters are carried by the same or the
font's own glyphs drawn invisibly on the baseline, in the order readers rebuild.

The marked content and paths sit inside WeasyPrint's own tagging span, so the structure
tree is unchanged. Lines whose clusters all map one glyph to their own text on the
baseline (Latin, Cyrillic, Greek, CJK, unvocalised Arabic) are drawn exactly as before.
Everything here depends only on the shaped line, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import unicodedata
from collections.abc import Callable, Iterator
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
    cache = _Cache()  # for the life of the process, shared by its documents

    def draw_first_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, matrix: Any) -> Any:
        plan = _plan_line(stream, textbox, text_overflow, block_ellipsis, cache)
        mark = len(stream.stream)
        emojis = original(stream, textbox, text_overflow, block_ellipsis, matrix)
        if plan is not None:
            stream.stream[mark:] = _wrap(stream.stream[mark:], plan, _rendering_mode(stream.stream, mark), stream)
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


# One left-to-right cluster as planned: its text, the glyphs WeasyPrint writes for it, and
# whether its glyph's ToUnicode string is its text, on its pen position.
_Cluster = tuple[str, int, bool]


@dataclass(frozen=True)
class _Form:
    """A glyph's outline as a form XObject: drawn once per document, placed with ``Do``
    wherever the glyph is hidden."""

    name: str  # its name in the page resources
    path: bytes  # PDF path operators in font units
    box: tuple[float, float, float, float]
    upem: int


@dataclass(frozen=True)
class _Hidden:
    """A right-to-left glyph that readers would place wrongly (a mark set over its letter,
    a letter raised on a Nastaliq cascade, a glyph of a letter drawn in several parts):
    drawn as its outline, where WeasyPrint would draw it, after ``carriers``, glyphs drawn
    invisibly (rendering mode 3) on the baseline where its pen stands, which give readers
    its letters in place."""

    carriers: tuple[tuple[int, int], ...]  # (glyph, advance in thousandths of the font size)
    width: int  # advance of the glyph's cluster, thousandths of the font size
    shifted: bool  # WeasyPrint writes an x offset number right before the glyph
    form: _Form  # the glyph's outline
    nudge: int = 0  # for a zero-width cluster: how far before the pen its carriers start


# For each glyph WeasyPrint will write for a line, in order: the (span number, replacement
# text) of the word it belongs to, a hidden glyph's carriers, or None where its ToUnicode
# string is its text.
_Entry = tuple[int, str] | _Hidden | None


@dataclass
class _Plan:
    entries: list[_Entry]
    advances: list[int]  # of each glyph written, thousandths of the font size (its /W)
    blanks: list[bool]  # of each glyph written: whether it is a space


def _plan_line(stream: Any, textbox: Any, text_overflow: str, block_ellipsis: str, cache: _Cache) -> _Plan | None:
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
    entries: list[_Entry] = []
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
            entries.extend(_plan_rtl_run(cache, font, size, glyph_item, utf8))
        else:
            entries.extend(_plan_run(cache, font, glyph_item, utf8, numbers))
        runs.append((font, size, glyph_item))
    if all(entry is None for entry in entries):
        return None
    # Where each glyph moves the pen, and whether it is a space: for rewriting the line.
    advances: list[int] = []
    blanks: list[bool] = []
    for font, size, glyph_item in runs:
        infos = glyph_item.glyphs.glyphs
        for text, indices in _clusters(glyph_item, utf8):
            drawn = [infos[i].glyph for i in indices if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
            advances.extend(_advance(font, size, glyph_item, glyph) for glyph in drawn)
            blanks.extend(text.isspace() for _ in drawn)
    return _Plan(entries, advances, blanks)


def _clusters(glyph_item: Any, utf8: bytes) -> list[tuple[str, list[int]]]:
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


def _plan_run(cache: _Cache, font: Any, glyph_item: Any, utf8: bytes, numbers: Iterator[int]) -> list[_Entry]:
    """A left-to-right run's glyphs' spans, in the order WeasyPrint writes them; gives the
    glyphs their ToUnicode strings on the way."""
    from weasyprint.text.ffi import pango

    glyph_string = glyph_item.glyphs
    count = glyph_string.num_glyphs
    infos = glyph_string.glyphs
    offset, length = glyph_item.item.offset, glyph_item.item.length
    if _one_to_one(font, glyph_string, utf8[offset : offset + length]):
        return [None] * count
    exact: set[int] = font.__dict__.setdefault("_press_exact", set())
    planned: list[_Cluster] = []
    for text, indices in _clusters(glyph_item, utf8):
        moved = any(infos[i].geometry.x_offset or infos[i].geometry.y_offset for i in indices)
        glyphs = [infos[i].glyph for i in indices if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
        shown = "".join(c for c in text if c not in _LAYOUT_ONLY)
        if not glyphs:
            # WeasyPrint writes no glyph for it, only its advance; a joiner still belongs
            # to the text, and goes in its word's span.
            if shown and not shown.isspace():
                planned.append((shown, 0, False))
            continue
        simple = _maps_exactly(font, glyphs, text, exact)
        if not simple and len(glyphs) > 1:
            _map_parts(cache.nominal, font, glyphs, text, exact)
        # A glyph moved off its pen position (a Thai or Myanmar mark set back over its
        # letter, a Devanagari mark raised) is set apart from its word by readers that
        # read positions (Poppler put such marks on lines of their own), so its word
        # carries its text.
        planned.append((shown, len(glyphs), simple and not moved))
    return _spans(planned, numbers)


def _plan_rtl_run(cache: _Cache, font: Any, size: float, glyph_item: Any, utf8: bytes) -> list[_Entry]:
    """A right-to-left run's glyphs, in the order WeasyPrint writes them (visual order).

    Readers rebuild a right-to-left line from the positions of its glyphs: they read the
    letters left to right and reverse the line. Replacement text does not survive that in
    both: Poppler reverses a span's text with its line, PDFium keeps the order of a span's
    parts between its marks, so no span text is right in both once a word has a vowel mark
    (ISO 32000 leaves the order unspecified). What both read right is plain glyphs on the
    baseline, each with its own letter, a mark just before (left of) its letter. So a glyph
    that is raised, lowered or moved sideways is drawn as its outline, which no reader
    takes for text (as a glyph, even one whose text is suppressed, a raised mark made PDFium
    start a new line and put the inline boxes after it out of order), and its text moves
    to a carrier: the same glyph, invisible, on the baseline at its pen position (a
    zero-width mark a little before it). Several letters drawn as one glyph are given in
    visual order (both readers reverse them with the line); a letter drawn as several
    glyphs is carried by its own nominal glyph, scaled to the cluster's width.
    """
    from weasyprint.text.ffi import pango

    glyph_string = glyph_item.glyphs
    offset, length = glyph_item.item.offset, glyph_item.item.length
    if _one_to_one(font, glyph_string, utf8[offset : offset + length], rtl=True):
        return [None] * glyph_string.num_glyphs
    infos = glyph_string.glyphs
    exact: set[int] = font.__dict__.setdefault("_press_exact", set())
    entries: list[_Entry] = []
    zero: list[bool] = []  # per written glyph: whether it has no advance

    def own(i: int) -> tuple[int, int]:
        return infos[i].glyph, _advance(font, size, glyph_item, infos[i].glyph)

    def hidden(i: int, carriers: tuple[tuple[int, int], ...], width: int) -> _Hidden:
        return _Hidden(carriers, width, bool(infos[i].geometry.x_offset), cache.form(font, infos[i].glyph))

    def moved(i: int) -> bool:
        return bool(infos[i].geometry.x_offset or infos[i].geometry.y_offset)

    for text, indices in _clusters(glyph_item, utf8):
        written = [i for i in indices if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
        shown = "".join(c for c in text if c not in _LAYOUT_ONLY)
        glyphs = [infos[i].glyph for i in written]
        if len(written) == 1:
            i = written[0]
            zero.append(infos[i].geometry.width == 0)
            if glyphs[0] & pango.PANGO_GLYPH_UNKNOWN_FLAG or not shown:
                entries.append(None)  # .notdef (WeasyPrint maps it) or a space
            elif _maps_exactly(font, glyphs, shown[::-1], exact):
                entries.append(hidden(i, (own(i),), _thousandths(infos[i].geometry.width, size)) if moved(i) else None)
            else:
                carriers = _nominal_carriers(cache.nominal, font, size, glyph_item, shown[::-1], exact)
                entries.append(hidden(i, carriers, _thousandths(infos[i].geometry.width, size)))
            continue
        if not written:
            continue
        # Glyphs left without a letter of their own are drawn as outlines only, so they
        # need no (empty) ToUnicode string.
        _map_parts(cache.nominal, font, glyphs, text, exact, blank=False)
        parts = [font.to_unicode.get(g, "") for g in glyphs]
        if all(len(part) == 1 for part in parts) and sorted("".join(parts)) == sorted(shown):
            # A letter and its marks, each its own glyph (hamza-yeh and tanwin): each
            # glyph is read as a cluster of its own.
            zero.extend(infos[i].geometry.width == 0 for i in written)
            entries.extend(hidden(i, (own(i),), _thousandths(infos[i].geometry.width, size)) if moved(i) else None for i in written)
            continue
        # A letter in several glyphs: all hidden, its nominal glyph carries it.
        carriers = _nominal_carriers(cache.nominal, font, size, glyph_item, shown[::-1], exact)
        width = _thousandths(sum(infos[i].geometry.width for i in indices), size)
        zero.extend(width == 0 for _ in written)
        entries.extend(hidden(i, carriers if k == 0 else (), width) for k, i in enumerate(written))
    drawn = [i for i in range(glyph_item.glyphs.num_glyphs) if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
    return _order_zero_width(entries, zero, [own(i) for i in drawn], lambda glyph: cache.form(font, glyph))


def _order_zero_width(entries: list[_Entry], zero: list[bool], glyphs: list[tuple[int, int]], outline: Callable[[int], _Form]) -> list[_Entry]:
    """Zero-width glyphs drawn at one pen position (the alef of a lam-alef with a vowel
    mark between) are read in the order of their carriers' positions: every glyph of such
    a run is carried, each a little further before the pen than the one after it."""
    out = list(entries)
    k = 0
    while k < len(out):
        if not zero[k]:
            k += 1
            continue
        end = k
        while end < len(out) and zero[end]:
            end += 1
        if any(isinstance(e, _Hidden) for e in out[k:end]):
            for j in range(k, end):
                entry, nudge = out[j], (end - j) * _NUDGE
                if isinstance(entry, _Hidden):
                    out[j] = _Hidden(entry.carriers, 0, entry.shifted, entry.form, nudge)
                elif entry is None:
                    out[j] = _Hidden((glyphs[j],), 0, False, outline(glyphs[j][0]), nudge)
        k = end
    return out


def _nominal_carriers(nominal: _Nominal, font: Any, size: float, glyph_item: Any, letters: str, exact: set[int]) -> tuple[tuple[int, int], ...]:
    """The font's own glyph for each letter, mapped to that letter; a letter the font has
    no glyph of, or whose glyph already stands for other text, is left out."""
    carriers = []
    for char in letters:
        glyph = nominal.glyph(font.hb_font, char)
        if glyph is None or glyph == 0:
            continue
        if glyph not in exact:
            font.to_unicode[glyph] = char
            exact.add(glyph)
        if font.to_unicode[glyph] == char:
            carriers.append((glyph, _advance(font, size, glyph_item, glyph)))
    return tuple(carriers)


class _Cache:
    """What the text layer keeps for the life of the process: the nominal-glyph look-up,
    and glyph outlines read with fontTools from the faces WeasyPrint embeds. A face is
    known by WeasyPrint's name for it (a digest of its description) and its size in
    bytes, which the font configuration of one process does not change."""

    def __init__(self) -> None:
        self.faces: dict[tuple[str, int], Any] = {}
        self.forms: dict[tuple[str, int, int], _Form] = {}
        self._nominal: _Nominal | None = None

    @property
    def nominal(self) -> _Nominal:
        if self._nominal is None:
            self._nominal = _Nominal()
        return self._nominal

    def form(self, font: Any, glyph: int) -> _Form:
        key = (font.hash, len(font.file_content), glyph)
        if key not in self.forms:
            self.forms[key] = self._read(font, glyph)
        return self.forms[key]

    def _read(self, font: Any, glyph: int) -> _Form:
        from fontTools.pens.basePen import BasePen
        from fontTools.ttLib import TTFont

        face_key = (font.hash, len(font.file_content))
        if face_key not in self.faces:
            self.faces[face_key] = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        face = self.faces[face_key]
        parts: list[bytes] = []
        xs: list[float] = [0.0]
        ys: list[float] = [0.0]

        def point(*points: tuple[float, float]) -> bytes:
            for x, y in points:
                xs.append(x)
                ys.append(y)
            return b" ".join(b"%d" % round(v) for xy in points for v in xy)

        class Pen(BasePen):  # type: ignore[misc]
            def _moveTo(self, pt: tuple[float, float]) -> None:
                parts.append(point(pt) + b" m")

            def _lineTo(self, pt: tuple[float, float]) -> None:
                parts.append(point(pt) + b" l")

            def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
                parts.append(point(p1, p2, p3) + b" c")

            def _closePath(self) -> None:
                parts.append(b"h")

        glyphs = face.getGlyphSet()
        glyphs[face.getGlyphName(glyph)].draw(Pen(glyphs))
        # Control points bound the curves, so the box holds the whole glyph.
        box = (min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1)
        return _Form(f"G{font.hash}g{glyph}", b" ".join(parts), box, int(face["head"].unitsPerEm))


def _thousandths(pango_width: float, size: float) -> int:
    from weasyprint.text.ffi import FROM_UNITS

    return round(pango_width * 1000 * FROM_UNITS / size) if size else 0


def _advance(font: Any, size: float, glyph_item: Any, glyph: int) -> int:
    """The glyph's advance as the PDF's /W gives it, computed as WeasyPrint computes it,
    and recorded so that a carrier WeasyPrint does not draw itself has its width too."""
    from weasyprint.text.ffi import ffi, pango

    if glyph not in font.widths:
        ink, logical = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
        pango.pango_font_get_glyph_extents(glyph_item.item.analysis.font, glyph, ink, logical)
        font.widths[glyph] = _thousandths(logical.width, size)
    return int(font.widths[glyph])


def _spans(planned: list[_Cluster], numbers: Iterator[int]) -> list[_Entry]:
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


def _expand(groups: list[tuple[str, int, bool]], numbers: Iterator[int]) -> list[_Entry]:
    out: list[tuple[int, str] | None] = []
    for text, count, needs in groups:
        if needs and count == 0 and out and out[-1] is not None:
            # A joiner with no glyph of its own after a word's span: it joins that span.
            number, before = out[-1]
            out = [(number, before + text) if span == out[-1] else span for span in out]
            continue
        span = (next(numbers), text) if needs else None
        out.extend([span] * count)
    return list(out)


def _one_to_one(font: Any, glyph_string: Any, run: bytes, rtl: bool = False) -> bool:
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
    infos = list(struct.iter_unpack("=IiiiI", ffi.buffer(glyph_string.glyphs, count * _INFO_SIZE)))
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


def _wrap(operations: list[Any], plan: _Plan, mode: bytes, stream: Any) -> list[Any]:
    """WeasyPrint's operators for the line, with each planned span's glyphs between
    ``/Span <</ActualText ...>> BDC`` and ``EMC``, and each run of hidden glyphs drawn as
    outlines after their carriers; text arrays are split there, and nothing else changes.
    ``mode`` is the text rendering mode the line is drawn in, restored after carriers;
    ``stream`` is WeasyPrint's, whose resources get the glyphs' forms."""
    import pydyf

    entries = iter(zip(plan.entries, plan.advances, plan.blanks, strict=True))
    result: list[Any] = []
    current: tuple[int, str] | None = None
    rise, size, pen = b"0", 0.0, 0.0  # pen: from the line's start, in text space units
    matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    # The text array being rebuilt: each token with how far it moves the pen (text space
    # units) and whether it is a blank glyph (None for a number).
    chunk: list[tuple[bytes, float, bool | None]] = []
    drawn_at = rise  # the rise the pending text array was written at
    # Hidden glyphs not yet written, each with where its pen and its origin are, its rise
    # and the spaces it carries; the rise in force in the stream before the first.
    hidden: list[tuple[_Hidden, float, float, float, list[tuple[bytes, int, float]]]] = []
    hidden_from, hidden_to = rise, 0.0  # and where the pen is after the last

    def flush() -> None:
        if chunk:
            write_hidden()  # what comes first in the line goes first in the stream
            array = b"[" + b" ".join(token for token, _, _ in chunk) + b"] TJ"
            result.extend([drawn_at + b" Ts", array, rise + b" Ts"] if drawn_at != rise else [array])
            chunk.clear()

    def blank() -> bool:
        return bool(chunk) and all(kind is not False for _, _, kind in chunk) and any(kind for _, _, kind in chunk)

    def write_hidden() -> None:
        """The carriers of the run of hidden glyphs, invisible on the baseline, then their
        outlines; the text object opens again with the pen after the last."""
        if not hidden:
            return
        carriers: list[bytes] = [] if hidden_from in (b"0", b"0.0") else [b"0 Ts"]
        at = hidden[0][1]  # the stream's pen: where the first glyph's pen is
        for glyph, start, _, _, lead in hidden:
            if abs(start - at) > 1e-6:
                carriers.append(b"[" + _number((at - start) * 1000 / size) + b"] TJ")
            carriers.extend(_carriers(glyph, lead))
            at = start
        outlines = [b"ET"]
        for glyph, _, origin, height, _ in hidden:
            outlines.extend(_drawn(glyph.form, stream, matrix, origin, height, size))
        outlines.extend([b"BT", _text_matrix(matrix, hidden_to)])
        if rise not in (b"0", b"0.0"):
            outlines.append(rise + b" Ts")
        result.extend([b"3 Tr", *carriers, mode + b" Tr", *outlines])
        hidden.clear()

    for operation in operations:
        if not (isinstance(operation, bytes) and operation.startswith(b"[") and operation.endswith(b"] TJ")):
            is_rise = isinstance(operation, bytes) and operation.endswith(b" Ts")
            if is_rise and hidden:
                rise = operation[:-3]  # written after the hidden glyphs, if still needed
                continue
            # Spaces alone may wait over a change of rise for the glyph after them.
            if not (blank() and is_rise):
                write_hidden()
                flush()
            if isinstance(operation, bytes):
                if is_rise:
                    rise = operation[:-3]
                elif operation.endswith(b" Tf"):
                    size = float(operation.split()[-2])
                elif operation.endswith(b" Tm"):
                    matrix = tuple(float(v) for v in operation.split()[:6])  # type: ignore[assignment]
                    pen = 0.0
            result.append(operation)
            continue
        if not chunk:
            drawn_at = rise
        for hex_codes, number in _TJ.findall(operation[1:-4]):
            if number:
                move = -float(number) * size / 1000
                chunk.append((number, move, None))
                pen += move
                continue
            for k in range(0, len(hex_codes), 4):
                entry, advance, space = next(entries)
                code = b"<" + hex_codes[k : k + 4] + b">"
                span = entry if isinstance(entry, tuple) else None
                if isinstance(entry, _Hidden) and mode == b"0":
                    # The x offset WeasyPrint writes before a moved glyph belongs to it;
                    # the carriers start from the pen before it.
                    origin = pen
                    if entry.shifted and chunk and chunk[-1][2] is None:
                        pen -= chunk.pop()[1]
                    lead: list[tuple[bytes, int, float]] = []
                    if blank():
                        # Spaces alone since the last glyph: carried with this glyph.
                        at = -sum(move for _, move, _ in chunk) * 1000 / size
                        for token, move, kind in chunk:
                            if kind:
                                lead.append((token, round(move * 1000 / size), at))
                            at += move * 1000 / size
                        chunk.clear()
                        if not hidden:
                            result.append(_text_matrix(matrix, pen))
                    if hidden and all(kind is None for _, _, kind in chunk):
                        chunk.clear()  # moves between hidden glyphs: each is placed by its pen
                    flush()
                    if current is not None:
                        result.append(b"EMC")
                        current = None
                    if not hidden:
                        hidden_from = rise
                    hidden.append((entry, pen, origin, float(rise), lead))
                    pen = hidden_to = origin + advance * size / 1000
                    continue
                if span != current or hidden:
                    write_hidden()
                    flush()
                    if current is not None:
                        result.append(b"EMC")
                    current = span
                    if span is not None:
                        result.extend([b"/Span", pydyf.Dictionary({"ActualText": pydyf.String(span[1])}), b"BDC"])
                move = advance * size / 1000
                chunk.append((code, move, space))
                pen += move
        # Moves after a hidden glyph wait for the glyphs after them, which may be hidden too.
        if not blank() and not (hidden and all(kind is None for _, _, kind in chunk)):
            flush()
    write_hidden()
    flush()
    if current is not None:
        result.append(b"EMC")
    return result


def _drawn(form: _Form, stream: Any, matrix: tuple[float, ...], x: float, rise: float, size: float) -> list[bytes]:
    """The glyph's outline filled where WeasyPrint would draw the glyph: its origin at
    ``x`` along the line and ``rise`` above it, in the line's text matrix, outside the
    text object. A form XObject rather than a path in the line, so that a glyph drawn a
    thousand times (a Nastaliq letter) is stored once."""
    import pydyf

    x_objects = stream._resources["XObject"]
    if form.name not in x_objects:
        extra = {"Type": "/XObject", "Subtype": "/Form", "BBox": pydyf.Array(form.box)}
        x_objects[form.name] = pydyf.Stream([form.path + b" f"], extra=pydyf.Dictionary(extra), compress=stream.compress)
    a, b, c, d, e, f = matrix
    scale = size / form.upem
    placed = [_fine(scale * v) for v in (a, b, c, d)] + [_number(x * a + rise * c + e), _number(x * b + rise * d + f)]
    return [b"q", b" ".join(placed) + b" cm", b"/" + form.name.encode() + b" Do", b"Q"]


def _fine(value: float) -> bytes:
    # Eight decimals: a glyph's scale (font size over units per em) is a few hundredths.
    return (b"%.8f" % value).rstrip(b"0").rstrip(b".") or b"0"


def _text_matrix(matrix: tuple[float, ...], pen: float) -> bytes:
    a, b, c, d, e, f = matrix
    return b" ".join(_number(v) for v in (a, b, c, d, e + pen * a, f + pen * b)) + b" Tm"


# Thousandths of the font size by which the carrier of a zero-width glyph (a mark) stands
# before its pen position, so that readers take it as coming before the letter there
# (it is drawn after it in the stream) and not as a copy of it.
_NUDGE = 10


def _carriers(hidden: _Hidden, lead: list[tuple[bytes, int, float]]) -> list[bytes]:
    """The text arrays of a hidden glyph's carriers (drawn invisibly on the baseline),
    from its pen position: each in an equal part of its cluster's width (of a few thousandths before
    the pen for a zero-width cluster), scaled horizontally to fill it, since readers take
    a glyph's extent from its advance; the pen ends where it started. ``lead`` are the
    spaces just before it (code, advance, position): they go in the first carrier's text
    array, because PDFium skips a text array of spaces alone (it has no extent)."""
    count = len(hidden.carriers)
    nudge = hidden.nudge or _NUDGE
    step = hidden.width / count if hidden.width > 0 and count else nudge / max(count, 1)
    start = 0.0 if hidden.width > 0 else -nudge
    arrays: list[tuple[float, list[tuple[bytes, int, float]]]] = []
    for k, (glyph, advance) in enumerate(hidden.carriers):
        scale = step / advance if advance > 0 else 1.0
        arrays.append((1.0 if abs(scale - 1) < 0.01 else scale, [(b"<%04x>" % glyph, advance, start + k * step)]))
    if lead:
        arrays = [(arrays[0][0], [*lead, *arrays[0][1]]), *arrays[1:]] if arrays else [(1.0, lead)]
    operators: list[bytes] = []
    for scale, items in arrays:
        # Under Tz every advance and every number moves the pen by its value times the scale.
        parts: list[bytes] = []
        pen = 0.0
        for code, advance, target in items:
            if abs(target - pen) > 1e-6:
                parts.append(_number((pen - target) / scale))
            parts.append(code)
            pen = target + advance * scale
        if abs(pen) > 1e-6:
            parts.append(_number(pen / scale))
        array = b"[" + b" ".join(parts) + b"] TJ"
        operators.extend([_number(100 * scale) + b" Tz", array, b"100 Tz"] if scale != 1.0 else [array])
    return operators


def _number(value: float) -> bytes:
    return (b"%.3f" % value).rstrip(b"0").rstrip(b".") or b"0"


def _rendering_mode(operations: list[Any], end: int) -> bytes:
    """The text rendering mode in force at ``end``: the last one set in the text object
    (WeasyPrint's SVG text sets one), else fill, the only one HTML text is drawn in."""
    for operation in reversed(operations[:end]):
        if isinstance(operation, bytes):
            if operation.endswith(b" Tr"):
                return operation[:-3]
            if operation == b"BT":
                break
    return b"0"


def _map_parts(nominal: _Nominal, font: Any, glyphs: list[int], text: str, exact: set[int], blank: bool = True) -> None:
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
