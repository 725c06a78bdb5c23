"""Variants from one source, read back from real PDFs: professional passages only in the
professional version, large print measured from the page content itself (MuPDF's
character sizes, not our CSS) in English, Arabic and Chinese, fillable and taller fields,
packs per variant with right contents numbers, translation status per variant, the
catalog's variant lists, located errors, and rebuilds that touch only what changed."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pikepdf
import pytest

import readers
from conftest import REPO, copy_library, make_project, pdf_text, run
from press.variants import CLIENT, LARGE_PRINT, PROFESSIONAL, client_body, passages, source_digest

# A client resource with professional passages and a worksheet, in the shipped library.
WORKSHEET = "compassionate-thought-challenging-record"
LANGUAGES = ("en", "ar", "zh-Hans")
# A sentence of the shipped professional passage, and one of the client text.
PROFESSIONAL_HEADING = "Guidance for professionals"

PASSAGE = """
::: professional
## Notes for therapists

Offer this sheet once the client has practised it in session [@gilbert2009].
:::
"""


# --------------------------------------------------------------------------------------
# The passage syntax, on made-up text.


def test_passages_are_found_line_by_line_outside_fenced_blocks() -> None:
    body = "Intro\n\n::: professional\nFor therapists.\n:::\n\n```worksheet\n::: professional\n```\nEnd\n"
    assert passages(body) == ((2, 4),)
    assert client_body(body, passages(body)) == "Intro\n\n\n```worksheet\n::: professional\n```\nEnd\n"


def test_only_the_professional_key_follows_a_passage_edit() -> None:
    before = "Client text.\n\n::: professional\nOld guidance.\n:::\n"
    after = before.replace("Old", "New")
    for variant in (CLIENT, LARGE_PRINT):
        assert source_digest("file-1", "front", before, passages(before), variant) == source_digest("file-2", "front", after, passages(after), variant)
    assert source_digest("file-1", "front", before, passages(before), PROFESSIONAL) != source_digest("file-2", "front", after, passages(after), PROFESSIONAL)
    edited = before.replace("Client text", "Changed client text")
    assert source_digest("f", "front", before, passages(before), CLIENT) != source_digest("f", "front", edited, passages(edited), CLIENT)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Text.\n\n::: professional\nNever closed.\n", "never closed"),
        ("Text.\n\n::: clinician\nGuidance.\n:::\n", "unknown passage '::: clinician'"),
        ("- item\n\n  ::: professional\n  In a list.\n  :::\n", "outside lists"),
        ("```worksheet\nname: w\n::: professional\nfields:\n  - label: A\n```\n", "inside a ```worksheet block"),
        ("| a | b |\n|---|---|\n| ::: professional | x |\n", "inside a table"),
    ],
    ids=["unclosed", "unknown", "in-a-list", "in-a-worksheet", "in-a-table"],
)
def test_a_bad_passage_is_a_located_error(tmp_path: Path, body: str, message: str) -> None:
    root = make_project(tmp_path)
    path = root / "handouts/calm-place.md"
    text = path.read_text(encoding="utf-8")
    front_end = text.index("---", 3) + 4
    path.write_text(text[:front_end] + body, encoding="utf-8")
    result = run(root, "check")
    assert result.returncode == 1
    found = [m for m in result.stderr.splitlines() if message in m]
    assert found, result.stderr
    # Each marker is on the body's third line, which is this line of the file.
    line = text[:front_end].count("\n") + 3
    assert found[0].startswith(f"error: handouts/calm-place.md:{line}:"), found[0]


def test_an_unknown_variant_is_a_located_error(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    result = run(root, "build", "--variant", "braille")
    assert result.returncode == 1
    assert "--variant" in result.stderr and "unknown variant 'braille'" in result.stderr and "large-print" in result.stderr
    settings = root / "pipeline.yaml"
    text = settings.read_text(encoding="utf-8").replace("variants: [client]", "variants: [client, huge-print]")
    settings.write_text(text, encoding="utf-8")
    line = text.split("\n").index("variants: [client, huge-print]") + 1
    result = run(root, "build")
    assert result.returncode == 1
    assert f"error: pipeline.yaml:{line}: unknown variant 'huge-print'" in result.stderr
    assert not (root / "dist/handouts").exists()


def test_professional_messages_carry_a_translator_comment(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    path = root / "handouts/calm-place.md"
    path.write_text(path.read_text(encoding="utf-8") + PASSAGE, encoding="utf-8")
    run(root, "i18n", "extract", check=True)
    template = (root / "translations/templates/calm-place.pot").read_text(encoding="utf-8")
    entry = template.split('msgid "Notes for therapists"')[0].rsplit("\n\n", 1)[1]
    assert "#. Professional version only" in entry
    client = template.split('msgid "Calm Place"')[0].rsplit("\n\n", 1)[1] if 'msgid "Calm Place"' in template else ""
    assert "Professional version only" not in client


# --------------------------------------------------------------------------------------
# The shipped library in three variants, read back.


def _stext_sizes(pdf: Path) -> list[tuple[float, str]]:
    """(font size, character) of every character MuPDF finds above each page's footer."""
    out = subprocess.run(["mutool", "draw", "-F", "stext", "-o", "-", str(pdf)], capture_output=True, check=True).stdout
    found = []
    for page in ET.fromstring(out).iter("page"):
        footer_top = float(page.get("height", "0")) - 27 / 25.4 * 72  # large print's bottom margin
        for font in page.iter("font"):
            size = float(font.get("size", "0"))
            for char in font.iter("char"):
                if float(char.get("y", "0")) < footer_top and char.get("c", "").strip():
                    found.append((size, char.get("c", "")))
    return found


@pytest.fixture(scope="module")
def variants_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped library in English, Arabic and Chinese, every variant."""
    root = copy_library(tmp_path_factory.mktemp("variants"), translations=True)
    args = [a for lang in LANGUAGES for a in ("--lang", lang)]
    run(root, "build", *args, "--jobs", "2", check=True)
    return root


@pytest.mark.slow
def test_professional_passages_appear_only_in_the_professional_version(variants_library: Path) -> None:
    handouts = variants_library / "dist/handouts/en"
    for pdf in sorted(handouts.glob("*.professional.pdf")):
        resource = pdf.name.removesuffix(".professional.pdf")
        assert PROFESSIONAL_HEADING in pdf_text(pdf), pdf.name
        assert "PROFESSIONAL VERSION" in pdf_text(pdf).split("\n", 2)[0], pdf.name
        for other in (handouts / f"{resource}.pdf", handouts / f"{resource}.large-print.pdf"):
            assert PROFESSIONAL_HEADING not in pdf_text(other), other.name
    assert len(list(handouts.glob("*.professional.pdf"))) >= 10
    # A resource for professionals has one version; the client version is unchanged.
    assert not (handouts / "compassionate-friend-group.professional.pdf").exists()
    assert not (handouts / "compassionate-friend-group.large-print.pdf").exists()


@pytest.mark.slow
def test_works_cited_only_for_professionals_are_listed_only_there(variants_library: Path) -> None:
    source = (REPO / "handouts" / f"{WORKSHEET}.md").read_text(encoding="utf-8")
    spans = passages(source)
    lines = source.split("\n")
    inside = {k for a, b in spans for line in lines[a : b + 1] for k in re.findall(r"@([a-z0-9]+)", line)}
    outside = set(re.findall(r"@([a-z0-9]+)", client_body(source, spans)))
    only_professional = inside - outside
    assert only_professional, "the worksheet's guidance cites a work of its own"
    from press.project import load_project
    from press.references import load_references

    references, _ = load_references(load_project(REPO))
    professional = readers.squeeze(pdf_text(variants_library / f"dist/handouts/en/{WORKSHEET}.professional.pdf"))
    client = readers.squeeze(pdf_text(variants_library / f"dist/handouts/en/{WORKSHEET}.pdf"))
    for key in only_professional:
        title = readers.squeeze(" ".join(str(references.items[key]["title"]).split()[:5]))
        assert title in professional, key
        assert title not in client, key


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_large_print_body_is_at_least_16_points_on_the_page(variants_library: Path, lang: str) -> None:
    for resource in (WORKSHEET, "relaxed-breathing", "motivational-systems"):
        large = _stext_sizes(variants_library / f"dist/handouts/{lang}/{resource}.large-print.pdf")
        client = _stext_sizes(variants_library / f"dist/handouts/{lang}/{resource}.pdf")
        assert large and client
        smallest = min(size for size, _ in large)
        sizes = sorted(size for size, _ in large)
        body = sizes[len(sizes) // 2]
        # Figure labels are drawn at the figure's own scale; every other character of
        # the page, text of worksheets and references included, is 16 pt or more.
        figure_free = [size for size, _ in large if size >= 15.9]
        assert body >= 15.9, f"{lang} {resource}: median character size {body}"
        assert len(figure_free) / len(large) > 0.97, f"{lang} {resource}: smallest {smallest}"
        client_body_size = sorted(size for size, _ in client)[len(client) // 2]
        assert client_body_size < 12, client_body_size


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_large_print_fields_are_fillable_taller_and_larger(variants_library: Path, lang: str) -> None:
    def fields(pdf: Path) -> dict[str, tuple[float, float]]:
        with pikepdf.open(pdf) as doc:
            found = {}
            for page in doc.pages:
                for a in page.get("/Annots", []):
                    if a.get("/Subtype") == "/Widget" and a.get("/FT") == "/Tx":
                        rect = [float(v) for v in a.Rect]
                        size = float(re.search(r"([0-9.]+) Tf", str(a.DA)).group(1))
                        found[str(a.T)] = (abs(rect[3] - rect[1]), size)
            return found

    large = fields(variants_library / f"dist/handouts/{lang}/{WORKSHEET}.large-print.pdf")
    client = fields(variants_library / f"dist/handouts/{lang}/{WORKSHEET}.pdf")
    assert large.keys() == client.keys() and len(large) >= 10
    for name, (height, size) in large.items():
        assert height > 1.4 * client[name][0], name
        assert size >= 15.9 > client[name][1], name


def test_large_print_stacks_a_table_whose_headings_or_example_do_not_fit() -> None:
    from press.worksheets import stacks_in_large_print

    record = ["Situation", "Feelings (0-100)", "Self-critical thoughts", "Compassionate response", "Feelings now (0-100)"]
    assert stacks_in_large_print(record, example=False)  # "Compassionate" is wider than 36 mm at 16 pt
    assert stacks_in_large_print(record[:4], example=True)  # an example a page tall in 45 mm columns
    assert not stacks_in_large_print(["Date", "Tension before (0-10)", "Tension after (0-10)", "Notes"], example=False)
    assert not stacks_in_large_print(["Day", "Three things I appreciated today", "What I noticed"], example=True)
    assert stacks_in_large_print(["Tag", "Entspannungsübungen", "Notizen", "Gefühl"], example=False)
    assert not stacks_in_large_print(["情境", "感受（0-100）", "自我批评的想法", "慈悲的回应", "现在的感受（0-100）"][:3], example=False)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_large_print_stacks_the_thought_record_into_full_width_boxes(variants_library: Path, lang: str) -> None:
    # At 16 pt its five columns are 36 mm wide: headings ran into each other and the worked
    # example row, taller than a page, left the headings alone at the foot of a page.
    def widths(pdf: Path) -> dict[str, float]:
        with pikepdf.open(pdf) as doc:
            return {str(a.T): abs(float(a.Rect[2]) - float(a.Rect[0])) / 72 * 25.4 for page in doc.pages for a in page.get("/Annots", []) if a.get("/FT") == "/Tx"}

    large = widths(variants_library / f"dist/handouts/{lang}/{WORKSHEET}.large-print.pdf")
    client = widths(variants_library / f"dist/handouts/{lang}/{WORKSHEET}.pdf")
    table = {name: mm for name, mm in large.items() if "__r" in name}
    assert len(table) == 15 and table.keys() <= client.keys()
    assert min(table.values()) > 150, min(table.values())  # the text column less the entry number
    assert max(mm for name, mm in client.items() if "__r" in name) < 45  # the client version keeps its table
    text = " ".join(pdf_text(variants_library / f"dist/handouts/{lang}/{WORKSHEET}.large-print.pdf").split())
    if lang == "en":
        # Each heading directly before its example text, as a reader of the page takes them.
        assert "Situation Tuesday morning. My manager pointed out a mistake" in text
        assert "Feelings now (0-100) Shame 45, anxious 35, low 40. A little calmer." in text


@pytest.mark.slow
def test_every_variant_is_tagged_and_checks_clean_in_qpdf(variants_library: Path) -> None:
    problems = []
    for lang in LANGUAGES:
        for pdf in sorted((variants_library / "dist/handouts" / lang).glob("*.*.pdf")) + sorted((variants_library / "dist/packs" / lang).glob("*.*.pdf")):
            problems += [f"{pdf.name} ({lang}): {p}" for p in readers.structure_problems(pdf, lang) + readers.qpdf_problems(pdf)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.slow
def test_packs_exist_per_variant_with_right_contents_numbers(variants_library: Path) -> None:
    packs = variants_library / "dist/packs/en"
    assert (packs / "cft-client.large-print.pdf").is_file()
    assert (packs / "cft-clinician.professional.pdf").is_file()
    assert not (packs / "cft-client.professional.pdf").exists()  # a client pack
    assert not (packs / "cft-clinician.large-print.pdf").exists()
    for name, heading in (("cft-client.large-print.pdf", "Introducing Compassion"), ("cft-clinician.professional.pdf", "The Three Systems")):
        pdf = packs / name
        pages = [" ".join(p.split()) for p in pdf_text(pdf).split("\f")]
        contents = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "3", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        listed = [(m.group(1).strip(), int(m.group(2))) for m in re.finditer(r"^\s*(\S.*?\S) {2,}(\d+)\s*$", contents, re.MULTILINE)]
        assert listed, contents
        for title, number in listed:
            words = " ".join(title.split()[:3])
            assert words in pages[number - 1], f"{name}: '{title}' listed on page {number}"
        assert any(heading in t for t, _ in listed), listed
    # The professional pack holds the guidance of its client resources; the client pack does not.
    assert PROFESSIONAL_HEADING in pdf_text(packs / "cft-clinician.professional.pdf")
    assert PROFESSIONAL_HEADING not in pdf_text(packs / "cft-client.large-print.pdf")
    large = _stext_sizes(packs / "cft-client.large-print.pdf")
    assert sorted(s for s, _ in large)[len(large) // 2] >= 15.9


@pytest.mark.slow
def test_the_catalog_lists_the_variants_of_each_resource(variants_library: Path) -> None:
    page = (variants_library / "dist/index.html").read_text(encoding="utf-8")
    for lang in LANGUAGES:
        assert f'href="handouts/{lang}/{WORKSHEET}.large-print.pdf"' in page
        assert f'href="handouts/{lang}/{WORKSHEET}.pdf"' in page
    assert f'href="handouts/en/{WORKSHEET}.professional.pdf"' in page
    article = page.split(f'handouts/en/{WORKSHEET}.pdf"')[0].rsplit("<article", 1)[1]
    assert "Client version" in article
    rest = page.split(f'handouts/en/{WORKSHEET}.pdf"')[1].split("</article>")[0]
    assert "Professional version" in rest and "Large print" in rest


@pytest.mark.slow
def test_large_print_is_byte_reproducible(variants_library: Path, tmp_path: Path) -> None:
    again = copy_library(tmp_path, translations=True)
    run(again, "build", "--lang", "ar", "--only", WORKSHEET, "--variant", "large-print", "--jobs", "1", check=True)
    name = f"dist/handouts/ar/{WORKSHEET}.large-print.pdf"
    assert (again / name).read_bytes() == (variants_library / name).read_bytes()


@pytest.mark.slow
def test_a_professional_passage_edit_rebuilds_only_professional_outputs(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    path = root / "handouts/calm-place.md"
    path.write_text(path.read_text(encoding="utf-8") + PASSAGE, encoding="utf-8")
    settings = root / "pipeline.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("variants: [client]", "variants: [client, professional, large-print]"), encoding="utf-8")
    packs = root / "handouts/packs.yaml"
    packs.write_text(packs.read_text(encoding="utf-8") + "- id: kindness-pro\n  title: A Pack for Therapists\n  summary: For testing.\n  audience: professional\n  resources: [calm-place]\n", encoding="utf-8")
    run(root, "build", "--jobs", "2", check=True)
    dist = root / "dist"
    assert (dist / "handouts/en/calm-place.professional.pdf").is_file()
    assert (dist / "packs/en/kindness-pro.professional.pdf").is_file()
    assert (dist / "packs/en/kindness.large-print.pdf").is_file()
    path.write_text(path.read_text(encoding="utf-8").replace("once the client has practised", "after the client has tried"), encoding="utf-8")
    result = run(root, "build", "--explain", "--jobs", "2", check=True)
    rebuilt = sorted(line.split(":")[0] for line in result.stderr.splitlines() if ": rebuild," in line)
    assert rebuilt == [
        "dist/.press/parts/en/calm-place.professional.pdf",
        "dist/handouts/en/calm-place.professional.pdf",
        "dist/packs/en/kindness-pro.professional.pdf",
    ], result.stderr
    # A client edit rebuilds the client versions and large print, not the passage's own key.
    assert "dist/handouts/en/calm-place.large-print.pdf: up to date" in result.stderr


@pytest.mark.slow
def test_client_versions_ship_while_professional_passages_are_untranslated(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    path = root / "handouts/calm-place.md"
    path.write_text(path.read_text(encoding="utf-8") + PASSAGE, encoding="utf-8")
    status = run(root, "i18n", "status", "--lang", "es", check=True).stdout
    assert re.search(r"calm-place: client and large print complete \(\d+/\d+ translated", status), status
    assert re.search(r"calm-place: professional partial \(\d+/\d+ translated, 0 fuzzy, 2 untranslated\)", status), status
    result = run(root, "build", "--lang", "es", "--variant", "client", "--variant", "large-print", "--variant", "professional", "--jobs", "2", check=True)
    assert (root / "dist/handouts/es/calm-place.pdf").is_file()
    assert (root / "dist/handouts/es/calm-place.large-print.pdf").is_file()
    assert not (root / "dist/handouts/es/calm-place.professional.pdf").exists()
    assert "translation partial of the professional passages" in result.stderr
