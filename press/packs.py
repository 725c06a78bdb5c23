"""Themed packs: cover, contents, the resources' own PDFs, and a bibliography appendix.

A pack is assembled from what the handout stage already rendered: each resource's "pack
part" (the handout with its page count left blank) is merged with pypdf, and one small
overlay document stamps the pack's continuous page numbers on every page after the
cover. Only the cover and contents, the appendix and the overlay are rendered per pack,
so assembling a pack costs a fraction of rendering its resources.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from . import yamlio
from .errors import Problem
from .project import Project
from .sources import Library

PACKS_FILE = "handouts/packs.yaml"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_KEYS = ("id", "title", "summary", "audience", "resources")
# The skeleton's HTML lives at dist/html/packs/<name>.html: (href, project path).
SKELETON_STYLESHEETS = (("../../../styles/print.css", "styles/print.css"),)


@dataclass(frozen=True)
class Pack:
    id: str
    title: str
    summary: str
    audience: str
    resources: tuple[str, ...]
    line: int

    def digest(self) -> str:
        return hashlib.sha256(repr((self.id, self.title, self.summary, self.audience, self.resources)).encode()).hexdigest()


def load_packs(project: Project, library: Library) -> tuple[tuple[Pack, ...], list[Problem]]:
    """Read handouts/packs.yaml; unknown or repeated resources and ids are located errors."""
    path = project.root / PACKS_FILE
    if not path.is_file():
        return (), []
    located, problems = yamlio.load(path.read_text(encoding="utf-8"), PACKS_FILE)
    if located is None:
        return (), problems
    if not isinstance(located.value, list):
        return (), [Problem(PACKS_FILE, 1, "expected a list of packs (- id: ..., title: ...)")]
    from .yamlio import item_key_lines

    key_lines = item_key_lines(path.read_text(encoding="utf-8"))
    packs: list[Pack] = []
    seen: dict[str, int] = {}
    known = library.stems
    for entry, line, lines in zip(located.value, located.item_lines, key_lines, strict=False):
        if not isinstance(entry, dict):
            problems.append(Problem(PACKS_FILE, line, "each pack is a mapping with id, title, summary, audience and resources"))
            continue
        found: list[Problem] = []
        for key in entry:
            if key not in _KEYS:
                found.append(Problem(PACKS_FILE, lines.get(str(key), line), f"unknown pack key '{key}'; allowed: {', '.join(_KEYS)}"))
        for key in _KEYS:
            if key not in entry:
                found.append(Problem(PACKS_FILE, line, f"pack is missing '{key}'"))
        pack_id = entry.get("id")
        if "id" in entry and (not isinstance(pack_id, str) or not _ID_RE.match(pack_id)):
            found.append(Problem(PACKS_FILE, lines.get("id", line), "pack id must be lowercase words joined by hyphens"))
        elif isinstance(pack_id, str):
            if pack_id in seen:
                found.append(Problem(PACKS_FILE, lines.get("id", line), f"duplicate pack id '{pack_id}' (first at line {seen[pack_id]})"))
            seen.setdefault(pack_id, lines.get("id", line))
        if entry.get("audience") not in ("client", "professional") and "audience" in entry:
            found.append(Problem(PACKS_FILE, lines.get("audience", line), "audience must be client or professional"))
        resources = entry.get("resources") or []
        if "resources" in entry and (not isinstance(resources, list) or not resources):
            found.append(Problem(PACKS_FILE, lines.get("resources", line), "resources must be a list of resource ids"))
            resources = []
        first_item = lines.get("resources", line) + 1
        for i, resource in enumerate(resources or []):
            where = first_item + i
            if resource not in known:
                hint = difflib.get_close_matches(str(resource), sorted(known), n=1)
                fix = f"did you mean '{hint[0]}'?" if hint else "see `python pipeline.py list`"
                found.append(Problem(PACKS_FILE, where, f"unknown resource '{resource}' in pack '{pack_id}'; {fix}"))
            elif list(resources).index(resource) != i:
                found.append(Problem(PACKS_FILE, where, f"resource '{resource}' is listed twice in pack '{pack_id}'"))
        problems += found
        if not found:
            packs.append(Pack(str(pack_id), str(entry["title"]).strip(), " ".join(str(entry["summary"]).split()), entry["audience"], tuple(resources), line))
    return tuple(packs), problems


def resources_of(root: Path, pack_id: str) -> tuple[str, ...]:
    """The resources of one pack, or a located error naming the known packs."""
    from .errors import PressError
    from .project import load_project
    from .sources import load_library

    project = load_project(root)
    library, problems = load_library(project)
    packs, found = load_packs(project, library)
    if problems or found:
        raise PressError(problems + found)
    for pack in packs:
        if pack.id == pack_id:
            return pack.resources
    known = ", ".join(p.id for p in packs) or "none"
    raise PressError([Problem(PACKS_FILE, 0, f"no pack '{pack_id}'; packs: {known}")])


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def assemble(skeleton: bytes, parts: list[tuple[str, bytes]], pack_title: str, labels: dict[str, str], metadata: dict[str, str], language: str) -> bytes:
    """Lay each resource's pages over the skeleton's numbered blank pages, and build the
    outline: pack > contents, resources > their sections, bibliography."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    frame = PdfReader(io.BytesIO(skeleton))
    writer = PdfWriter()
    # Where the first resource goes, from the layout itself (a contents page may run over).
    first = int(frame.get_destination_page_number(frame.named_destinations["pack-part-1"]) or 0) if parts else len(frame.pages)
    writer.append(frame, pages=(0, first), import_outline=False)
    readers = []
    stamp = _Stamper(writer)
    for title, data in parts:
        reader = PdfReader(io.BytesIO(data))
        start = len(writer.pages)
        writer.append(reader, import_outline=False)
        for offset in range(len(reader.pages)):
            stamp(writer.pages[start + offset], frame.pages[start + offset])
        readers.append((title, start, reader))
    appendix_start = len(writer.pages)
    writer.append(frame, pages=(appendix_start, len(frame.pages)), import_outline=False)
    root = writer.add_outline_item(title=pack_title, page_number=0)
    writer.add_outline_item(title=labels["contents"], page_number=1, parent=root)
    for title, start, reader in readers:
        item = writer.add_outline_item(title=title, page_number=start, parent=root)
        _copy_outline(writer, reader, reader.outline, start, item, skip_title=True)
    writer.add_outline_item(title=labels["bibliography"], page_number=appendix_start, parent=root)
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    writer.add_metadata({NameObject(k): TextStringObject(v) for k, v in metadata.items()})
    writer.page_mode = "/UseOutlines"
    writer._root_object[NameObject("/Lang")] = TextStringObject(language)
    _accessible(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Stamper:
    """Draws a skeleton page (the page number) over a resource page as a form XObject.

    pypdf's ``merge_page`` parses and rewrites both content streams and copies the
    skeleton's resources into every page; a form XObject leaves the resource's content
    as it is and shares the skeleton's fonts across all pages, which made assembly
    faster and packs about half the size.
    """

    NAME = "/PackStamp"

    def __init__(self, writer: Any) -> None:
        from pypdf.generic import DecodedStreamObject

        self.writer = writer
        opening, closing = DecodedStreamObject(), DecodedStreamObject()
        opening.set_data(b"q\n")
        # The resource's own content runs in its own graphics state, then the stamp.
        # The page number is a running artifact, not content of the resource's page.
        closing.set_data(b"\nQ\n/Artifact BMC q " + self.NAME.encode() + b" Do Q EMC\n")
        self.opening, self.closing = writer._add_object(opening), writer._add_object(closing)

    def __call__(self, page: Any, frame_page: Any) -> None:
        from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

        form = DecodedStreamObject()
        form.set_data(frame_page.get_contents().get_data())
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): frame_page.mediabox,
            NameObject("/Resources"): frame_page.raw_get("/Resources").clone(self.writer),
        })
        resources = DictionaryObject(cast(Any, page["/Resources"].get_object()))  # this page's own copy
        xobjects = DictionaryObject(cast(Any, resources["/XObject"].get_object())) if "/XObject" in resources else DictionaryObject()
        xobjects[NameObject(self.NAME)] = self.writer._add_object(form)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page.raw_get("/Contents")
        own = list(contents) if isinstance(contents, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([self.opening, *own, self.closing])


def _accessible(writer: Any) -> None:
    """What a viewer needs of any pack: its title shown rather than its file name, tab
    order following the page, and a description on every link."""
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, TextStringObject

    writer._root_object[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    for page in writer.pages:
        annotations = page.get("/Annots")
        if not annotations:
            continue
        page[NameObject("/Tabs")] = NameObject("/S")
        for reference in annotations:
            annotation = reference.get_object()
            if annotation.get("/Subtype") != "/Link" or "/Contents" in annotation:
                continue
            action = annotation.get("/A")
            target = action.get_object().get("/URI") if action is not None else None
            annotation[NameObject("/Contents")] = TextStringObject(str(target) if target else "Link to a page of this pack")


def _copy_outline(writer: Any, reader: Any, items: list[Any], offset: int, parent: Any, skip_title: bool) -> None:
    """Re-create a part's outline under ``parent`` (its own top entry is the resource
    title, which the pack outline already shows)."""
    last = None
    for item in items:
        if isinstance(item, list):
            if last is not None:
                _copy_outline(writer, reader, item, offset, last, skip_title=False)
            elif skip_title:
                _copy_outline(writer, reader, item, offset, parent, skip_title=False)
            continue
        if skip_title and last is None and items.index(item) == 0:
            last = parent  # children of the title entry go straight under the resource
            continue
        page = reader.get_destination_page_number(item)
        last = writer.add_outline_item(title=item.title, page_number=offset + (page or 0), parent=parent)
