"""Text as Poppler and PDFium extract it, the text the page was made from (the kept
HTML), and the text-layer measure: letter pairs absent from the source, and source
paragraphs not found in what a reader extracts."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import lxml.html
import pikepdf

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
    the top left): the page less the @page margins of styles/print.css (of
    styles/large-print.css for a large-print PDF). What lies outside it is margin
    content, the running footers and headers."""
    sheet = "styles/large-print.css" if pdf.name.endswith(".large-print.pdf") else "styles/print.css"
    found = _PAGE_MARGIN.search((Path(__file__).resolve().parents[2] / sheet).read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{sheet} has no '@page {{ margin: T R B L }}' in mm")
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


# PDFium puts a right-to-left line into reading order by its own simple rule: it cuts the
# line into runs of one direction class (letters, digits and separators, other neutrals)
# and reverses their order, so the parts of a left-to-right run inside right-to-left text
# come out backwards: "(Gilbert, 2010)" as "2010 ,Gilbert". A PDF made by hand with every
# glyph on the baseline, in visual order and mapped to its own letter, extracts the same
# way, and replacement text in the order PDFium wants is read backwards by Poppler
# (tests/test_readers.py shows both), so no text layer is right in both. In PDFium such a
# paragraph is measured by its letter pairs, not by its order.
_STRONG_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_LTR_PARTS = re.compile(r"[A-Za-z0-9][^\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefcA-Za-z0-9]+[A-Za-z0-9]")


def pdfium_reorders(paragraph: str) -> bool:
    """Whether the paragraph is right-to-left text holding a left-to-right run of more
    than one part (two words, a name and a year), which PDFium gives in reverse order."""
    first_strong = re.search(r"[A-Za-z]|" + _STRONG_RTL.pattern, paragraph)
    return bool(first_strong and _STRONG_RTL.match(first_strong[0]) and _LTR_PARTS.search(paragraph))


@dataclass(frozen=True)
class TextLayer:
    """What one reader makes of one PDF's text."""

    pairs: PairMeasure
    missing: list[tuple[str, str]]  # each paragraph not found, and where it parts
    paragraphs: int
    reordered: list[str]  # paragraphs not found that the reader's own ordering explains


def text_layer(pdf: Path, html: Path, extractor: str) -> TextLayer:
    paragraphs = source_paragraphs(html)
    measure = pair_measure(source_text(html), "\n".join(EXTRACTORS[extractor](pdf, False)))
    body = EXTRACTORS[extractor](pdf, True)
    missing = missing_paragraphs(paragraphs, body)
    reordered = [p for p in missing if extractor == "pdfium" and pdfium_reorders(p)]
    return TextLayer(measure, [(p, divergence(p, body)) for p in missing if p not in reordered], len(paragraphs), reordered)


def text_layer_problems(pdf: Path, html: Path, extractor: str) -> list[str]:
    layer = text_layer(pdf, html, extractor)
    problems = []
    if layer.pairs.share > MAX_FOREIGN_PAIRS:
        problems.append(f"{pdf}: {extractor}: {layer.pairs} (at most {MAX_FOREIGN_PAIRS:.1%} allowed)")
    for paragraph, where in layer.missing:
        problems.append(f"{pdf}: {extractor}: paragraph not in the extracted text: {' '.join(paragraph.split())[:100]!r} {where}")
    return problems


