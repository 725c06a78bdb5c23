"""Packs, read back: contents against real pages, outline, continuous numbers, appendix,
form fields after merging, right-to-left packs, located errors in packs.yaml."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import make_project, pdf_fonts, run

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("packs"))
    run(root, "build", "--lang", "en", "--lang", "ar", "-j", "2", "--allow-incomplete", check=True)
    return root


def _pages(pdf: Path) -> list[str]:
    return [" ".join(_BIDI.sub("", page.extract_text()).split()) for page in PdfReader(pdf).pages]


def test_contents_numbers_are_the_pages_where_titles_stand(packed: Path) -> None:
    pdf = packed / "dist/packs/en/kindness.pdf"
    pages = _pages(pdf)
    contents = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert contents.strip().startswith("Contents")
    for title in ("Finding a Calm Place", "Daily Kindness Log", "Bibliography"):
        listed = int(re.search(re.escape(title) + r" +(\d+)\n", contents).group(1))
        assert title in pages[listed - 1], f"{title} listed on page {listed}"
        assert all(title not in p for p in pages[2 : listed - 1]), f"{title} appears before page {listed}"


def test_page_numbers_run_continuously_after_the_cover(packed: Path) -> None:
    pages = _pages(packed / "dist/packs/en/kindness.pdf")
    total = len(pages)
    assert total == 5
    assert "Page" not in pages[0]
    for number, text in enumerate(pages[1:], 2):
        assert f"Page {number} of {total}" in text
        assert text.count(" of ") >= 1 and "Page 1 of 1" not in text  # no per-handout numbering left


def test_outline_nests_pack_resources_and_sections(packed: Path) -> None:
    reader = PdfReader(packed / "dist/packs/en/kindness.pdf")
    outline = reader.outline
    assert outline[0].title == "A Kindness Starter Pack"
    children = outline[1]
    titles = [item.title for item in children if not isinstance(item, list)]
    assert titles == ["Contents", "Finding a Calm Place", "Daily Kindness Log", "Bibliography"]
    calm_sections = [item.title for item in children[2]]
    assert calm_sections == ["Why imagery helps", "Try it", "References"]
    assert reader.get_destination_page_number(children[1]) == 2  # 0-based: the resource starts on page 3


def test_appendix_lists_every_cited_work_once_in_apa_order(packed: Path) -> None:
    pages = _pages(packed / "dist/packs/en/kindness.pdf")
    appendix = pages[-1]
    assert appendix.startswith("Bibliography")
    firsts = re.findall(r"(Gilbert, P\. \(\d{4}[ab]?\)|Neff, K\. D\.[^(]*\(\d{4}\))", appendix)
    assert firsts == ["Gilbert, P. (2005)", "Gilbert, P. (2009a)", "Gilbert, P. (2009b)", "Neff, K. D., Kirkpatrick, K. L., & Rude, S. S. (2007)"]
    assert "In P. Gilbert (Ed.), Compassion: Conceptualisations, research and use in psychotherapy (pp. 9–74). Routledge." in appendix


def test_form_fields_survive_merging_and_stay_distinct(packed: Path) -> None:
    fields = PdfReader(packed / "dist/packs/en/kindness.pdf").get_fields() or {}
    assert len(fields) == 12
    assert all(name.startswith("daily-log__") for name in fields)
    assert fields["daily-log__log__r2c3"]["/FT"] == "/Tx"


def test_pack_metadata_and_fonts(packed: Path) -> None:
    pdf = packed / "dist/packs/en/kindness.pdf"
    reader = PdfReader(pdf)
    assert reader.metadata.title == "A Kindness Starter Pack"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert all(f["emb"] == "yes" for f in pdf_fonts(pdf))


def test_right_to_left_pack(packed: Path) -> None:
    pdf = packed / "dist/packs/ar/kindness.pdf"
    pages = _pages(pdf)
    assert "حزمة البداية في اللطف" in pages[0]
    assert "العربية" in pages[0]  # the language's own name on the cover
    assert "العثور على مكان هادئ" in pages[2]
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "ar"
    assert any(f["name"].split("+")[-1].startswith("Noto-Naskh-Arabic") for f in pdf_fonts(pdf))


def test_pack_command_builds_one_pack(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    result = run(root, "pack", "kindness", "--lang", "en", "-j", "1", check=True)
    assert (root / "dist/packs/en/kindness.pdf").is_file()
    assert "built" in result.stdout
    bad = run(root, "pack", "nope", "--lang", "en")
    assert bad.returncode == 1 and "no pack 'nope'; packs: kindness" in bad.stderr


def test_incomplete_languages_skip_the_pack_with_a_reason(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    result = run(root, "build", "--lang", "ur", "-j", "1", check=True)
    assert "skipped 1 in ur: pack needs translations" in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    - daily-log\n", "    - daily-logs\n", "handouts/packs.yaml:7: unknown resource 'daily-logs' in pack 'kindness'; did you mean 'daily-log'?"),
        ("    - daily-log\n", "    - daily-log\n    - calm-place\n", "handouts/packs.yaml:8: resource 'calm-place' is listed twice in pack 'kindness'"),
        ("  audience: client\n", "  audience: everyone\n", "handouts/packs.yaml:4: audience must be client or professional"),
    ],
)
def test_packs_yaml_errors_are_located(tmp_path: Path, old: str, new: str, message: str) -> None:
    root = make_project(tmp_path)
    path = root / "handouts/packs.yaml"
    path.write_text(path.read_text().replace(old, new))
    result = run(root, "build", "-j", "1")
    assert result.returncode == 1
    assert message in result.stderr


def test_duplicate_pack_ids_are_located(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    path = root / "handouts/packs.yaml"
    path.write_text(path.read_text() + path.read_text())
    result = run(root, "check")
    assert result.returncode == 1
    assert "handouts/packs.yaml:8: duplicate pack id 'kindness' (first at line 1)" in result.stderr


def test_an_edit_that_keeps_page_counts_reassembles_without_rendering_the_skeleton(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "build", "--lang", "en", "-j", "1", check=True)
    skeleton = root / "dist/.press/skeletons/en/kindness.pdf"
    pack = root / "dist/packs/en/kindness.pdf"
    before = (skeleton.stat().st_mtime_ns, pack.read_bytes())
    source = root / "handouts/calm-place.md"
    source.write_text(source.read_text().replace("Sit comfortably.", "Sit or lie comfortably."))
    edited = run(root, "build", "--lang", "en", "-j", "1", "--explain", check=True)
    assert "dist/packs/en/kindness.pdf: rebuild, parts changed" in edited.stderr
    # Same titles, same page counts, same citations: the skeleton is reused as it was ...
    assert skeleton.stat().st_mtime_ns == before[0]
    # ... and the pack carries the new text with the same numbering.
    assert pack.read_bytes() != before[1]
    pages = _pages(pack)
    assert any("Sit or lie comfortably." in p for p in pages)
    assert len(pages) == len(PdfReader(skeleton).pages)
    short = len(pages)
    # A longer resource changes the page counts: the skeleton is rendered again and the
    # contents follow the pages.
    source.write_text(source.read_text() + "\n" + "\n\n".join(["A longer practice paragraph, repeated to add pages to the resource."] * 60) + "\n")
    run(root, "build", "--lang", "en", "-j", "1", check=True)
    assert skeleton.stat().st_mtime_ns != before[0]
    pages = _pages(pack)
    assert len(pages) == len(PdfReader(skeleton).pages) > short
    contents = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(pack), "-"], capture_output=True, text=True, check=True).stdout
    listed = int(re.search(r"Daily Kindness Log +(\d+)\n", contents).group(1))
    assert "Daily Kindness Log" in pages[listed - 1] and all("Daily Kindness Log" not in p for p in pages[2 : listed - 1])


def test_a_second_build_writes_no_file_at_all(tmp_path: Path) -> None:
    """Not a PDF, not the records, not the catalog page: a no-op build only reads (and
    takes the build lock, which holds its process id)."""
    root = make_project(tmp_path)
    run(root, "build", "-j", "1", check=True)

    def files() -> dict[Path, tuple[int, bytes]]:
        return {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (root / "dist").rglob("*") if p.is_file() and p.name != "lock"}

    before = files()
    assert {root / "dist/.press/build.db", root / "dist/index.html", root / "dist/packs/en/kindness.pdf"} <= set(before)
    assert "built 0" in run(root, "build", "-j", "1", check=True).stdout
    assert files() == before


def test_an_untranslated_pack_text_skips_the_pack_until_it_is_translated(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    langs = ["--lang", "es", "-j", "1", "--explain"]
    run(root, "build", *langs, check=True)
    assert (root / "dist/packs/es/kindness.pdf").is_file()
    po = root / "translations/es/packs.po"
    text = po.read_text()
    po.write_text(text.replace('msgstr "Un paquete breve para pruebas."', 'msgstr ""'))
    result = run(root, "build", *langs, check=True)
    assert "dist/packs/es/kindness.pdf: skipped, pack texts partial (translations/es/packs.po)" in result.stdout + result.stderr
    po.write_text(text)
    result = run(root, "build", *langs, check=True)
    assert re.search(r"dist/packs/es/kindness.pdf: (up to date|rebuild)", result.stdout + result.stderr), result.stdout + result.stderr


# --------------------------------------------------------------------------------------
# One structure tree (press/packmerge.py)


def _tree(pdf: pikepdf.Pdf) -> tuple[pikepdf.Dictionary, list[pikepdf.Dictionary]]:
    """The Document element and every structure element below it."""
    root = pdf.Root.StructTreeRoot
    document = root.K if isinstance(root.K, pikepdf.Dictionary) else root.K[0]
    found, stack, seen = [], [document], set()
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary) or node.get("/Type") == "/OBJR" or node.objgen in seen:
            continue
        seen.add(node.objgen)
        found.append(node)
        if "/K" in node:
            stack.append(node.K)
    return document, found


def test_a_pack_has_one_structure_tree_in_reading_order(packed: Path) -> None:
    with pikepdf.open(packed / "dist/packs/en/kindness.pdf") as pdf:
        document, elements = _tree(pdf)
        kinds = [str(kid.S) for kid in document.K]
        # cover and contents, one Part per resource in pack order, the bibliography
        assert kinds.count("/Part") == 2
        first, last = kinds.index("/Part"), len(kinds) - 1 - kinds[::-1].index("/Part")
        assert first >= 1 and last < len(kinds) - 1
        pages = {page.obj.objgen for page in pdf.pages}
        assert all(e.Pg.objgen in pages for e in elements if "/Pg" in e)
        assert all(e.P.objgen in {x.objgen for x in elements} | {pdf.Root.StructTreeRoot.objgen} for e in elements)
        assert pdf.Root.MarkInfo.Marked
        assert pdf.Root.ViewerPreferences.DisplayDocTitle
        meta = pdf.open_metadata()
        assert meta.get("dc:title") == "A Kindness Starter Pack"
        assert str(meta.get("pdfuaid:part")) == "1"


def test_every_marked_content_id_and_annotation_resolves(packed: Path) -> None:
    with pikepdf.open(packed / "dist/packs/en/kindness.pdf") as pdf:
        tree = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(tree[i]): tree[i + 1] for i in range(0, len(tree), 2)}
        marked = annotations = 0
        keys = set()
        for page in pdf.pages:
            key = int(page.obj.StructParents)
            assert key not in keys, "two pages share a ParentTree entry"
            keys.add(key)
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                    element = parents[key][int(operands[1].MCID)]
                    assert element.Pg.objgen == page.obj.objgen
                    marked += 1
            for annotation in page.obj.get("/Annots", []):
                element = parents[int(annotation.StructParent)]
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Obj") is not None and k.Obj.objgen == annotation.objgen for k in kids)
                annotations += 1
        assert marked > 50 and annotations >= 12  # the daily log's fields and the links


def test_page_numbers_are_artifacts(packed: Path) -> None:
    with pikepdf.open(packed / "dist/packs/en/kindness.pdf") as pdf:
        page = pdf.pages[3]
        stamp = page.obj.Resources.XObject.PackStamp
        operators = [(str(op), [str(o) for o in operands]) for operands, op in pikepdf.parse_content_stream(stamp)]
        shown = [i for i, (op, _) in enumerate(operators) if op in ("TJ", "Tj")]
        opened = [i for i, (op, args) in enumerate(operators) if op == "BMC" and args == ["/Artifact"]]
        assert shown and opened and opened[0] < shown[0]


def test_assembling_twice_gives_the_same_bytes(packed: Path, tmp_path: Path) -> None:
    from press.packs import assemble

    skeleton = (packed / "dist/.press/skeletons/en/kindness.pdf").read_bytes()
    parts = [(r, (packed / f"dist/.press/parts/en/{r}.pdf").read_bytes()) for r in ("calm-place", "daily-log")]
    labels = {"contents": "Contents", "bibliography": "Bibliography"}
    first = assemble(skeleton, parts, "A Kindness Starter Pack", labels, {"/Title": "A Kindness Starter Pack"}, "en")
    assert first == assemble(skeleton, parts, "A Kindness Starter Pack", labels, {"/Title": "A Kindness Starter Pack"}, "en")
    (tmp_path / "pack.pdf").write_bytes(first)
    assert subprocess.run(["qpdf", "--check", str(tmp_path / "pack.pdf")], capture_output=True).returncode == 0
