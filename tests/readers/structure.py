"""What a tagged PDF/UA-1 document must carry, checked with pikepdf: catalog, XMP,
structure elements, annotations and fields, margin content as artifacts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf

from .text import body_box

# --------------------------------------------------------------------------------------
# Structure: what a tagged, PDF/UA-1 document must carry. Each function takes an open
# pikepdf.Pdf and returns the problems as sentences without the file name;
# structure_problems runs them all and names the file.


def _true(value: object) -> bool:
    # pikepdf gives PDF booleans as Python ones.
    return value is True


def _get(node: object, *keys: str) -> object:
    """node[k1][k2]..., or None where a dictionary or key is missing."""
    for key in keys:
        if not isinstance(node, pikepdf.Dictionary) or key not in node:
            return None
        node = node[key]
    return node


def catalog_problems(pdf: pikepdf.Pdf, lang: str) -> list[str]:
    root = pdf.Root
    problems = []
    mark_info = root.get("/MarkInfo")
    if not isinstance(mark_info, pikepdf.Dictionary) or not _true(mark_info.get("/Marked")):
        problems.append("catalog: /MarkInfo /Marked is not true")
    if "/StructTreeRoot" not in root:
        problems.append("catalog: no /StructTreeRoot")
    if str(root.get("/Lang", "")) != lang:
        problems.append(f"catalog: /Lang is {str(root.get('/Lang')) if '/Lang' in root else 'missing'}, not {lang!r}")
    preferences = root.get("/ViewerPreferences")
    if not isinstance(preferences, pikepdf.Dictionary) or not _true(preferences.get("/DisplayDocTitle")):
        problems.append("catalog: /ViewerPreferences /DisplayDocTitle is not true")
    return problems


def metadata_problems(pdf: pikepdf.Pdf) -> list[str]:
    if "/Metadata" not in pdf.Root:
        return ["catalog: no XMP /Metadata stream"]
    meta = pdf.open_metadata()
    problems = []
    if not meta.get("dc:title"):
        problems.append("XMP: no dc:title")
    if str(meta.get("pdfuaid:part", "")) != "1":
        problems.append(f"XMP: pdfuaid:part is {meta.get('pdfuaid:part')!r}, not '1'")
    return problems


def _struct_elements(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every structure element under the StructTreeRoot, each once."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return
    seen: set[tuple[int, int]] = set()
    stack = [tree.get("/K")]
    while stack:
        kid = stack.pop()
        if isinstance(kid, pikepdf.Array):
            stack.extend(reversed(list(kid)))
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:  # not a marked-content or object reference
            if kid.is_indirect:
                if kid.objgen in seen:
                    continue
                seen.add(kid.objgen)
            yield kid
            stack.append(kid.get("/K"))


def _role(element: pikepdf.Dictionary, role_map: pikepdf.Object | None) -> str:
    """The standard structure type of an element, through the RoleMap."""
    role = str(element.S)
    for _ in range(8):  # a role map may chain; it must not loop
        if not isinstance(role_map, pikepdf.Dictionary) or role not in role_map:
            break
        role = str(role_map[role])
    return role


def _attributes(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = element.get("/A")
    items = list(found) if isinstance(found, pikepdf.Array) else [found]
    return [item for item in items if isinstance(item, pikepdf.Dictionary)]


def struct_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Every /Figure has alternative text and every /TH a /Scope."""
    tree = pdf.Root.get("/StructTreeRoot")
    role_map = tree.get("/RoleMap") if isinstance(tree, pikepdf.Dictionary) else None
    figures = headers = 0
    problems: Counter[str] = Counter()
    for element in _struct_elements(pdf):
        role = _role(element, role_map)
        if role == "/Figure":
            figures += 1
            if not str(element.get("/Alt", "")).strip():
                problems["a /Figure structure element has no /Alt"] += 1
        elif role == "/TH":
            headers += 1
            if not any("/Scope" in attributes for attributes in _attributes(element)):
                problems["a /TH structure element has no /A with /Scope"] += 1
    return [f"{problem} ({count} of {figures if 'Figure' in problem else headers})" for problem, count in problems.items()]


def _field_type(annotation: pikepdf.Dictionary) -> tuple[str, int]:
    """A widget's field type and flags, inherited from its parent fields."""
    node: pikepdf.Object | None = annotation
    kind, flags = "", None
    for _ in range(32):
        if not isinstance(node, pikepdf.Dictionary):
            break
        if not kind and "/FT" in node:
            kind = str(node.FT)
        if flags is None and "/Ff" in node:
            flags = int(node.Ff)
        node = node.get("/Parent")
    return kind, flags or 0


_PUSHBUTTON, _RADIO = 1 << 16, 1 << 15


class _Findings:
    """Problems of one kind gathered over a document, reported once each: the pages, and
    a few of the names."""

    def __init__(self) -> None:
        self.found: dict[str, list[tuple[int, str]]] = {}

    def add(self, problem: str, page: int, detail: str = "") -> None:
        self.found.setdefault(problem, []).append((page, detail))

    def sentences(self) -> list[str]:
        out = []
        for problem, where in self.found.items():
            pages = sorted({page for page, _ in where})
            shown = ", ".join(str(p) for p in pages[:12]) + (" ..." if len(pages) > 12 else "")
            details = list(dict.fromkeys(d for _, d in where if d))
            examples = f" (e.g. {', '.join(details[:3])}{' ...' if len(details) > 3 else ''})" if details else ""
            out.append(f"{len(where)} x {problem}, on page{'s' if len(pages) > 1 else ''} {shown}{examples}")
        return out


def annotation_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Links described, tab order by structure, form widgets with their appearances."""
    findings = _Findings()
    for number, page in enumerate(pdf.pages, 1):
        annotations = page.obj.get("/Annots")
        if not isinstance(annotations, pikepdf.Array) or len(annotations) == 0:
            continue
        if page.obj.get("/Tabs") != pikepdf.Name.S:
            findings.add("page with annotations whose /Tabs is not /S", number, str(page.obj.get("/Tabs", "no /Tabs")))
        for annotation in annotations:
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            subtype = annotation.get("/Subtype")
            if subtype == pikepdf.Name.Link and not str(annotation.get("/Contents", "")).strip():
                target = _get(annotation, "/A", "/URI") or _get(annotation, "/Dest")
                findings.add("/Link annotation without /Contents", number, repr(str(target)[:50]))
            if subtype != pikepdf.Name.Widget:
                continue
            kind, flags = _field_type(annotation)
            name = repr(str(_get(annotation, "/T") or _get(annotation, "/Parent", "/T") or "?"))
            normal = _get(annotation, "/AP", "/N")
            if kind == "/Btn" and not flags & (_PUSHBUTTON | _RADIO):
                states = set(normal.keys()) if isinstance(normal, pikepdf.Dictionary) and not isinstance(normal, pikepdf.Stream) else set()
                if "/Off" not in states or not states - {"/Off"}:
                    findings.add("checkbox whose /AP /N lacks an on state or /Off", number, f"{name} has {sorted(states)}")
            elif kind == "/Tx" and not isinstance(normal, pikepdf.Stream):
                findings.add("text field without an /AP /N appearance stream", number, name)
    return findings.sentences()


# Text in the page margins (running footers, page numbers, headers) must be marked
# /Artifact and be no part of the structure tree. A text-showing operator is in the
# margin when its origin, in page space, lies outside the content area (body_box).
_SHOW_TEXT = {"Tj", "TJ", "'", '"'}


def _multiply(a: list[float], b: list[float]) -> list[float]:
    """The matrix a then b, PDF's [a b c d e f] order."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _margin_text(content: pikepdf.Object, resources: object, ctm: list[float], marks: list[str],
                 inside: Callable[[float, float], bool], found: Counter[str], depth: int = 0) -> None:
    """Counts, by how they are marked, the text operators drawn outside the content area
    in a content stream and the form XObjects it draws."""
    stack: list[list[float]] = []
    marks = list(marks)
    text_matrix = line_matrix = [1.0, 0, 0, 1, 0, 0]
    leading = 0.0
    for instruction in pikepdf.parse_content_stream(content):
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm":
            ctm = _multiply([float(v) for v in operands], ctm)
        elif op == "BT":
            text_matrix = line_matrix = [1.0, 0, 0, 1, 0, 0]
        elif op == "Tm":
            text_matrix = line_matrix = [float(v) for v in operands]
        elif op in ("Td", "TD"):
            line_matrix = text_matrix = _multiply([1, 0, 0, 1, float(operands[0]), float(operands[1])], line_matrix)
            if op == "TD":
                leading = -float(operands[1])
        elif op == "TL":
            leading = float(operands[0])
        elif op == "T*" or op in ("'", '"'):
            line_matrix = text_matrix = _multiply([1, 0, 0, 1, 0, -leading], line_matrix)
        elif op == "BMC":
            marks.append(str(operands[0]))
        elif op == "BDC":
            properties: object = operands[1]
            if isinstance(properties, pikepdf.Name):
                properties = _get(resources, "/Properties", str(properties))
            mcid = isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties
            marks.append(f"{operands[0]}#MCID" if mcid else str(operands[0]))
        elif op == "EMC" and marks:
            marks.pop()
        if op in _SHOW_TEXT:
            x, y = _multiply(text_matrix, ctm)[4:6]
            if not inside(x, y):
                if any(m.endswith("#MCID") for m in marks):
                    found["in marked content with an MCID (in the structure tree)"] += 1
                elif "/Artifact" not in marks:
                    found["not marked as /Artifact"] += 1
        elif op == "Do" and depth < 8:
            xobject = _get(resources, "/XObject", str(operands[0]))
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == pikepdf.Name.Form:
                matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                _margin_text(xobject, xobject.get("/Resources", resources), _multiply(matrix, ctm), marks, inside, found, depth + 1)


def artifact_problems(pdf: pikepdf.Pdf, path: Path) -> list[str]:
    """Running footers and page numbers are artifacts, outside the structure tree."""
    left, top, right, bottom = body_box(path)
    findings = _Findings()
    for number, page in enumerate(pdf.pages, 1):
        x0, y0, _x1, y1 = (float(v) for v in page.mediabox)
        height = y1 - y0

        def inside(x: float, y: float, height: float = height, x0: float = x0, y0: float = y0) -> bool:
            return left <= x - x0 <= right and top <= height - (y - y0) <= bottom

        found: Counter[str] = Counter()
        _margin_text(page.obj, page.obj.get("/Resources"), [1.0, 0, 0, 1, 0, 0], [], inside, found)
        for how, count in found.items():
            for _ in range(count):
                findings.add(f"text operator in the page margin {how}", number)
    return findings.sentences()


def structure_problems(path: Path, lang: str) -> list[str]:
    """Every structure problem of one deliverable, each naming the file."""
    with pikepdf.open(path) as pdf:
        problems = [*catalog_problems(pdf, lang), *metadata_problems(pdf), *struct_problems(pdf),
                    *annotation_problems(pdf), *artifact_problems(pdf, path)]
    return [f"{path}: {problem}" for problem in problems]
