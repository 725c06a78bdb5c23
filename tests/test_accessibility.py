"""PDF/UA details read back from real handouts (press/pdfua.py), beyond the structure
checks every deliverable gets in test_readers.py: fields that still work once they carry
their own appearances, the footer out of the tree, alt text in every language, and the
catalog page's focus ring."""

from __future__ import annotations

import html as html_module
import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter

from conftest import REPO, copy_library, pdf_text, run

pytestmark = pytest.mark.slow
WORKSHEET = "compassionate-thought-challenging-record"


def _widgets(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [a for page in pdf.pages for a in page.get("/Annots", []) if a.get("/Subtype") == "/Widget"]


@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hans"])
def test_fields_carry_appearances_for_every_state(full_library: Path, lang: str) -> None:
    with pikepdf.open(full_library / "dist/handouts" / lang / f"{WORKSHEET}.pdf") as pdf:
        widgets = _widgets(pdf)
        assert widgets
        assert "/NeedAppearances" not in pdf.Root.AcroForm
        for widget in widgets:
            states = widget.AP.N
            if widget.get("/FT") == "/Btn":
                assert "/Off" in states and len(states.keys()) == 2, widget.T
            else:
                assert isinstance(states, pikepdf.Stream), widget.T


def test_a_filled_in_worksheet_shows_what_was_typed(full_library: Path, tmp_path: Path) -> None:
    """A viewer that writes the field's own appearance (pypdf, as Preview and Acrobat do)
    shows the typed text; nothing of ours stands in the way."""
    reader = PdfReader(full_library / "dist/handouts/en" / f"{WORKSHEET}.pdf")
    writer = PdfWriter(clone_from=reader)
    text_fields = [name for name, field in reader.get_fields().items() if field.get("/FT") == "/Tx"]
    assert text_fields
    writer.update_page_form_field_values(None, {text_fields[0]: "Kind words to myself"}, auto_regenerate=False)
    out = tmp_path / "filled.pdf"
    with open(out, "wb") as handle:
        writer.write(handle)
    assert PdfReader(out).get_fields()[text_fields[0]]["/V"] == "Kind words to myself"
    assert "Kind words to myself" in pdf_text(out)


def test_the_footer_is_an_artifact(full_library: Path) -> None:
    with pikepdf.open(full_library / "dist/handouts/en/relaxed-breathing.pdf") as pdf:
        artifacts, tagged = [], []
        for page in pdf.pages:
            stack: list[str] = []
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in ("BMC", "BDC"):
                    stack.append(str(operands[0]))
                elif name == "EMC" and stack:
                    stack.pop()
                elif name == "TJ" and stack:
                    (artifacts if "/Artifact" in stack else tagged).append(stack[-1])
        assert artifacts, "no text drawn as an artifact: the footer went into the tree"
        assert tagged
    # The footer is still on the page for people reading it.
    assert "Page 1 of" in pdf_text(full_library / "dist/handouts/en/relaxed-breathing.pdf")


@pytest.mark.parametrize("lang", ["en", "ar", "zh-Hans"])
def test_the_figure_has_alt_text_in_its_language(full_library: Path, lang: str) -> None:
    html = (full_library / "dist/html" / lang / "motivational-systems.html").read_text(encoding="utf-8")
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html, re.S)
    assert caption
    with pikepdf.open(full_library / "dist/handouts" / lang / "motivational-systems.pdf") as pdf:
        alts = [str(obj.Alt) for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure" and "/Alt" in obj]
    assert alts
    assert html_module.unescape(caption.group(1)) in alts


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_catalog_focus_ring_stands_out_against_white() -> None:
    """WCAG 2.2 SC 1.4.11 and 2.4.13: a focus indicator needs 3:1 against its background."""
    template = (REPO / "styles/templates/catalog.html").read_text(encoding="utf-8")
    ring = re.search(r":focus[^{]*\{[^}]*outline:[^;]*?(#[0-9a-fA-F]{6})", template)
    assert ring, "no focus outline colour in the catalog template"
    ratio = (1.05) / (_luminance(ring.group(1)) + 0.05)
    assert ratio >= 3.0, f"focus ring {ring.group(1)} is {ratio:.2f}:1 against white"


def test_two_builds_give_the_same_bytes(full_library: Path, tmp_path: Path) -> None:
    """The appearances and artifacts added here depend on the document alone."""
    root = copy_library(tmp_path, translations=True)
    (root / "handouts/packs.yaml").unlink()
    run(root, "build", "--only", WORKSHEET, "--only", "motivational-systems", "--lang", "ar", "--lang", "en", "-j", "1", check=True)
    for lang in ("ar", "en"):
        for name in (WORKSHEET, "motivational-systems"):
            mine = (root / "dist/handouts" / lang / f"{name}.pdf").read_bytes()
            assert mine == (full_library / "dist/handouts" / lang / f"{name}.pdf").read_bytes(), (lang, name)
    shutil.rmtree(root)
