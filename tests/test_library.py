"""The shipped library renders end to end: every resource, read back from its PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, pdf_fonts, pdf_text

pytestmark = pytest.mark.slow

IDS = sorted(p.stem for p in (REPO / "handouts").glob("*.md"))


def test_library_has_the_22_resources() -> None:
    assert len(IDS) == 22
    assert "compassionate-thought-challenging-record" in IDS


@pytest.mark.parametrize("resource", IDS)
def test_each_pdf_shows_its_title_and_embeds_every_font(built_library: Path, resource: str) -> None:
    pdf = built_library / "dist" / "handouts" / "en" / f"{resource}.pdf"
    reader = PdfReader(pdf)
    title = reader.metadata.title
    assert title and title.split(":")[0] in " ".join(pdf_text(pdf).split())
    assert 1 <= len(reader.pages) <= 5, f"{resource} has {len(reader.pages)} pages"
    fonts = pdf_fonts(pdf)
    assert fonts, "no fonts at all"
    assert all(f["emb"] == "yes" for f in fonts), fonts
    # Footer on every page: "Page x of y" and the licence line.
    for number, page in enumerate(reader.pages, 1):
        text = " ".join(page.extract_text().split())
        assert f"Page {number} of {len(reader.pages)}" in text
        assert "CC BY-NC-SA 4.0" in text


@pytest.mark.parametrize("resource", IDS)
def test_metadata_language_subject_and_tags(built_library: Path, resource: str) -> None:
    reader = PdfReader(built_library / "dist" / "handouts" / "en" / f"{resource}.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root, "PDF is not tagged"
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata.subject and len(reader.metadata.subject) > 20
    assert reader.metadata.author == "Handout Press Clinical Library"
    assert reader.metadata.creation_date is not None


def test_thought_record_has_prefixed_fillable_fields(built_library: Path) -> None:
    reader = PdfReader(built_library / "dist" / "handouts" / "en" / "compassionate-thought-challenging-record.pdf")
    fields = reader.get_fields() or {}
    names = sorted(fields)
    assert len(names) >= 15
    assert all(n.startswith("compassionate-thought-challenging-record__") for n in names)
    assert "compassionate-thought-challenging-record__record__r1c1" in names
    assert "compassionate-thought-challenging-record__name" in names
    text = " ".join(pdf_text(built_library / "dist/handouts/en/compassionate-thought-challenging-record.pdf").split())
    assert "WORKED EXAMPLE" in text


def test_other_worksheets_are_fillable(built_library: Path) -> None:
    with_fields = []
    for resource in IDS:
        fields = PdfReader(built_library / "dist" / "handouts" / "en" / f"{resource}.pdf").get_fields() or {}
        if fields:
            with_fields.append(resource)
            assert all(name.startswith(resource + "__") for name in fields)
    assert {"gratitude-journal", "compassionate-thought-challenging-record", "grounding-techniques-menu"} <= set(with_fields)


def test_archived_edition_says_so_on_its_first_page(built_library: Path) -> None:
    reader = PdfReader(built_library / "dist" / "handouts" / "en" / "progressive-muscle-relaxation-edition-1.pdf")
    first = " ".join(reader.pages[0].extract_text().split())
    assert "ARCHIVED EDITION" in first  # the label is set in capitals by the stylesheet
    assert "replaced by" in first and "Progressive Muscle Relaxation" in first
    current = " ".join(pdf_text(built_library / "dist/handouts/en/progressive-muscle-relaxation.pdf").split())
    assert "Archived" not in current


def test_references_are_apa7(built_library: Path) -> None:
    text = " ".join(pdf_text(built_library / "dist/handouts/en/developing-self-compassion.pdf").split())
    assert (
        "Neff, K. D., Kirkpatrick, K. L., & Rude, S. S. (2007). Self-compassion and adaptive psychological "
        "functioning. Journal of Research in Personality, 41(1), 139–154."
    ) in text
    motivational = " ".join(pdf_text(built_library / "dist/handouts/en/motivational-systems.pdf").split())
    # Same author, same year: APA a/b suffixes, ordered by title.
    assert "Gilbert, P. (2009a). The compassionate mind" in motivational
    assert "Gilbert, P. (2009b). Introducing compassion-focused therapy" in motivational
    # One author's works share one parenthesis, in reference-list order (APA 7, 8.12).
    assert "(Gilbert, 2009a, 2009b)" in motivational
    assert "Gilbert, 2009a)" in motivational


def test_every_citing_resource_has_a_references_section(built_library: Path) -> None:
    for resource in IDS:
        body = (REPO / "handouts" / f"{resource}.md").read_text()
        text = pdf_text(built_library / "dist" / "handouts" / "en" / f"{resource}.pdf")
        if (resource.startswith("cft-") and "reading" in resource) or resource == "cft-video-lectures":
            continue  # reading lists print their works in full where they stand
        if re.search(r"\[@", body):
            assert "References" in text, resource


def test_reading_lists_print_full_entries(built_library: Path) -> None:
    text = " ".join(pdf_text(built_library / "dist/handouts/en/cft-case-formulation-reading.pdf").split())
    assert "Persons, J. B. (2008). The case formulation approach to cognitive-behavior therapy. Guilford Press." in text
    assert "In P. Gilbert (Ed.), Compassion: Conceptualisations, research and use in psychotherapy (pp. 9–74). Routledge." in text


def test_three_circles_figure_is_drawn(built_library: Path) -> None:
    text = pdf_text(built_library / "dist/handouts/en/motivational-systems.pdf")
    for label in ("Threat", "Drive", "Soothing"):
        assert label in text


def test_no_absolute_paths_in_outputs(built_library: Path) -> None:
    needle = str(built_library).encode()
    for pdf in (built_library / "dist" / "handouts").rglob("*.pdf"):
        assert needle not in pdf.read_bytes(), pdf


def test_kept_html_is_written_for_every_pdf(built_library: Path) -> None:
    kept = sorted(p.stem for p in (built_library / "dist" / "html" / "en").glob("*.html"))
    pdfs = sorted(p.stem for p in (built_library / "dist" / "handouts" / "en").glob("*.pdf"))
    # Every variant's PDF has its HTML beside it; the client versions are all there.
    assert kept == pdfs
    assert set(IDS) <= set(kept)
    assert any(stem.endswith(".professional") for stem in kept)
