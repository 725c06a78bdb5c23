"""The shipped translations: the flagship handout in every registry language, the whole
library in the six main languages, each script in its intended face. All read from the
session's one build of every deliverable (conftest.full_library)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, pdf_fonts

pytestmark = pytest.mark.slow
MAIN = ("es", "fr", "ar", "zh-Hans", "hi", "uk")


def test_flagship_is_built_in_every_registry_language(full_library: Path) -> None:
    built = sorted(p.parent.name for p in (full_library / "dist/handouts").glob("*/relaxed-breathing.pdf"))
    registry = [line for line in (REPO / "translations/languages.yaml").read_text().splitlines() if line.startswith("- {tag:")]
    assert len(built) == len(registry) >= 71


@pytest.mark.parametrize("language", MAIN)
def test_whole_library_in_the_main_languages(full_library: Path, language: str) -> None:
    pdfs = sorted((full_library / "dist/handouts" / language).glob("*.pdf"))
    assert len(pdfs) == 22
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert reader.trailer["/Root"]["/Lang"] == language
        assert all(f["emb"] == "yes" for f in pdf_fonts(pdf)), pdf


@pytest.mark.parametrize(
    ("language", "face"),
    [("ur", "Noto-Nastaliq-Urdu"), ("zh-Hans", "Noto-Sans-CJK-SC"), ("zh-Hant", "Noto-Sans-CJK-TC"), ("ar", "Noto-Naskh-Arabic"),
     ("fa", "Noto-Naskh-Arabic"), ("he", "Noto-Sans-Hebrew"), ("hi", "Noto-Sans-Devanagari"), ("am", "Noto-Sans-Ethiopic"),
     ("my", "Noto-Sans-Myanmar"), ("km", "Noto-Sans-Khmer"), ("th", "Noto-Sans-Thai"), ("ja", "Noto-Sans-CJK-JP"), ("ko", "Noto-Sans-CJK-KR")],
)
def test_each_language_uses_its_face(full_library: Path, language: str, face: str) -> None:
    names = [f["name"].split("+", 1)[-1] for f in pdf_fonts(full_library / "dist/handouts" / language / "relaxed-breathing.pdf")]
    assert any(n.startswith(face) for n in names), names
    assert not any("DejaVu" in n for n in names), names


def test_draft_status_is_printed_on_translated_pages(full_library: Path) -> None:
    reader = PdfReader(full_library / "dist/handouts/es/relaxed-breathing.pdf")
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Traducción" in first or "traducción" in first
    english = " ".join(PdfReader(full_library / "dist/handouts/en/relaxed-breathing.pdf").pages[0].extract_text().split())
    assert "Draft translation" not in english
