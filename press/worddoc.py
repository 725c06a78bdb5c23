"""Translation templates as Word documents, for translators without PO tools.

``i18n export --format docx`` writes one table per catalog: passage number, English,
translation (prefilled where it exists) and notes, under short instructions. What ties a
row to its message (the message context, a fingerprint of its English, and of the
translation as exported) is kept in the document's properties, where the translator
cannot break it. ``i18n import`` merges the document back into the catalog with the same
checks a catalog gets; every problem is reported at once, naming the document, the table
row and the passage, and nothing is written when any row fails. A row left as exported
changes nothing, so exporting and importing an untouched document changes no byte.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from .catalogs import catalog_path, load_catalog, write_if_changed
from .errors import PressError, Problem
from .reviews import english_print, pair_print, passages, template_order

EXPORT_DIR = "dist/translate"
MARKER = "Handout Press translation template"
CHECKED = "checked"  # a Notes cell that confirms a row marked CHECK as still right
_KEYS_RE = re.compile(r"\[@[^\]]*\]|\]\([^)]*\)|\{[a-z_]+\}")
# Scripts whose letters may stand in a translation into a language written in ``script``.
_SCRIPTS = {"Hans": {"Hani"}, "Hant": {"Hani"}, "Jpan": {"Hani", "Hira", "Kana"}, "Kore": {"Hang", "Hani"}}


def _instructions(language: str, domain: str) -> list[str]:
    return [
        f"Translate each passage of “{domain}” into {language} in the Translation column; write questions or remarks for the reviewer in Notes.",
        "Keep as they are: citations such as [@gilbert2009], link targets in (…), {placeholders}, and the ** and * around bold and italic words.",
        f"Rows marked CHECK had their English changed since they were translated: correct the translation, or write “{CHECKED}” in Notes if it is still right. Rows marked NEW are not translated yet.",
        "Do not add, delete or move rows, and do not change the English or the numbers. Save as .docx and send it back; it is checked before anything is taken in.",
    ]


def export_docx(root: Path, language: str, domain: str, output: Path | None = None) -> Path:
    """Write the translation template of one catalog; returns its path."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from .i18n import load_checked
    from .languages import load_registry

    project, library = load_checked(root)
    registry = load_registry(project)
    if language not in registry.tags or language == registry.source.tag:
        raise PressError([Problem("--lang", 0, f"'{language}' is not a translation language in translations/languages.yaml")])
    if domain not in {*library.ids, "packs", "ui"}:
        raise PressError([Problem("--only", 0, f"unknown catalog '{domain}'; export a resource id, 'packs' or 'ui'")])
    lang = registry.get(language)
    catalog = load_catalog(project, language, domain)
    if catalog is None:
        raise PressError([Problem(f"translations/{language}/{domain}.po", 0, f"no catalog; run `pipeline.py i18n update --lang {language} --only {domain}` first")])
    order = template_order(project, library, domain)
    entries = passages(catalog, order)

    document = docx.Document()
    section = document.sections[0]
    section.orientation, section.page_width, section.page_height = WD_ORIENT.LANDSCAPE, Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    document.add_heading(f"Translation: {domain} into {lang.name}", level=1)
    for line in _instructions(lang.name, domain):
        document.add_paragraph(line, style="List Bullet")
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("No.", "English", f"Translation ({lang.name})", "Notes"), strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    rows = []
    for p in entries:
        message = catalog.get(p.msgid, context=p.context)
        notes = "\n".join(message.user_comments) if message is not None else ""
        mark = " CHECK" if p.fuzzy else ("" if p.msgstr else " NEW")
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = f"{p.number}{mark}", p.msgid, p.msgstr, notes
        if lang.direction == "rtl":
            # Word sets the translation right to left only when the paragraph says so.
            for paragraph in cells[2].paragraphs:
                paragraph._p.get_or_add_pPr().append(paragraph._p.makeelement(qn("w:bidi"), {}))
        rows.append([p.number, p.context, english_print(p.context, p.msgid), pair_print(p.context, p.msgid, p.msgstr), notes])
    for row in table.rows:
        for cell, width in zip(row.cells, (Mm(16), Mm(110), Mm(110), Mm(31)), strict=True):
            cell.width = width
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10)
    props = document.core_properties
    props.title, props.subject = f"Translation: {domain} ({language})", MARKER
    _attach_rows(document, {"language": language, "catalog": domain, "rows": rows})
    # Fixed dates, so the same catalog exports to the same document.
    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.author = props.last_modified_by = "Handout Press"
    props.revision = 1
    path = output or (project.root / EXPORT_DIR / language / f"{domain}.docx")
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


_PART = "/customXml/handout-press.xml"
_NS = "urn:handout-press:translation-template"


def _attach_rows(document: Any, meta: dict[str, Any]) -> None:
    """The rows' identities as a custom XML part: Word keeps such parts when it saves, and
    nothing in the document's text shows or edits them."""
    from xml.sax.saxutils import escape

    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    blob = f'<?xml version="1.0" encoding="UTF-8"?>\n<template xmlns="{_NS}">{escape(json.dumps(meta, ensure_ascii=False))}</template>'.encode()
    part = Part(PackURI(_PART), "application/xml", blob, document.part.package)
    document.part.relate_to(part, RT.CUSTOM_XML)


def _read_rows(document: Any) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    for rel in document.part.rels.values():
        if rel.reltype == RT.CUSTOM_XML and not rel.is_external:
            root = ET.fromstring(rel.target_part.blob)
            if root.tag == f"{{{_NS}}}template":
                found: dict[str, Any] = json.loads(root.text or "{}")
                return found
    return {}


def _cell_text(cell: Any) -> str:
    return " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())


def _script_problem(text: str, script: str) -> str | None:
    """Why ``text`` is not in ``script`` (a translation pasted from another language)."""
    from fontTools import unicodedata as fu

    letters = [c for c in _KEYS_RE.sub("", text) if c.isalpha()]
    allowed = _SCRIPTS.get(script, {script})
    foreign = sorted({fu.script(c) for c in letters} - allowed - {"Latn", "Zyyy", "Zinh"})
    if foreign:
        return f"has letters of another script ({', '.join(foreign)})"
    if script != "Latn" and letters and not any(fu.script(c) in allowed for c in letters):
        return f"has no letters of the language's script ({script}); is it from another language's document?"
    return None


def import_docx(root: Path, file: Path) -> list[str]:
    """Merge a translation template back into its catalog; returns what was written."""
    import docx
    from babel.messages.catalog import Message
    from docx.opc.exceptions import PackageNotFoundError

    from .i18n import load_checked
    from .languages import load_registry
    from .translate import check_message

    name = str(file)
    if not file.is_file():
        raise PressError([Problem(name, 0, "no such file")])
    try:
        document = docx.Document(str(file))
        meta = _read_rows(document)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, SyntaxError) as err:
        raise PressError([Problem(name, 0, f"not a Word document this tool can read ({err.__class__.__name__}); open it in Word, save it as .docx, or export it again")]) from None
    if document.core_properties.subject != MARKER or not {"language", "catalog", "rows"} <= set(meta):
        raise PressError([Problem(name, 0, "not a Handout Press translation template (its properties are missing); export one with `pipeline.py i18n export --format docx`")])
    project, library = load_checked(root)
    registry = load_registry(project)
    language, domain = str(meta["language"]), str(meta["catalog"])
    if language not in registry.tags or domain not in {*library.ids, "packs", "ui"}:
        raise PressError([Problem(name, 0, f"made for '{domain}' in '{language}', which this project does not have")])
    lang = registry.get(language)
    po = f"translations/{language}/{domain}.po"
    catalog = load_catalog(project, language, domain)
    if catalog is None:
        raise PressError([Problem(po, 0, f"no catalog to merge into; run `pipeline.py i18n update --lang {language} --only {domain}`")])
    order = template_order(project, library, domain)
    current = {english_print(c, i): (i, c) for i, c in order}
    expected: list[list[Any]] = meta["rows"]
    table_rows = document.tables[0].rows[1:] if document.tables else []
    problems: list[Problem] = []
    if len(table_rows) != len(expected):
        problems.append(Problem(name, 0, f"the table has {len(table_rows)} passage rows, the document was made with {len(expected)}: a row was added or deleted; keep one row per passage, as exported"))
    changes = []
    for at, (row, (number, context, english_fp, pair_fp, notes_before)) in enumerate(zip(table_rows, expected, strict=False), 2):
        where = f"table row {at}, passage {number}"
        cells = row.cells
        if len(cells) < 4:
            problems.append(Problem(name, 0, f"{where}: the row has {len(cells)} cells, not 4"))
            continue
        shown_number = re.match(r"\d+", _cell_text(cells[0]))
        english, text, notes = _cell_text(cells[1]), _cell_text(cells[2]), "\n".join(p.text for p in cells[3].paragraphs).strip()
        if english_print(context, english) != english_fp or not shown_number or int(shown_number.group()) != number:
            problems.append(Problem(name, 0, f"{where}: the number or English is not that passage's (a row moved, or copied from another resource's document); keep the rows as exported"))
            continue
        if english_fp not in current:
            problems.append(Problem(name, 0, f"{where}: its English has changed in the source since the document was exported; export it again"))
            continue
        msgid, _ = current[english_fp]
        unchanged = pair_print(context, msgid, text) == pair_fp and notes == notes_before
        if unchanged:
            continue
        if text:
            why = _script_problem(text, lang.script)
            if why:
                problems.append(Problem(name, 0, f"{where}: the translation {why}"))
            checked = Message(msgid, text, context=context, lineno=at)
            problems += [Problem(name, 0, f"{where}: {p.message}") for p in check_message(checked, po, ui=domain == "ui")]
        changes.append((msgid, context, text, notes, pair_print(context, msgid, text) != pair_fp or notes.strip().lower() == CHECKED))
    if problems:
        raise PressError(problems)
    for msgid, context, text, notes, confirmed in changes:
        message = catalog.get(msgid, context=context)
        if message is None:  # in the template, not yet in the catalog: i18n update adds it
            message = catalog.add(msgid, context=context)
        message.string = text
        message.user_comments = [line for line in notes.splitlines() if line.strip() and line.strip().lower() != CHECKED]
        if confirmed and text:
            message.flags.discard("fuzzy")
            message.previous_id = []
    path = catalog_path(project, language, domain)
    return [project.relative(path)] if changes and write_if_changed(path, catalog) else []
