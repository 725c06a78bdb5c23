"""Worksheet blocks: a fenced ```worksheet block of YAML becomes boxes and PDF form fields.

Three shapes (documented in the README):

- table:     ``columns``, ``rows``, optional ``lines`` and a worked ``example`` row;
- fields:    labelled writing boxes, each with its own height in ``lines``;
- checklist: tick boxes.

Field names are ``<resource id>__<block name>__<cell>`` so they stay unique when
handouts are merged into packs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from html import escape

from . import yamlio
from .errors import Problem

_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SHAPES = ("columns", "fields", "checklist")
_KEYS = {
    "columns": ("name", "columns", "rows", "lines", "example"),
    "fields": ("name", "fields"),
    "checklist": ("name", "checklist"),
}
MAX_ROWS = 12
MAX_LINES = 20
# Large print sets column headings in 16 pt bold on a 180 mm text column: about 3.5 mm a
# Latin letter, plus 4 mm of cell padding. A heading word wider than its column would run
# into the next one (large print never breaks a word), so such a table is stacked instead.
_LARGE_PRINT_COLUMN_MM = 180.0
_LARGE_PRINT_LETTER_MM = 3.5
_CELL_PADDING_MM = 4.0
# Words are what cannot break: runs of letters without spaces or hyphens. Ideographs and
# kana break between any two characters, so they count one at a time.
_UNBREAKABLE_RE = re.compile(r"[^\s\-\u2010\u2011/\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+")


@dataclass(frozen=True)
class Field:
    label: str
    lines: int


@dataclass(frozen=True)
class Worksheet:
    """A parsed worksheet block; ``shape`` is one of columns, fields, checklist."""

    name: str
    shape: str
    line: int
    columns: tuple[str, ...] = ()
    rows: int = 0
    lines: int = 3
    example: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()
    checklist: tuple[str, ...] = ()

    def texts(self) -> tuple[str, ...]:
        """Every printed string, in order (for translation and glyph checks)."""
        return self.columns + self.example + tuple(f.label for f in self.fields) + self.checklist

    def field_names(self, resource_id: str) -> tuple[str, ...]:
        prefix = f"{resource_id}__{self.name}__"
        if self.shape == "columns":
            return tuple(f"{prefix}r{r}c{c}" for r in range(1, self.rows + 1) for c in range(1, len(self.columns) + 1))
        if self.shape == "fields":
            return tuple(f"{prefix}f{i}" for i in range(1, len(self.fields) + 1))
        return tuple(f"{prefix}item{i}" for i in range(1, len(self.checklist) + 1))


def _int(value: object, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _texts(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(v, (str, int, float)) and str(v).strip() for v in value):
        return None
    return tuple(str(v).strip() for v in value)


def parse(text: str, path: str, first_line: int) -> tuple[Worksheet | None, list[Problem]]:
    """Parse the YAML inside a worksheet fence that starts at ``first_line``."""
    located, problems = yamlio.load(text, path, first_line)
    if located is None:
        return None, problems
    data, lines = located.value, located.key_lines
    if not isinstance(data, dict):
        return None, [Problem(path, first_line, "a worksheet block holds YAML keys: name and one of columns, fields, checklist")]
    shapes = [s for s in _SHAPES if s in data]
    if len(shapes) != 1:
        return None, [Problem(path, first_line, "a worksheet block needs exactly one of 'columns', 'fields' or 'checklist'")]
    shape = shapes[0]
    for key in data:
        if key not in _KEYS[shape]:
            problems.append(Problem(path, lines.get(str(key), first_line), f"unknown worksheet key '{key}' for a {shape} block; allowed: {', '.join(_KEYS[shape])}"))
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        problems.append(Problem(path, lines.get("name", first_line), "worksheet 'name' must be lowercase words joined by hyphens, e.g. name: record"))
        name = "sheet"
    sheet: Worksheet | None = None
    if shape == "columns":
        columns = _texts(data["columns"])
        rows = _int(data.get("rows"), 1, MAX_ROWS)
        height = _int(data.get("lines", 3), 1, MAX_LINES)
        example = _texts(data["example"]) if "example" in data else ()
        if columns is None:
            problems.append(Problem(path, lines["columns"], "'columns' must be a list of column headings"))
        if rows is None:
            problems.append(Problem(path, lines.get("rows", first_line), f"'rows' must be a whole number from 1 to {MAX_ROWS}"))
        if height is None:
            problems.append(Problem(path, lines["lines"], f"'lines' must be a whole number from 1 to {MAX_LINES}"))
        if example is None or (columns and example and len(example) != len(columns)):
            problems.append(Problem(path, lines["example"], "'example' must list one entry per column"))
        if columns and rows and height and example is not None:
            sheet = Worksheet(name, shape, first_line, columns=columns, rows=rows, lines=height, example=example)
    elif shape == "fields":
        raw = data["fields"]
        fields: list[Field] = []
        if not isinstance(raw, list) or not raw:
            problems.append(Problem(path, lines["fields"], "'fields' must be a list of {label: ..., lines: N}"))
        else:
            for i, item in enumerate(raw, 1):
                label = item.get("label") if isinstance(item, dict) else None
                height = _int(item.get("lines", 3), 1, MAX_LINES) if isinstance(item, dict) else None
                if not isinstance(label, str) or not label.strip() or height is None or set(item) - {"label", "lines"}:
                    problems.append(Problem(path, lines["fields"] + i, f"field {i} needs 'label' (text) and optional 'lines' (1-{MAX_LINES}), nothing else"))
                else:
                    fields.append(Field(label.strip(), height))
        if fields and len(fields) == len(raw):
            sheet = Worksheet(name, shape, first_line, fields=tuple(fields))
    else:
        items = _texts(data["checklist"])
        if items is None:
            problems.append(Problem(path, lines["checklist"], "'checklist' must be a list of items to tick"))
        else:
            sheet = Worksheet(name, shape, first_line, checklist=items)
    return (sheet if not problems else None), problems


def stacks_in_large_print(columns: Sequence[str], example: bool) -> bool:
    """Whether a table is stacked in large print: a heading word (translated) is too wide
    for its column, or a worked example in four or more columns, whose cells at 16 pt are a
    page tall and would leave the headings alone at the foot of the page before."""
    if example and len(columns) >= 4:
        return True
    width = _LARGE_PRINT_COLUMN_MM / len(columns) - _CELL_PADDING_MM
    longest = max((len(word) for heading in columns for word in _UNBREAKABLE_RE.findall(heading)), default=0)
    return longest * _LARGE_PRINT_LETTER_MM > width


def _box(name: str, title: str, lines: int) -> str:
    """A writing box of ``lines`` lines (a multi-line text field in the PDF)."""
    return f'<textarea name="{name}" title="{escape(title)}" class="ws-box" style="height: {lines * 1.45 + 0.6:.2f}em"></textarea>'


def _row_boxes(sheet: Worksheet, cols: list[str], names: Iterator[str]) -> Iterator[list[str]]:
    """Each row's writing boxes, one per column, in field order; the table and the stacked
    layout lay the same boxes out differently."""
    for row in range(1, sheet.rows + 1):
        yield [_box(next(names), f"{col} ({row})", sheet.lines) for col in cols]


def to_html(sheet: Worksheet, resource_id: str, labels: dict[str, str], translate: Callable[[str], str], large_print: bool = False) -> str:
    """Printable boxes with form fields. ``translate`` maps each printed string.

    ``large_print``: a table whose headings would not fit its columns at the large size is
    stacked: the worked example as a list of heading and text, then one numbered entry per
    row with a full-width box for each column. The fields keep their names and order.
    """
    names = iter(sheet.field_names(resource_id))
    out: list[str] = [f'<div class="worksheet worksheet-{sheet.shape}" id="{escape(resource_id)}--ws-{sheet.name}">']
    cols = [translate(c) for c in sheet.columns]
    if sheet.shape == "columns" and large_print and stacks_in_large_print(cols, bool(sheet.example)):
        out[0] = out[0].replace('">', ' worksheet-stacked">', 1)
        if sheet.example:
            out.append(f'<div class="ws-example-stack"><p class="ws-example-label">{escape(labels["example"])}</p><dl>')
            out.extend(f"<dt>{escape(c)}</dt><dd>{escape(translate(e))}</dd>" for c, e in zip(cols, sheet.example, strict=True))
            out.append("</dl></div>")
        out.append('<ol class="ws-entries">')
        for boxes in _row_boxes(sheet, cols, names):
            out.append('<li class="ws-entry">')
            out.extend(f'<div class="ws-field"><div class="ws-label">{escape(col)}</div>{box}</div>' for col, box in zip(cols, boxes, strict=True))
            out.append("</li>")
        out.append("</ol>")
    elif sheet.shape == "columns":
        out.append(f'<table class="ws-table cols-{len(cols)}"><thead><tr>')
        out.extend(f'<th scope="col">{escape(c)}</th>' for c in cols)
        out.append("</tr></thead><tbody>")
        if sheet.example:
            out.append(f'<tr class="ws-example"><td colspan="{len(cols)}" class="ws-example-label">{escape(labels["example"])}</td></tr><tr class="ws-example">')
            out.extend(f"<td>{escape(translate(e))}</td>" for e in sheet.example)
            out.append("</tr>")
        for boxes in _row_boxes(sheet, cols, names):
            out.append("<tr>")
            out.extend(f"<td>{box}</td>" for box in boxes)
            out.append("</tr>")
        out.append("</tbody></table>")
    elif sheet.shape == "fields":
        for field in sheet.fields:
            label = translate(field.label)
            out.append(f'<div class="ws-field"><div class="ws-label">{escape(label)}</div>')
            tag = (
                f'<input type="text" name="{next(names)}" title="{escape(label)}" class="ws-line">'
                if field.lines == 1
                else _box(next(names), label, field.lines)
            )
            out.append(tag + "</div>")
    else:
        out.append('<ul class="ws-checklist">')
        for item in sheet.checklist:
            text = translate(item)
            out.append(f'<li><input type="checkbox" name="{next(names)}" title="{escape(text)}" class="ws-check"> <span>{escape(text)}</span></li>')
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)
