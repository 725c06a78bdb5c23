"""The shipped translations: the flagship handout in every registry language, the whole
library in the six main languages, each script in its intended face."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, copy_library, pdf_fonts, run

pytestmark = pytest.mark.slow
MAIN = ("es", "fr", "ar", "zh-Hans", "hi", "uk")


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_library(tmp_path_factory.mktemp("shipped"))
    shutil.copytree(REPO / "translations", root / "translations")
    (root / "handouts/packs.yaml").unlink()  # packs are tested elsewhere; keep this build lean
    run(root, "build", "--only", "relaxed-breathing", "-j", "2", check=True)
    run(root, "build", *[a for tag in MAIN for a in ("--lang", tag)], "-j", "2", check=True)
    return root


def test_flagship_is_built_in_every_registry_language(multilingual: Path) -> None:
    built = sorted(p.parent.name for p in (multilingual / "dist/handouts").glob("*/relaxed-breathing.pdf"))
    registry = [line for line in (REPO / "translations/languages.yaml").read_text().splitlines() if line.startswith("- {tag:")]
    assert len(built) == len(registry) >= 71


@pytest.mark.parametrize("language", MAIN)
def test_whole_library_in_the_main_languages(multilingual: Path, language: str) -> None:
    pdfs = sorted((multilingual / "dist/handouts" / language).glob("*.pdf"))
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
def test_each_language_uses_its_face(multilingual: Path, language: str, face: str) -> None:
    names = [f["name"].split("+", 1)[-1] for f in pdf_fonts(multilingual / "dist/handouts" / language / "relaxed-breathing.pdf")]
    assert any(n.startswith(face) for n in names), names
    assert not any("DejaVu" in n for n in names), names


def test_draft_status_is_printed_on_translated_pages(multilingual: Path) -> None:
    reader = PdfReader(multilingual / "dist/handouts/es/relaxed-breathing.pdf")
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Traducción" in first or "traducción" in first
    english = " ".join(PdfReader(multilingual / "dist/handouts/en/relaxed-breathing.pdf").pages[0].extract_text().split())
    assert "Draft translation" not in english
