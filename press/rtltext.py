"""Right-to-left glyphs that readers would misplace (press/textlayer.py): vowel marks and
points set over their letters, letters raised on a Nastaliq cascade, letters drawn as
several glyphs. Each is drawn as its outline where WeasyPrint puts the glyph, and its
letters are carried by glyphs drawn invisibly on the baseline, in the order Poppler and
PDFium rebuild a right-to-left line; see ``plan_rtl_run`` for why not replacement text."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .glyphmap import LAYOUT_ONLY, Nominal, advance, clusters, map_parts, maps_exactly, one_to_one, thousandths

# Thousandths of the font size by which the carrier of a zero-width glyph (a mark) stands
# before its pen position, so that readers take it as coming before the letter there
# (it is drawn after it in the stream) and not as a copy of it.
NUDGE = 10


@dataclass(frozen=True)
class Form:
    """A glyph's outline as a form XObject: drawn once per document, placed with ``Do``
    wherever the glyph is hidden."""

    name: str  # its name in the page resources
    path: bytes  # PDF path operators in font units
    box: tuple[float, float, float, float]
    upem: int


@dataclass(frozen=True)
class Hidden:
    """A right-to-left glyph that readers would place wrongly (a mark set over its letter,
    a letter raised on a Nastaliq cascade, a glyph of a letter drawn in several parts):
    drawn as its outline, where WeasyPrint would draw it, after ``carriers``, glyphs drawn
    invisibly (rendering mode 3) on the baseline where its pen stands, which give readers
    its letters in place."""

    carriers: tuple[tuple[int, int], ...]  # (glyph, advance in thousandths of the font size)
    width: int  # advance of the glyph's cluster, thousandths of the font size
    shifted: bool  # WeasyPrint writes an x offset number right before the glyph
    form: Form  # the glyph's outline
    nudge: int = 0  # for a zero-width cluster: how far before the pen its carriers start


class GlyphCache:
    """What the text layer keeps for the life of the process: the nominal-glyph look-up,
    and glyph outlines read with fontTools from the faces WeasyPrint embeds. A face is
    known by WeasyPrint's name for it (a digest of its description) and its size in
    bytes, which the font configuration of one process does not change."""

    def __init__(self) -> None:
        self.faces: dict[tuple[str, int], Any] = {}
        self.forms: dict[tuple[str, int, int], Form] = {}
        self._nominal: Nominal | None = None

    @property
    def nominal(self) -> Nominal:
        if self._nominal is None:
            self._nominal = Nominal()
        return self._nominal

    def form(self, font: Any, glyph: int) -> Form:
        key = (font.hash, len(font.file_content), glyph)
        if key not in self.forms:
            self.forms[key] = self._read(font, glyph)
        return self.forms[key]

    def _read(self, font: Any, glyph: int) -> Form:
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
        return Form(f"G{font.hash}g{glyph}", b" ".join(parts), box, int(face["head"].unitsPerEm))


def plan_rtl_run(cache: GlyphCache, font: Any, size: float, glyph_item: Any, utf8: bytes) -> list[Hidden | None]:
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
    if one_to_one(font, glyph_string, utf8[offset : offset + length], rtl=True):
        return [None] * glyph_string.num_glyphs
    infos = glyph_string.glyphs
    exact: set[int] = font.__dict__.setdefault("_press_exact", set())
    entries: list[Hidden | None] = []
    zero: list[bool] = []  # per written glyph: whether it has no advance

    def own(i: int) -> tuple[int, int]:
        return infos[i].glyph, advance(font, size, glyph_item, infos[i].glyph)

    def hidden(i: int, carriers: tuple[tuple[int, int], ...], width: int) -> Hidden:
        return Hidden(carriers, width, bool(infos[i].geometry.x_offset), cache.form(font, infos[i].glyph))

    def moved(i: int) -> bool:
        return bool(infos[i].geometry.x_offset or infos[i].geometry.y_offset)

    for text, indices in clusters(glyph_item, utf8):
        written = [i for i in indices if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
        shown = "".join(c for c in text if c not in LAYOUT_ONLY)
        glyphs = [infos[i].glyph for i in written]
        if len(written) == 1:
            i = written[0]
            zero.append(infos[i].geometry.width == 0)
            if glyphs[0] & pango.PANGO_GLYPH_UNKNOWN_FLAG or not shown:
                entries.append(None)  # .notdef (WeasyPrint maps it) or a space
            elif maps_exactly(font, glyphs, shown[::-1], exact):
                entries.append(hidden(i, (own(i),), thousandths(infos[i].geometry.width, size)) if moved(i) else None)
            else:
                carriers = _nominal_carriers(cache.nominal, font, size, glyph_item, shown[::-1], exact)
                entries.append(hidden(i, carriers, thousandths(infos[i].geometry.width, size)))
            continue
        if not written:
            continue
        # Glyphs left without a letter of their own are drawn as outlines only, so they
        # need no (empty) ToUnicode string.
        map_parts(cache.nominal, font, glyphs, text, exact, blank=False)
        parts = [font.to_unicode.get(g, "") for g in glyphs]
        if all(len(part) == 1 for part in parts) and sorted("".join(parts)) == sorted(shown):
            # A letter and its marks, each its own glyph (hamza-yeh and tanwin): each
            # glyph is read as a cluster of its own.
            zero.extend(infos[i].geometry.width == 0 for i in written)
            entries.extend(hidden(i, (own(i),), thousandths(infos[i].geometry.width, size)) if moved(i) else None for i in written)
            continue
        # A letter in several glyphs: all hidden, its nominal glyph carries it.
        carriers = _nominal_carriers(cache.nominal, font, size, glyph_item, shown[::-1], exact)
        width = thousandths(sum(infos[i].geometry.width for i in indices), size)
        zero.extend(width == 0 for _ in written)
        entries.extend(hidden(i, carriers if k == 0 else (), width) for k, i in enumerate(written))
    drawn = [i for i in range(glyph_item.glyphs.num_glyphs) if infos[i].glyph != pango.PANGO_GLYPH_EMPTY]
    return _order_zero_width(entries, zero, [own(i) for i in drawn], lambda glyph: cache.form(font, glyph))


def _order_zero_width(entries: list[Hidden | None], zero: list[bool], glyphs: list[tuple[int, int]], outline: Callable[[int], Form]) -> list[Hidden | None]:
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
        if any(isinstance(e, Hidden) for e in out[k:end]):
            for j in range(k, end):
                entry, nudge = out[j], (end - j) * NUDGE
                if isinstance(entry, Hidden):
                    out[j] = Hidden(entry.carriers, 0, entry.shifted, entry.form, nudge)
                elif entry is None:
                    out[j] = Hidden((glyphs[j],), 0, False, outline(glyphs[j][0]), nudge)
        k = end
    return out


def _nominal_carriers(nominal: Nominal, font: Any, size: float, glyph_item: Any, letters: str, exact: set[int]) -> tuple[tuple[int, int], ...]:
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
            carriers.append((glyph, advance(font, size, glyph_item, glyph)))
    return tuple(carriers)
