"""Measuring built PDFs with readers we did not write: Poppler, MuPDF, Ghostscript, PDFium,
qpdf and pikepdf. Each check is a small function that returns the problems it found as
sentences naming the file, so a failing test says what is wrong where; the tests and
benchmarks/textlayer.py share them.

Nothing here depends on the engine (press/): it reads PDFs and the kept HTML only."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import lxml.html
import pikepdf
from PIL import Image, ImageChops, ImageFilter

# --------------------------------------------------------------------------------------
# Text extraction


def poppler_pages(pdf: Path, body_only: bool = False) -> list[str]:
    """The text of each page as ``pdftotext`` (reading order, not -layout) gives it;
    with ``body_only``, only what lies inside the page's content area (``body_box``)."""
    crop: list[str] = []
    if body_only:
        left, top, right, bottom = body_box(pdf)
        crop = ["-x", str(round(left)), "-y", str(round(top)), "-W", str(round(right - left)), "-H", str(round(bottom - top))]
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", *crop, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdfium_pages(pdf: Path, body_only: bool = False) -> list[str]:
    """The text of each page as PDFium's text page gives it (Chrome's extraction)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        if not body_only:
            return [page.get_textpage().get_text_range() for page in document]
        left, top, right, bottom = body_box(pdf)
        texts = []
        for page in document:
            height = page.get_height()  # PDF space runs upwards
            texts.append(page.get_textpage().get_text_bounded(left=left, bottom=height - bottom, right=right, top=height - top))
        return texts
    finally:
        document.close()


_PAGE_MARGIN = re.compile(r"@page\s*\{[^}]*?\bmargin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm")
# Body text lies inside the content area; the running footer starts 2.5 mm (its padding)
# below it. The box is a little larger than the content area so that descenders and
# accents at its edges stay in.
_BOX_SLACK = 3.0


def body_box(pdf: Path) -> tuple[float, float, float, float]:
    """The content area of the PDF's first page (left, top, right, bottom in points from
    the top left): the page less the @page margins of styles/print.css. What lies
    outside it is margin content, the running footers and headers."""
    found = _PAGE_MARGIN.search((Path(__file__).resolve().parents[1] / "styles/print.css").read_text(encoding="utf-8"))
    if found is None:
        raise ValueError("styles/print.css has no '@page { margin: T R B L }' in mm")
    top, right, bottom, left = (float(v) * 72 / 25.4 for v in found.groups())
    with pikepdf.open(pdf) as document:
        x0, y0, x1, y1 = (float(v) for v in document.pages[0].mediabox)
    width, height = x1 - x0, y1 - y0
    return left - _BOX_SLACK, top - _BOX_SLACK, width - right + _BOX_SLACK, height - bottom + _BOX_SLACK


EXTRACTORS: dict[str, Callable[[Path, bool], list[str]]] = {"poppler": poppler_pages, "pdfium": pdfium_pages}


# --------------------------------------------------------------------------------------
# The source: the kept HTML, exactly what WeasyPrint was given

# A margin box's content: strings (which may hold ';' and '}') and counters, up to the ';'.
_MARGIN_CONTENT = re.compile(r'@(?:top|bottom|left|right)-[a-z-]+\s*\{[^}"]*?content:\s*((?:"(?:[^"\\]|\\.)*"|[^;"}])*)')
_CSS_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
PARAGRAPH_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6")


def _css_string(raw: str) -> str:
    # CSS escapes used in margin boxes: \a is a line break, \" a quote.
    return re.sub(r"\\([0-9a-fA-F]{1,6}) ?|\\(.)", lambda m: chr(int(m[1], 16)) if m[1] else m[2], raw)


def _document(html: Path) -> lxml.html.HtmlElement:
    # The kept HTML is UTF-8; lxml would guess from a <meta> and fall back to Latin-1.
    return lxml.html.document_fromstring(html.read_text(encoding="utf-8"))


def margin_texts(html: Path) -> list[str]:
    """The running footers and headers of the kept HTML's @page margin boxes, with each
    counter (page numbers) written as the digit 0."""
    texts = []
    for style in _document(html).iter("style"):
        for content in _MARGIN_CONTENT.findall(style.text or ""):
            parts = re.split(r"(counters?\([^)]*\))", content)
            texts.append("".join("0" if part.startswith("counter") else "".join(_css_string(s) for s in _CSS_STRING.findall(part)) for part in parts))
    return texts


def source_text(html: Path) -> str:
    """Everything the page says: the body's text, and the running footers, which the page
    draws from the stylesheet in the same document."""
    return "\n".join([_document(html).body.text_content(), *margin_texts(html)])


def source_paragraphs(html: Path) -> list[str]:
    """The text of each paragraph, list item and heading of the body, in order."""
    found = [element.text_content() for element in _document(html).body.iter(*PARAGRAPH_TAGS)]
    return [text for text in found if text.strip()]


# --------------------------------------------------------------------------------------
# Normalisation, the same on both sides
#
# - NFC: a reader may give canonically equivalent sequences; compatibility forms (Arabic
#   presentation forms, ligatures) are not folded, since a search for the letters fails
#   on them.
# - Case folded: the stylesheet upper-cases some labels (text-transform), and readers
#   give the letters drawn.
# - Format characters (Unicode Cf: zero-width space, joiners, direction marks, soft
#   hyphen) and U+FFFE (PDFium's mark for a hyphen at a line end) are dropped: they have
#   no glyph, so no reader can give them back, and the segmenter puts zero-width spaces
#   between Khmer and Myanmar words.
# - A hyphen (-, U+2010, U+2011) followed by a line break is a word broken at the line:
#   both go. Every other hyphen goes too, on both sides, because Poppler drops a hard
#   hyphen at a line end ("out-" / "breath" becomes "outbreath") and the source cannot
#   say which hyphens will fall at a line end.
#
# For the paragraph check (squeeze) all whitespace goes as well (line breaks,
# justification, the spaces readers invent between glyphs), and so do punctuation and
# symbols: the stylesheet generates some (" · " between the dates, bullets, list
# numbers), and what is checked is that the letters, marks and digits come in order.

_HYPHENS = "-\u2010\u2011"
_LINE_END_HYPHEN = re.compile(rf"[{_HYPHENS}][^\S\n]*\r?\n\s*")


def clean(text: str) -> str:
    # Casefolding the dotted capital I that text-transform makes of Turkish i gives i
    # and a combining dot; the source's i has none.
    text = unicodedata.normalize("NFC", text).casefold().replace("i\u0307", "i")
    text = "".join(c for c in text if c != "\ufffe" and unicodedata.category(c) != "Cf")
    text = _LINE_END_HYPHEN.sub("", text)
    return re.sub(rf"[{_HYPHENS}]", "", text)


def squeeze(text: str) -> str:
    """``clean``, keeping letters, marks and digits only."""
    return "".join(c for c in clean(text) if unicodedata.category(c)[0] in "LMN")


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def letter_pairs(text: str) -> Iterator[str]:
    """Every two consecutive characters that are both letters or combining marks."""
    text = clean(text)
    for first, second in pairwise(text):
        if _is_letter(first) and _is_letter(second):
            yield first + second


@dataclass(frozen=True)
class PairMeasure:
    """Letter pairs in the extracted text, and how many of them the source never has: a
    reordered vowel sign, a lost or invented letter or a glyph read as the wrong
    character each makes such a pair, while line breaks and spacing make none."""

    pairs: int
    foreign: int
    examples: tuple[tuple[str, int], ...]

    @property
    def share(self) -> float:
        return self.foreign / self.pairs if self.pairs else 1.0

    def __str__(self) -> str:
        shown = ", ".join(f"{pair!r} x{count}" for pair, count in self.examples)
        return f"{self.foreign} of {self.pairs} letter pairs not in the source ({self.share:.2%}){': ' + shown if shown else ''}"


def pair_measure(source: str, extracted: str) -> PairMeasure:
    known = set(letter_pairs(source))
    counted = Counter(letter_pairs(extracted))
    foreign = Counter({pair: n for pair, n in counted.items() if pair not in known})
    return PairMeasure(sum(counted.values()), sum(foreign.values()), tuple(foreign.most_common(8)))


MAX_FOREIGN_PAIRS = 0.005


# A line that is a list item's number and nothing else. The stylesheet generates the
# numbers (they are not in the source's paragraphs), and PDFium gives a page's numbers
# after all its text, so that they split an item that runs over the page break.
_NUMBER_LINE = re.compile(r"^[^\S\n]*\d+[^\S\n]*[.)]?[^\S\n]*$", re.MULTILINE)


def body_text(body_pages: list[str]) -> str:
    """The squeezed text of the pages' content areas, joined, without list numbers alone
    on their line."""
    return squeeze(_NUMBER_LINE.sub("", "\n".join(body_pages)))


def missing_paragraphs(paragraphs: list[str], body_pages: list[str]) -> list[str]:
    """The source paragraphs that are not a stretch of the extracted text, both squeezed.

    The extracted text is the pages' content areas only, pages joined: the running
    footer, drawn in the margin on every page, would otherwise split a paragraph that
    runs over a page break. (Taking out lines that look like the footer instead also
    takes out body lines that are one of its words, such as Hindi's line-final नहीं.)"""
    text = body_text(body_pages)
    return [p for p in paragraphs if squeeze(p) and squeeze(p) not in text]


def divergence(paragraph: str, body_pages: list[str]) -> str:
    """Where a missing paragraph parts from the extracted text: the longest start of it
    that is found, and what follows in each."""
    wanted, text = squeeze(paragraph), body_text(body_pages)
    low, high = 0, len(wanted)
    while low < high:
        middle = (low + high + 1) // 2
        if wanted[:middle] in text:
            low = middle
        else:
            high = middle - 1
    at = text.find(wanted[:low]) + low
    return f"...{wanted[max(0, low - 24):low]}| then the source has {wanted[low:low + 24]!r}, the PDF {text[at:at + 24]!r}"


@dataclass(frozen=True)
class TextLayer:
    """What one reader makes of one PDF's text."""

    pairs: PairMeasure
    missing: list[tuple[str, str]]  # each paragraph not found, and where it parts
    paragraphs: int


def text_layer(pdf: Path, html: Path, extractor: str) -> TextLayer:
    paragraphs = source_paragraphs(html)
    measure = pair_measure(source_text(html), "\n".join(EXTRACTORS[extractor](pdf, False)))
    body = EXTRACTORS[extractor](pdf, True)
    missing = missing_paragraphs(paragraphs, body)
    return TextLayer(measure, [(p, divergence(p, body)) for p in missing], len(paragraphs))


def text_layer_problems(pdf: Path, html: Path, extractor: str) -> list[str]:
    layer = text_layer(pdf, html, extractor)
    problems = []
    if layer.pairs.share > MAX_FOREIGN_PAIRS:
        problems.append(f"{pdf}: {extractor}: {layer.pairs} (at most {MAX_FOREIGN_PAIRS:.1%} allowed)")
    for paragraph, where in layer.missing:
        problems.append(f"{pdf}: {extractor}: paragraph not in the extracted text: {' '.join(paragraph.split())[:100]!r} {where}")
    return problems


# --------------------------------------------------------------------------------------
# Rendering, and comparing page images
#
# Each reader draws page N at the same resolution in 8-bit grey; whatever it prints on
# stdout or stderr is its complaint about the file. MuPDF gets -N: Debian's build has no
# colour management and says so ("ICC support is not available") for every file, which
# is about the reader, not the PDF; -q drops its progress lines.

DPI = 60


@dataclass
class Rendered:
    reader: str
    image: Image.Image
    messages: str


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    messages = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        messages = f"exit {result.returncode}\n{messages}"
    return messages


_PDFIUM_SCRIPT = """
import sys, pypdfium2
document = pypdfium2.PdfDocument(sys.argv[1])
page = document[int(sys.argv[2]) - 1]
page.render(scale=float(sys.argv[3]) / 72, grayscale=True).to_pil().convert("L").save(sys.argv[4])
"""


def render(reader: str, pdf: Path, page: int, out: Path, dpi: int = DPI) -> Rendered:
    """Page ``page`` (from 1) of ``pdf`` drawn by ``reader`` into the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    png = out / f"{pdf.parent.name}-{pdf.stem}-{page}-{reader}.png"
    if reader == "poppler":
        messages = _run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(png.with_suffix(""))])
    elif reader == "mupdf":
        messages = _run(["mutool", "draw", "-q", "-N", "-c", "gray", "-r", str(dpi), "-o", str(png), str(pdf), str(page)])
    elif reader == "ghostscript":
        # Text and graphics antialiased as the other readers do by default.
        messages = _run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", f"-r{dpi}", "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4",
                         f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={png}", str(pdf)])
    elif reader == "pdfium":
        # In its own process, so that whatever PDFium prints is caught like the others'.
        messages = _run([sys.executable, "-c", _PDFIUM_SCRIPT, str(pdf), str(page), str(dpi), str(png)])
    else:
        raise ValueError(f"unknown reader {reader!r}")
    image = Image.open(png).convert("L") if png.is_file() else Image.new("L", (1, 1), 255)
    return Rendered(reader, image, messages)


# The comparison. Readers rasterise glyph edges differently (antialiasing, hinting,
# stem darkening, a sub-pixel shift of the page origin) and may round the page size to a
# pixel either way, so the images are cropped to their common size, halved (box filter)
# and blurred (Gaussian, radius BLUR): what is left is the shape of the ink at 30 dpi,
# fine enough that a Chinese character drawn as another one still shows. A pixel
# differs when the two images are more than DIFF_LEVEL grey levels apart there. The
# share of differing pixels is taken over the inked pixels (darker than white by more
# than DIFF_LEVEL in either image), not over the page: a page of text is mostly paper,
# so a page-wide share would let a blank page pass under a few per cent.
#
# Measured on relaxed-breathing page 1 in the 20 CJK and complex-script languages and
# English, and on 33 other pages (handouts and packs, Latin, Cyrillic and others):
# MuPDF and PDFium differ from Poppler on at most 0.5 % of inked pixels, Ghostscript
# (heavier glyph edges) on at most 3.0 %. The CJK faces cut before renumbering, whose
# codes those readers take for CIDs: MuPDF draws them blank, 87-88 %; Ghostscript draws
# other characters of much the same weight in their place, 23-42 % on a page of
# Chinese, Japanese or Korean and 9.5 % on the mini project's zh-Hans page, where
# Latin text takes much of the ink (the hardest case to see); an all-white page, 100 %.
# MAX_DIFFERING is twice the worst good page and below the mildest broken one.
BLUR = 1.2
DIFF_LEVEL = 24
MAX_DIFFERING = 0.06


@dataclass(frozen=True)
class Difference:
    differing: int
    inked: int

    @property
    def share(self) -> float:
        return self.differing / self.inked if self.inked else 0.0


def _prepared(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    cropped = image.convert("L").crop((0, 0, *size))
    return cropped.reduce(2).filter(ImageFilter.GaussianBlur(BLUR))


def difference(reference: Image.Image, other: Image.Image) -> Difference:
    size = (min(reference.width, other.width), min(reference.height, other.height))
    a, b = _prepared(reference, size), _prepared(other, size)
    apart = ImageChops.difference(a, b).point(lambda v: 255 if v > DIFF_LEVEL else 0)
    ink = ImageChops.darker(a, b).point(lambda v: 255 if v < 255 - DIFF_LEVEL else 0)
    return Difference(apart.histogram()[255], ink.histogram()[255])


def render_problems(pdf: Path, page: int, out: Path, readers: tuple[str, ...] = ("mupdf", "ghostscript", "pdfium")) -> list[str]:
    """Each reader's complaints about the page, and pages that do not look like
    Poppler's."""
    reference = render("poppler", pdf, page, out)
    problems = [f"{pdf} page {page}: pdftoppm says: {reference.messages}"] if reference.messages else []
    for reader in readers:
        drawn = render(reader, pdf, page, out)
        if drawn.messages:
            problems.append(f"{pdf} page {page}: {reader} says: {_first_lines(drawn.messages)}")
        if abs(drawn.image.width - reference.image.width) > 2 or abs(drawn.image.height - reference.image.height) > 2:
            problems.append(f"{pdf} page {page}: {reader} draws {drawn.image.size} pixels, Poppler {reference.image.size}")
            continue
        apart = difference(reference.image, drawn.image)
        if apart.share > MAX_DIFFERING:
            problems.append(f"{pdf} page {page}: {reader}'s page differs from Poppler's on {apart.share:.1%} of inked pixels "
                            f"(at most {MAX_DIFFERING:.0%}); images in {out}")
    return problems


def _first_lines(messages: str, limit: int = 5) -> str:
    lines = messages.splitlines()
    more = f" ... ({len(lines) - limit} more lines)" if len(lines) > limit else ""
    return " | ".join(lines[:limit]) + more


# --------------------------------------------------------------------------------------
# qpdf


def qpdf_problems(pdf: Path) -> list[str]:
    """What ``qpdf --check`` finds wrong with the file's syntax, streams and xref; qpdf
    exits 0 when all is well, 3 with warnings, 2 with errors."""
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True, timeout=300)
    if result.returncode == 0:
        return []
    return [f"{pdf}: qpdf --check exit {result.returncode}: {_first_lines((result.stderr + result.stdout).strip())}"]


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
