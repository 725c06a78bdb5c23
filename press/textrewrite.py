"""Rewriting the operators WeasyPrint wrote for one line (press/textlayer.py): spans of
replacement text around left-to-right words, and right-to-left hidden glyphs drawn as
outlines after their invisible carriers. Text arrays are split where needed and nothing
else changes, so the same line gives the same bytes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .rtltext import NUDGE, Form, Hidden
from .textspans import Span

# For each glyph WeasyPrint will write for a line, in order: the span of the word it
# belongs to, a hidden glyph's carriers, or None where its ToUnicode string is its text.
Entry = Span | Hidden | None


@dataclass
class Plan:
    entries: list[Entry]
    advances: list[int]  # of each glyph written, thousandths of the font size (its /W)
    blanks: list[bool]  # of each glyph written: whether it is a space


_TJ = re.compile(rb"<([0-9a-f]*)>|(-?[0-9.]+(?:e-?[0-9]+)?)")


def rewrite_line(operations: list[Any], plan: Plan, mode: bytes, stream: Any) -> list[Any]:
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
    hidden: list[tuple[Hidden, float, float, float, list[tuple[bytes, int, float]]]] = []
    hidden_from, hidden_to = rise, 0.0  # and where the pen is after the last

    def flush() -> None:
        if chunk:
            write_hidden()  # what comes first in the line goes first in the stream
            array = b"[" + b" ".join(token for token, _, _ in chunk) + b"] TJ"
            result.extend([drawn_at + b" Ts", array, rise + b" Ts"] if drawn_at != rise else [array])
            chunk.clear()

    def blank() -> bool:  # the pending array holds spaces and moves only
        return bool(chunk) and all(kind is not False for _, _, kind in chunk) and any(kind for _, _, kind in chunk)

    def moves_only() -> bool:
        return all(kind is None for _, _, kind in chunk)

    def write_hidden() -> None:
        """The carriers of the run of hidden glyphs, invisible on the baseline, then their
        outlines; the text object opens again with the pen after the last."""
        if not hidden:
            return
        carriers: list[bytes] = [b"0 Ts"] if _raised(hidden_from) else []
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
        if _raised(rise):
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
                if isinstance(entry, Hidden) and mode == b"0":
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
                    if hidden and moves_only():
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
        if not blank() and not (hidden and moves_only()):
            flush()
    write_hidden()
    flush()
    if current is not None:
        result.append(b"EMC")
    return result


def _drawn(form: Form, stream: Any, matrix: tuple[float, ...], x: float, rise: float, size: float) -> list[bytes]:
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
    """The line's text matrix moved along the line by ``pen``."""
    a, b, c, d, e, f = matrix
    return b" ".join([*(_fine(v) for v in (a, b, c, d)), _number(e + pen * a), _number(f + pen * b)]) + b" Tm"


def _raised(rise: bytes) -> bool:
    return rise not in (b"0", b"0.0")


def _carriers(hidden: Hidden, lead: list[tuple[bytes, int, float]]) -> list[bytes]:
    """The text arrays of a hidden glyph's carriers (drawn invisibly on the baseline),
    from its pen position: each in an equal part of its cluster's width (of a few thousandths before
    the pen for a zero-width cluster), scaled horizontally to fill it, since readers take
    a glyph's extent from its advance; the pen ends where it started. ``lead`` are the
    spaces just before it (code, advance, position): they go in the first carrier's text
    array, because PDFium skips a text array of spaces alone (it has no extent)."""
    count = len(hidden.carriers)
    nudge = hidden.nudge or NUDGE
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


def rendering_mode(operations: list[Any], end: int) -> bytes:
    """The text rendering mode in force at ``end``: the last one set in the text object
    (WeasyPrint's SVG text sets one), else fill, the only one HTML text is drawn in."""
    for operation in reversed(operations[:end]):
        if isinstance(operation, bytes):
            if operation.endswith(b" Tr"):
                return operation[:-3]
            if operation == b"BT":
                break
    return b"0"
