"""The text layer of shaped scripts (press/textlayer.py): what Poppler and PDFium extract
equals what the source says, right-to-left marks are drawn where WeasyPrint draws them
while invisible glyphs carry their text, and scripts that need nothing are drawn as
before."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import lxml.html
import pikepdf
import pypdfium2
import pytest

import readers
from conftest import REPO, pdf_text

# Scripts whose shaping reorders, splits or joins letters, and two that need nothing
# (English, Chinese).
SHAPED = ("ta", "hi", "bn", "ml", "si", "km", "my")
PLAIN = ("en", "zh-Hans")
# Right to left: vowel marks (Arabic), points (Hebrew, Yiddish), a cascading baseline
# (Urdu Nastaliq).
RIGHT_TO_LEFT = ("ar", "ur", "he", "yi")


@pytest.fixture(scope="module")
def shaped(full_library: Path) -> Path:
    return full_library


def _pdfium_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _squeeze(text: str) -> str:
    """Whitespace, the zero-width spaces that break Khmer and Myanmar lines, line-end
    hyphens and the direction marks pdftotext puts around right-to-left lines removed:
    what is left must match letter for letter."""
    text = re.sub(r"[\u2010-]\s*\n", "", text)
    return re.sub(r"[\s\u200b\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]+", "", unicodedata.normalize("NFC", text))


def _headings(root: Path, lang: str) -> list[str]:
    html = (root / "dist/html" / lang / "relaxed-breathing.html").read_text(encoding="utf-8")
    return [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def _actual_texts(path: Path) -> list[str]:
    found = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/ActualText" in operands[1]:
                    found.append(str(operands[1].ActualText))
    return found


READERS = [(lang, reader) for lang in (*SHAPED, *RIGHT_TO_LEFT) for reader in ("poppler", "pdfium")]


@pytest.mark.slow
@pytest.mark.parametrize(("lang", "reader"), READERS)
def test_headings_extract_as_written(shaped: Path, lang: str, reader: str) -> None:
    pdf = shaped / "dist/handouts" / lang / "relaxed-breathing.pdf"
    extracted = _squeeze(pdf_text(pdf) if reader == "poppler" else _pdfium_text(pdf))
    headings = _headings(shaped, lang)
    assert len(headings) >= 3
    for heading in headings:
        assert _squeeze(heading) in extracted, f"{lang}: {reader} lost {heading!r}"


@pytest.mark.slow
@pytest.mark.parametrize("lang", SHAPED)
def test_shaped_words_carry_their_text(shaped: Path, lang: str) -> None:
    spans = _actual_texts(shaped / "dist/handouts" / lang / "relaxed-breathing.pdf")
    assert spans, f"{lang}: no /ActualText span"
    source = _squeeze(lxml.html.parse(shaped / "dist/html" / lang / "relaxed-breathing.html").getroot().text_content())
    for text in spans:
        word = _squeeze(text)
        assert word and word in source, f"{lang}: span text {text!r} is not in the source"


@pytest.mark.slow
@pytest.mark.parametrize("lang", PLAIN)
def test_scripts_that_need_nothing_get_no_span(shaped: Path, lang: str) -> None:
    # The CJK face raises its list bullet, which is then carried as its own text.
    spans = _actual_texts(shaped / "dist/handouts" / lang / "relaxed-breathing.pdf")
    assert {s.strip() for s in spans} <= {"•"}, spans


@pytest.mark.slow
def test_glyphs_alone_in_their_cluster_map_to_their_letters(shaped: Path) -> None:
    """Tamil's two-part vowels used to leave their parts' ToUnicode strings empty (9 of 277
    entries, Urdu 238 of 551); each part now has its own letter where the font maps one."""
    for lang in ("ta", "ur"):
        with pikepdf.open(shaped / "dist/handouts" / lang / "relaxed-breathing.pdf") as pdf:
            entries = empty = 0
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Font" and "/ToUnicode" in obj:
                    cmap = obj.ToUnicode.read_bytes().decode("latin-1")
                    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                        for _code, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
                            entries += 1
                            empty += text == ""
        assert entries > 200
        assert empty <= entries // 50, f"{lang}: {empty} of {entries} ToUnicode entries empty"


_PLAIN_WEASYPRINT = """
import os, sys
os.environ["SOURCE_DATE_EPOCH"] = "0"
from weasyprint import HTML
HTML(filename=sys.argv[1]).write_pdf(sys.argv[2], pdf_forms=True, pdf_tags=True)
"""


def _marked(path: Path) -> tuple[int, int, int]:
    """Replacement-text spans, invisible text arrays and form XObjects drawn on the PDF's
    first page."""
    spans = invisible = forms = 0
    mode = 0
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        x_objects = page.Resources.get("/XObject", {})
        for operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/ActualText" in operands[1]:
                spans += 1
            elif name == "Tr":
                mode = int(operands[0])
            elif name == "TJ" and mode == 3:
                invisible += 1
            elif name == "Do" and x_objects[str(operands[0])].get("/Subtype") == "/Form":
                forms += 1
    return spans, invisible, forms


@pytest.mark.slow
@pytest.mark.parametrize("lang", RIGHT_TO_LEFT)
def test_right_to_left_marks_are_drawn_where_weasyprint_draws_them(shaped: Path, lang: str, tmp_path: Path) -> None:
    """The marks and raised letters readers would misplace are drawn as outlines (form
    XObjects, one per glyph), and the page looks as WeasyPrint alone draws it from the
    same kept HTML (glyphs, no text layer of ours), in Poppler and MuPDF; invisible glyphs
    carry their letters, and no replacement text is needed."""
    ours = shaped / "dist/handouts" / lang / "relaxed-breathing.pdf"
    plain = tmp_path / "plain.pdf"
    subprocess.run([sys.executable, "-c", _PLAIN_WEASYPRINT, str(shaped / "dist/html" / lang / "relaxed-breathing.html"), str(plain)], check=True, cwd=REPO)
    spans, invisible, outlines = _marked(ours)
    assert spans == 0 and invisible > 10, (spans, invisible)
    assert outlines > _marked(plain)[2] + 10, "the marks are not drawn as outlines"
    for reader in ("poppler", "mupdf"):
        difference = readers.difference(readers.render(reader, plain, 1, tmp_path).image, readers.render(reader, ours, 1, tmp_path / "ours").image)
        assert difference.share < 0.01, f"{lang}: {reader}: {difference}"
