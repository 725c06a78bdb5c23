"""One tagged PDF from a pack's skeleton and its tagged parts (pikepdf, which is qpdf).

The skeleton (cover, contents, a numbered blank page for every page of every part, the
bibliography) is the pack's starting point: its catalog already has the pack's language,
title, XMP with the PDF/UA identifier and its own structure tree. Each part's pages take
the place of their blank pages, with the blank page (its page number, an artifact) drawn
over them as a form XObject, and each part's structure tree becomes one /Part element of
the pack's tree, between the contents and the bibliography:

* qpdf copies a part's objects once per part, so the copied structure elements point at
  the copied pages (/Pg), and marked-content ids stay valid because they are per page;
* every copied page and annotation gets a new key in the pack's ParentTree, since each
  part numbered its own from zero;
* table header ids are prefixed per part, as field names and link targets already are,
  so a cell's /Headers never names another resource's header.

The links' named destinations, the form fields and their resources come along, and the
outline is built from the parts' outlines. Saved with a fixed /ID and no dates, the same
parts give the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Part:
    title: str
    pdf: bytes


def merge(skeleton: bytes, parts: list[Part], first: int) -> tuple[Any, list[tuple[str, int, Any]]]:
    """The pack as a pikepdf document, and for each part (title, first page, its pikepdf
    source) for building the outline. ``first`` is the skeleton page of the first part."""
    import pikepdf

    pack = pikepdf.open(io.BytesIO(skeleton))
    root = pack.Root.StructTreeRoot
    document = root.K if isinstance(root.K, pikepdf.Dictionary) else root.K[0]
    page_index = {page.obj.objgen: i for i, page in enumerate(pack.pages)}
    before, after = _split_kids(document, page_index, first)
    nums: list[Any] = list(root.ParentTree.Nums)
    next_key = max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1) + 1
    placed: list[tuple[str, int, Any]] = []
    part_elements = []
    fields: list[Any] = []
    position = first
    replaced: set[int] = set()  # ParentTree keys of the blank pages the parts replace
    moved: dict[tuple[int, int], Any] = {}  # blank page -> the part's page in its place
    for number, part in enumerate(parts, 1):
        source = pikepdf.open(io.BytesIO(part.pdf))
        placed.append((part.title, position, source))
        source_nums = _nums(source)
        for offset, page in enumerate(source.pages):
            blank = pack.pages[position + offset]
            if "/StructParents" in blank.obj:
                replaced.add(int(blank.obj.StructParents))
            pack.pages.insert(position + offset, page)
            copied = pack.pages[position + offset]
            moved[blank.obj.objgen] = copied.obj
            _stamp(pack, copied, blank)
            del pack.pages[position + offset + 1]
            if "/StructParents" in copied.obj:
                old = int(copied.obj.StructParents)
                copied.obj.StructParents = next_key
                nums += [next_key, _copy(pack, source_nums[old])]
                next_key += 1
            for annotation in copied.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    old = int(annotation.StructParent)
                    annotation.StructParent = next_key
                    nums += [next_key, _copy(pack, source_nums[old])]
                    next_key += 1
        element = pack.copy_foreign(_document(source))
        element.S = pikepdf.Name.Part
        element.P = document
        _prefix_ids(element, f"p{number}-")
        part_elements.append(element)
        _merge_names(pack, source)
        if "/AcroForm" in source.Root:
            fields += [_copy(pack, f) for f in source.Root.AcroForm.Fields]
            _merge_resources(pack, source)
        position += len(source.pages)
    # The skeleton's elements of the blank pages the parts replaced are empty; they go.
    kept = {page.obj.objgen for page in pack.pages}
    before, after = ([k for k in kids if "/Pg" not in k or k.Pg.objgen in kept] for kids in (before, after))
    document.K = pikepdf.Array([*before, *part_elements, *after])
    _retarget(pack, moved)
    # The replaced pages' entries name the dropped elements, whose parents no longer list
    # them (MuPDF: "kid not found in parent's kids array").
    nums = [x for i in range(0, len(nums), 2) if int(nums[i]) not in replaced for x in nums[i : i + 2]]
    root.ParentTree = pack.make_indirect(pikepdf.Dictionary(Nums=pikepdf.Array(nums)))
    root.ParentTreeNextKey = next_key
    if fields:
        form = pack.Root.get("/AcroForm") or pack.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
        form.Fields = pikepdf.Array([*form.get("/Fields", []), *fields])
        if "/NeedAppearances" in form:
            del form.NeedAppearances
        pack.Root.AcroForm = form
    return pack, placed


def _stamp(pack: Any, page: Any, blank: Any) -> None:
    """Draw the blank page (its page number, an artifact) over the part's page as a form
    XObject under a fixed name. The part's own content runs in its own graphics state
    first. (pikepdf's add_overlay names the XObject at random, which changes the bytes.)"""
    import pikepdf

    form = blank.as_form_xobject()
    # WeasyPrint's pages share one resource dictionary: each page gets its own copy, which
    # names its own stamp.
    shared = page.obj.get("/Resources")
    resources = pikepdf.Dictionary({k: v for k, v in shared.items()}) if shared is not None else pikepdf.Dictionary()
    xobjects = resources.get("/XObject")
    xobjects = pikepdf.Dictionary({k: v for k, v in xobjects.items()}) if xobjects is not None else pikepdf.Dictionary()
    xobjects.PackStamp = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    contents = page.obj.Contents
    own = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    opening = pikepdf.Stream(pack, b"q\n")
    closing = pikepdf.Stream(pack, b"\nQ\nq /PackStamp Do Q\n")
    page.obj.Contents = pikepdf.Array([opening, *own, closing])


def _retarget(pack: Any, moved: dict[tuple[int, int], Any]) -> None:
    """The skeleton's own destinations (the contents' links to "pack-part-N") pointed at
    blank pages that are gone: point them at the pages that took their place."""
    import pikepdf

    if "/Names" not in pack.Root or "/Dests" not in pack.Root.Names:
        return
    for _name, dest in pikepdf.NameTree(pack.Root.Names.Dests).items():
        array = dest if isinstance(dest, pikepdf.Array) else dest.get("/D")
        if isinstance(array, pikepdf.Array) and len(array) and array[0].objgen in moved:
            array[0] = moved[array[0].objgen]


def _copy(pack: Any, obj: Any) -> Any:
    """``copy_foreign`` for direct arrays too (a ParentTree's per-page arrays are direct)."""
    import pikepdf

    if not isinstance(obj, pikepdf.Object):
        return obj  # numbers and booleans come back as Python values
    if obj.is_indirect:
        return pack.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(pack, item) for item in obj])
    return obj


def _document(pdf: Any) -> Any:
    import pikepdf

    kids = pdf.Root.StructTreeRoot.K
    return kids if isinstance(kids, pikepdf.Dictionary) else kids[0]


def _nums(pdf: Any) -> dict[int, Any]:
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _split_kids(document: Any, page_index: dict[tuple[int, int], int], first: int) -> tuple[list[Any], list[Any]]:
    """The skeleton's top-level elements before the parts (cover, contents) and after
    them (bibliography), by the page each one starts on."""
    before: list[Any] = []
    after: list[Any] = []
    for kid in document.K:
        page = kid.get("/Pg")
        where = page_index.get(page.objgen, 0) if page is not None else 0
        (before if where < first else after).append(kid)
    return before, after


def _prefix_ids(element: Any, prefix: str) -> None:
    """Table header ids (and the /Headers naming them) made unique within the pack."""
    import pikepdf

    stack = [element]
    seen: set[tuple[int, int]] = set()
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or node.get("/Type") not in (None, pikepdf.Name.StructElem):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if "/ID" in node:
            node.ID = pikepdf.String(prefix + str(node.ID))
        attributes = node.get("/A")
        if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
            attributes.Headers = pikepdf.Array([pikepdf.String(prefix + str(h)) for h in attributes.Headers])
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kids)
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)


def _merge_names(pack: Any, source: Any) -> None:
    """The part's named destinations (its links' targets) into the pack's."""
    import pikepdf

    if "/Names" not in source.Root or "/Dests" not in source.Root.Names:
        return
    if "/Names" not in pack.Root:
        pack.Root.Names = pack.make_indirect(pikepdf.Dictionary())
    if "/Dests" not in pack.Root.Names:
        pack.Root.Names.Dests = pack.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array()))
    target = pikepdf.NameTree(pack.Root.Names.Dests)
    for name, value in pikepdf.NameTree(source.Root.Names.Dests).items():
        target[name] = _copy(pack, value)


def _merge_resources(pack: Any, source: Any) -> None:
    """The fonts the part's fields are drawn with."""
    import pikepdf

    resources = source.Root.AcroForm.get("/DR")
    if resources is None:
        return
    form = pack.Root.get("/AcroForm")
    if form is None:
        form = pack.Root.AcroForm = pack.make_indirect(pikepdf.Dictionary(Fields=pikepdf.Array()))
    merged = form.get("/DR") or pikepdf.Dictionary()
    fonts = merged.get("/Font") or pikepdf.Dictionary()
    for name, font in (resources.get("/Font") or {}).items():
        fonts[name] = _copy(pack, font)
    merged.Font = fonts
    form.DR = merged
