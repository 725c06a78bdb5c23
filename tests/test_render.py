"""Rendering a small fixture project: forms, metadata, paper, kept HTML, byte-identical output."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, make_project, pdf_fonts, pdf_text, run


def test_handout_text_citations_dates_and_footer(built_mini: Path) -> None:
    pdf = built_mini / "dist/handouts/en/calm-place.pdf"
    text = " ".join(pdf_text(pdf).split())
    assert "Finding a Calm Place" in text
    assert "Published 15 January 2026" in text and "Review due 15 January 2028" in text
    # "The compassionate mind" sorts before "Introducing..." (APA ignores a leading "The").
    assert "(Gilbert, 2009b)" in text
    assert "(Gilbert, 2009a; Neff et al., 2007)" in text
    assert text.index("Gilbert, P. (2009a). The compassionate mind") < text.index("Gilbert, P. (2009b). Introducing")
    assert "(Gilbert, 2005, pp. 9–74)" in text
    assert "Finding a Calm Place · Edition 2" in text
    assert "© 2026 Test Clinic. Test licence line." in text
    assert "Page 1 of 1" in text
    assert "Calm" in text  # the SVG figure's label is drawn as text
    assert all(f["emb"] == "yes" for f in pdf_fonts(pdf))


def test_external_link_is_a_link_annotation(built_mini: Path) -> None:
    reader = PdfReader(built_mini / "dist/handouts/en/calm-place.pdf")
    uris = [
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots", [])
        if a.get_object().get("/A", {}).get("/URI")
    ]
    assert "https://www.compassionatemind.co.uk" in uris
    assert "https://doi.org/10.1192/apt.bp.107.005264" in uris


def test_outline_lists_title_and_sections(built_mini: Path) -> None:
    reader = PdfReader(built_mini / "dist/handouts/en/calm-place.pdf")
    titles = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert titles[0] == "Finding a Calm Place"
    assert {"Why imagery helps", "Try it", "References"} <= set(titles)


def test_worksheet_fields_are_distinct_and_prefixed(built_mini: Path) -> None:
    reader = PdfReader(built_mini / "dist/handouts/en/daily-log.pdf")
    fields = reader.get_fields() or {}
    expected = {
        "daily-log__name", "daily-log__date",
        "daily-log__log__r1c1", "daily-log__log__r1c2", "daily-log__log__r1c3",
        "daily-log__log__r2c1", "daily-log__log__r2c2", "daily-log__log__r2c3",
        "daily-log__reflect__f1", "daily-log__reflect__f2",
        "daily-log__tried__item1", "daily-log__tried__item2",
    }
    assert set(fields) == expected
    assert fields["daily-log__log__r1c1"]["/FT"] == "/Tx"
    assert fields["daily-log__tried__item1"]["/FT"] == "/Btn"
    # Multiline boxes for writing, single line for the date.
    assert int(fields["daily-log__reflect__f1"].get("/Ff", 0)) & (1 << 12)
    text = " ".join(pdf_text(built_mini / "dist/handouts/en/daily-log.pdf").split())
    assert "WORKED EXAMPLE" in text and "Missed the bus" in text


def test_fields_can_be_filled_in(built_mini: Path, tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=built_mini / "dist/handouts/en/daily-log.pdf")
    writer.update_page_form_field_values(writer.pages[0], {"daily-log__log__r1c2": "Spoke kindly to myself"}, auto_regenerate=False)
    out = tmp_path / "filled.pdf"
    writer.write(out)
    assert PdfReader(out).get_fields()["daily-log__log__r1c2"]["/V"] == "Spoke kindly to myself"


def test_archived_notice_names_the_current_edition(built_mini: Path) -> None:
    first = " ".join(PdfReader(built_mini / "dist/handouts/en/old-log.pdf").pages[0].extract_text().split())
    assert "ARCHIVED EDITION" in first
    assert "“Daily Kindness Log” (edition 1)" in first


def test_letter_paper_from_option_and_settings(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "build", "--only", "calm-place", "--paper", "letter", "-j", "1", check=True)
    box = PdfReader(root / "dist/handouts/en/calm-place.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    settings = root / "pipeline.yaml"
    settings.write_text(settings.read_text().replace("paper: a4", "paper: letter"))
    run(root, "build", "--only", "calm-place", "-j", "1", check=True)
    assert round(float(PdfReader(root / "dist/handouts/en/calm-place.pdf").pages[0].mediabox.height)) == 792
    run(root, "build", "--only", "calm-place", "--paper", "a4", "-j", "1", check=True)
    box = PdfReader(root / "dist/handouts/en/calm-place.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


@pytest.mark.slow
def test_two_clean_builds_in_different_folders_are_byte_identical(tmp_path: Path) -> None:
    first = make_project(tmp_path / "a")
    second = make_project(tmp_path / "somewhere" / "else")
    run(first, "build", "-j", "1", check=True)
    run(second, "build", "-j", "2", check=True)
    outputs = sorted(p.relative_to(first) for p in (first / "dist/handouts").rglob("*.pdf"))
    outputs += sorted(p.relative_to(first) for p in (first / "dist/packs").rglob("*.pdf"))
    assert len(outputs) == 4
    for rel in outputs:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


@pytest.mark.slow
def test_kept_html_renders_the_same_with_the_weasyprint_command(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "build", "--keep-html", "-j", "1", check=True)
    html = root / "dist/html/en/calm-place.html"
    assert html.is_file()
    assert '<link rel="stylesheet" href="../../../styles/print.css">' in html.read_text()
    out = tmp_path / "cli.pdf"
    weasyprint = Path(sys.executable).with_name("weasyprint")
    subprocess.run([str(weasyprint), str(html), str(out)], check=True, capture_output=True)
    ours = " ".join(pdf_text(root / "dist/handouts/en/calm-place.pdf").split())
    theirs = " ".join(pdf_text(out).split())
    assert ours == theirs
    assert len(PdfReader(out).pages) == len(PdfReader(root / "dist/handouts/en/calm-place.pdf").pages)


_BARE = """
import os, sys
os.environ["SOURCE_DATE_EPOCH"] = "0"
from weasyprint import HTML
from press import pdfua, textlayer
textlayer.install()  # the two adaptations of WeasyPrint every render of ours has
pdfua.install()
for html, pdf in zip(sys.argv[1::2], sys.argv[2::2]):
    data = HTML(filename=html).write_pdf(pdf_forms=True, pdf_tags=True, pdf_variant="pdf/ua-1")
    print(html, data == open(pdf, "rb").read())
"""


@pytest.mark.slow
def test_shared_stylesheet_gives_the_bytes_of_plain_weasyprint_on_the_kept_html(tmp_path: Path) -> None:
    # The pipeline parses print.css once per worker and hands it to WeasyPrint (user
    # origin) instead of letting each document load it through <link> (author origin).
    # One process renders every document (-j 1), sharing one font configuration: an
    # Arabic worksheet after a Latin one must still get the Arabic field font.
    root = make_project(tmp_path)
    langs = [a for tag in ("en", "es", "ar", "zh-Hans") for a in ("--lang", tag)]
    run(root, "build", "--only", "calm-place", "--only", "daily-log", *langs, "--keep-html", "-j", "1", check=True)
    pairs = []
    for html in sorted((root / "dist/html").glob("*/*.html")):
        pairs += [str(html), str(root / "dist/handouts" / html.parent.name / (html.stem + ".pdf"))]
    assert len(pairs) == 14  # zh-Hans has no daily-log catalog
    result = subprocess.run([sys.executable, "-c", _BARE, *pairs], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.count(" True") == 7, result.stdout


def test_second_build_does_nothing_and_touching_css_rebuilds(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "build", "-j", "1", check=True)
    pdfs = sorted((root / "dist/handouts/en").glob("*.pdf"))
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pdfs}
    again = run(root, "build", "-j", "1", "--explain", check=True)
    # 3 handouts, 2 pack parts, 1 pack
    assert "built 0, up to date 6" in again.stdout
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in pdfs} == before
    # Editing one handout rebuilds only that handout.
    source = root / "handouts/calm-place.md"
    source.write_text(source.read_text().replace("Sit comfortably.", "Sit or lie comfortably."))
    edited = run(root, "build", "-j", "1", "--explain", check=True)
    # the handout, its pack part and the pack that holds it; nothing else
    assert "built 3, up to date 3" in edited.stdout
    assert "dist/handouts/en/calm-place.pdf: rebuild, source changed" in edited.stderr
    assert "dist/.press/parts/en/calm-place.pdf: rebuild, source changed" in edited.stderr
    assert "dist/packs/en/kindness.pdf: rebuild, parts changed" in edited.stderr
    assert "dist/handouts/en/daily-log.pdf: up to date" in edited.stderr
    # Undoing the edit brings back byte-identical outputs.
    source.write_text(source.read_text().replace("Sit or lie comfortably.", "Sit comfortably."))
    run(root, "build", "-j", "1", check=True)
    assert {p: p.read_bytes() for p in pdfs} == {p: data for p, (_, data) in before.items()}
    # A change to the stylesheet every document reads rebuilds them all.
    css = root / "styles/print.css"
    css.write_text(css.read_text() + "\n/* touched */\n")
    touched = run(root, "build", "-j", "1", "--explain", check=True)
    assert "built 6, up to date 0" in touched.stdout
    assert "styles/print.css changed" in touched.stderr


def test_a_figure_change_rebuilds_only_its_handout(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "build", "-j", "1", check=True)
    svg = root / "handouts/figures/calm.svg"
    svg.write_text(svg.read_text().replace("Calm", "Still"))
    result = run(root, "build", "-j", "1", "--explain", check=True)
    assert "built 3, up to date 3" in result.stdout
    assert "handouts/figures/calm.svg changed" in result.stderr
    assert "Still" in pdf_text(root / "dist/handouts/en/calm-place.pdf")


def test_unreadable_build_records_fall_back_to_a_full_build(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "build", "-j", "1", check=True)
    (root / "dist/.press/build.db").write_bytes(b"not a database, a damaged file" * 100)
    result = run(root, "build", "-j", "1", "--explain", check=True)
    assert "built 6" in result.stdout
    assert "unreadable" in result.stderr
    shutil.rmtree(root / "dist")


def test_a_long_lived_renderer_reads_a_changed_figure_again(tmp_path: Path) -> None:
    # watch --jobs 1 keeps one renderer across builds: an edited figure must not come
    # from what it read for an earlier build.
    from press.render import Renderer, RenderJob

    root = make_project(tmp_path)
    figure = root / "handouts/figures/calm.svg"
    job = RenderJob(str(root), '<p><img src="../../../handouts/figures/calm.svg" alt="calm"></p>', "dist/html/en/x.html", "handouts/calm-place.md", pdf_tags=False)
    renderer = Renderer()
    first = renderer.render(job)
    figure.write_text(figure.read_text().replace('fill="#ddd"', 'fill="#202020"'))
    second = renderer.render(job)
    rel = "handouts/figures/calm.svg"
    assert first.reads[rel] != second.reads[rel]
    assert first.pdf != second.pdf
    assert not first.refused and not second.refused
