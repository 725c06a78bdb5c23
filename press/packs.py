"""Themed packs: cover, contents, the resources' own PDFs, and a bibliography appendix.

A pack is assembled from what the handout stage already rendered: each resource's "pack
part" (the handout with its final page numbers, tagged like any handout) takes the place
of its numbered blank pages in the pack's skeleton, and the parts' structure trees are
merged into the skeleton's (press/packmerge.py), so a pack is one tagged PDF/UA document.
Only the cover and contents, the appendix and the page numbers are rendered per pack, so
assembling a pack costs a fraction of rendering its resources.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    text = yamlio.read_text(project.root, PACKS_FILE, "restore it")
    located, problems = yamlio.load(text, PACKS_FILE)
    if located is None:
        return (), problems
    if not isinstance(located.value, list):
        return (), [Problem(PACKS_FILE, 1, "expected a list of packs (- id: ..., title: ...)")]
    from .yamlio import item_key_lines

    key_lines = item_key_lines(text)
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
    """Lay each resource's pages over the skeleton's numbered blank pages, merge the
    structure trees (press/packmerge.py), and build the outline: pack > contents,
    resources > their sections, bibliography."""
    import pikepdf

    from .packmerge import Part, merge

    first = _first_part_page(skeleton) if parts else page_count(skeleton)
    pack, placed = merge(skeleton, [Part(title, data) for title, data in parts], first)
    appendix_start = placed[-1][1] + len(placed[-1][2].pages) if placed else first
    with pack.open_outline() as outline:
        top = pikepdf.OutlineItem(pack_title, 0)
        top.children.append(pikepdf.OutlineItem(labels["contents"], 1))
        for title, start, source in placed:
            item = pikepdf.OutlineItem(title, start)
            item.children.extend(_part_outline(source, start))
            top.children.append(item)
        top.children.append(pikepdf.OutlineItem(labels["bibliography"], appendix_start))
        outline.root.append(top)
    for key, value in metadata.items():
        pack.docinfo[pikepdf.Name(key)] = value
    pack.Root.PageMode = pikepdf.Name.UseOutlines
    pack.Root.Lang = pikepdf.String(language)
    _accessible(pack)
    out = io.BytesIO()
    # A fixed /ID and qpdf's own object order: the same parts give the same bytes.
    pack.save(out, static_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate, compress_streams=True)
    return out.getvalue()


def _first_part_page(skeleton: bytes) -> int:
    """Where the first resource goes, from the layout itself (a contents page may run over)."""
    from pypdf import PdfReader

    frame = PdfReader(io.BytesIO(skeleton))
    return int(frame.get_destination_page_number(frame.named_destinations["pack-part-1"]) or 0)


def _part_outline(source: Any, offset: int) -> list[Any]:
    """A part's outline below its own top entry (the resource title, which the pack's
    outline already shows), moved to the part's pages in the pack."""
    import pikepdf

    pages = {page.obj.objgen: i for i, page in enumerate(source.pages)}
    names = pikepdf.NameTree(source.Root.Names.Dests) if "/Names" in source.Root and "/Dests" in source.Root.Names else None

    def page_of(item: Any) -> int:
        target = item.destination
        if isinstance(target, (pikepdf.String, str)) and names is not None:
            target = names.get(str(target))
        if isinstance(target, pikepdf.Dictionary):
            target = target.get("/D")
        if isinstance(target, pikepdf.Array) and len(target):
            return pages.get(target[0].objgen, 0)
        return 0

    def copy(items: list[Any]) -> list[Any]:
        result = []
        for item in items:
            new = pikepdf.OutlineItem(item.title, offset + page_of(item))
            new.children.extend(copy(list(item.children)))
            result.append(new)
        return result

    with source.open_outline() as outline:
        top = list(outline.root)
        if not top:
            return []
        return copy(list(top[0].children)) + copy(top[1:])


def _accessible(pack: Any) -> None:
    """What a viewer needs of any pack: its title shown rather than its file name, tab
    order following the structure, and a description on every link."""
    import pikepdf

    pack.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    for page in pack.pages:
        annotations = page.obj.get("/Annots")
        if not annotations:
            continue
        page.obj.Tabs = pikepdf.Name.S
        for annotation in annotations:
            if annotation.get("/Subtype") == "/Link" and "/Contents" not in annotation:
                action = annotation.get("/A")
                target = action.get("/URI") if action is not None else None
                annotation.Contents = pikepdf.String(str(target) if target is not None else "Link to a page of this pack")
