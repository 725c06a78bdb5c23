"""CJK body faces cut down to a declared character set: same pages, smaller and faster PDFs,
the whole face behind them, and exact rebuilds when the set or the stack changes."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

import readers
from conftest import make_project, pdf_fonts, pdf_text, run
from press import fonts as press_fonts

ZH = "dist/handouts/zh-Hans/calm-place.pdf"
# U+5586 is in GBK but not in GB 2312, so it is outside the cut face.
RARE = "喆"


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("cjk"))
    run(root, "build", "--only", "calm-place", "--lang", "en", "--lang", "zh-Hans", "--keep-html", "-j", "1", check=True)
    return root


def _embedded_fonts(pdf: Path) -> dict[str, TTFont]:
    """The font programs a PDF embeds, by base font name without the subset tag."""
    fonts = {}
    for page in PdfReader(pdf).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = next(descriptor[k] for k in ("/FontFile3", "/FontFile2") if k in descriptor).get_object()
            fonts[str(font["/BaseFont"]).split("+", 1)[-1]] = TTFont(io.BytesIO(program.get_data()), lazy=True)
    return fonts


def _first_page_png(pdf: Path, out: Path) -> bytes:
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)], check=True)
    return out.with_suffix(".png").read_bytes()


def test_chinese_is_set_in_the_cut_face_with_few_glyphs(chinese: Path) -> None:
    fonts = _embedded_fonts(chinese / ZH)
    cjk = {name: font for name, font in fonts.items() if name.startswith("Noto-Sans-CJK-SC")}
    # Regular and bold, both from the cut face (its family carries the subset's hash).
    assert len(cjk) == 2 and all(re.match(r"Noto-Sans-CJK-SC-[0-9a-f]{10}", n) for n in cjk), list(fonts)
    # A subset of the whole 65,535-glyph face keeps a slot for every glyph up to the
    # last one used (63,000 here); the cut face has under 14,000 (8,041 characters and
    # the variants its layout features reach).
    assert all(font["maxp"].numGlyphs < 14000 for font in cjk.values()), {n: f["maxp"].numGlyphs for n, f in cjk.items()}
    assert "寻找一个平静的地方" in pdf_text(chinese / ZH).replace("\n", "")
    cut = sorted((chinese / "dist/.press/fonts").glob("Noto-Sans-CJK-SC-*.otf"))
    assert [p.name.split("-")[4] for p in cut] == ["400", "700"]


def test_cut_face_draws_the_same_page_as_the_whole_face(chinese: Path, tmp_path: Path) -> None:
    """The kept HTML rendered with the cut face's @font-face rules taken out (so the
    installed face sets every character) gives the same pixels."""
    from weasyprint import HTML

    kept = chinese / "dist/html/zh-Hans/calm-place.html"
    html = kept.read_text()
    family = re.search(r'font-family: "(Noto Sans CJK SC [0-9a-f]{10})"', html)
    assert family is not None
    whole = re.sub(r"@font-face \{ font-family: \"Noto Sans CJK SC [0-9a-f]{10}\";[^}]*\}\n", "", html).replace(f'"{family[1]}", ', "")
    assert family[1] not in whole
    reference = tmp_path / "whole.pdf"
    HTML(string=whole, base_url=kept.as_uri()).write_pdf(reference, pdf_forms=True, pdf_tags=True)
    assert not any(re.match(r"Noto-Sans-CJK-SC-[0-9a-f]{10}", f["name"].split("+")[-1]) for f in pdf_fonts(reference))
    assert _first_page_png(chinese / ZH, tmp_path / "cut") == _first_page_png(reference, tmp_path / "whole")
    assert (chinese / ZH).stat().st_size < reference.stat().st_size / 1.5


def _cid_font_programs(pdf: Path) -> dict[str, TTFont]:
    """The CID-keyed CFF font programs a PDF embeds, read with pikepdf and fontTools."""
    found = {}
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor and "/FontFile3" in obj:
                font = TTFont(io.BytesIO(obj.FontFile3.read_bytes()))
                if "CFF " in font and hasattr(font["CFF "].cff.topDictIndex[0], "ROS"):
                    found[str(obj.FontName).split("+", 1)[-1]] = font
    return found


def test_every_glyph_of_the_embedded_cut_face_has_its_glyph_id_as_cid(chinese: Path) -> None:
    """WeasyPrint writes glyph ids into the content stream of a CIDFontType0, which has
    no CIDToGIDMap: a reader that follows the specification reads them as CIDs. HarfBuzz
    keeps the original CIDs (13,396 of 13,513 glyphs differed), so the cut face is
    renumbered."""
    programs = {name: font for name, font in _cid_font_programs(chinese / ZH).items() if re.match(r"Noto-Sans-CJK-SC-[0-9a-f]{10}", name)}
    assert len(programs) == 2, list(programs)
    for name, font in programs.items():
        charset = font["CFF "].cff.topDictIndex[0].charset
        wrong = [(gid, cid) for gid, cid in enumerate(charset) if gid and cid != f"cid{gid:05d}"]
        assert len(charset) > 1000 and not wrong, f"{name}: {len(wrong)} of {len(charset)} glyphs have another CID, e.g. {wrong[:3]}"


def test_mupdf_and_ghostscript_draw_the_chinese_page_as_poppler_does(chinese: Path, tmp_path: Path) -> None:
    problems = readers.render_problems(chinese / ZH, 1, tmp_path, readers=("mupdf", "ghostscript"))
    assert not problems, "\n".join(problems)


def test_renumbering_changes_the_charset_only(chinese: Path) -> None:
    """Glyph ids stay, so every table but the CFF one (and head's checksum adjustment)
    is HarfBuzz's byte for byte; the charstrings and their font dicts are unchanged,
    and renumbering a renumbered face gives it back as it is."""
    import uharfbuzz

    made = sorted((chinese / "dist/.press/fonts").glob("Noto-Sans-CJK-SC-400-*.otf"))[0]
    face = press_fonts.FontCoverage().resolve("Noto Sans CJK SC")
    assert face is not None
    wanted = uharfbuzz.SubsetInput()
    wanted.unicode_set.update(sorted(press_fonts.charset(("gb2312",))))
    cut = uharfbuzz.subset(uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(face[0])), face[1]), wanted).blob.data
    renumbered = made.read_bytes()
    assert press_fonts.cid_is_gid(cut) == renumbered
    assert press_fonts.cid_is_gid(renumbered) is renumbered
    before, after = TTFont(io.BytesIO(cut)), TTFont(io.BytesIO(renumbered))
    tags = sorted(before.keys())
    assert tags == sorted(after.keys())
    for tag in tags:
        if tag not in ("GlyphOrder", "CFF ", "head"):
            assert before.reader[tag] == after.reader[tag], tag
    head_before, head_after = before.reader["head"], after.reader["head"]
    assert head_before[:8] + head_before[12:] == head_after[:8] + head_after[12:]
    old, new = before["CFF "].cff.topDictIndex[0], after["CFF "].cff.topDictIndex[0]
    assert len(old.charset) == len(new.charset) == new.CIDCount
    for gid, (was, now) in enumerate(zip(old.charset, new.charset, strict=True)):
        assert old.CharStrings[was].bytecode == new.CharStrings[now].bytecode
        assert old.FDSelect[gid] == new.FDSelect[gid]


def test_a_face_that_is_not_cid_keyed_is_left_as_it_is() -> None:
    face = press_fonts.FontCoverage().resolve("Noto Sans")
    assert face is not None
    data = face[0].read_bytes()
    assert press_fonts.cid_is_gid(data) is data


def test_a_character_outside_the_set_comes_from_the_whole_face(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    po = root / "translations/zh-Hans/calm-place.po"
    po.write_text(po.read_text().replace('msgstr "寻找一个平静的地方"', f'msgstr "寻找一个平静的地方{RARE}"'))
    run(root, "check", check=True)  # the stack still covers it
    run(root, "build", "--only", "calm-place", "--lang", "zh-Hans", "-j", "1", check=True)
    names = [f["name"].split("+")[-1] for f in pdf_fonts(root / ZH)]
    assert any(re.match(r"Noto-Sans-CJK-SC-[0-9a-f]{10}", n) for n in names), names
    assert any(n.startswith("Noto-Sans-CJK-SC") and not re.match(r"Noto-Sans-CJK-SC-[0-9a-f]{10}", n) for n in names), names
    assert RARE in pdf_text(root / ZH)


def test_a_changed_stack_rebuilds_that_script_only_and_undoing_restores_bytes(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    langs = ["--only", "calm-place", "--lang", "en", "--lang", "zh-Hans", "-j", "1"]
    run(root, "build", *langs, check=True)
    before = {p: p.read_bytes() for p in (root / "dist/handouts").rglob("*.pdf")}
    made = list((root / "dist/.press/fonts").glob("Noto-Sans-CJK-SC-*.otf"))
    fonts_yaml = root / "styles/fonts.yaml"
    original = fonts_yaml.read_text()
    fonts_yaml.write_text(original.replace("subset: [gb2312]", "subset: [gb2312, U+5586-5586]"))
    result = run(root, "build", *langs, "--explain", check=True)
    explained = result.stdout + result.stderr
    assert re.search(r"dist/handouts/zh-Hans/calm-place.pdf: .*language:zh-Hans changed", explained), explained
    assert "dist/handouts/en/calm-place.pdf: up to date" in explained, explained
    assert (root / "dist/handouts/en/calm-place.pdf").read_bytes() == before[root / "dist/handouts/en/calm-place.pdf"]
    # The old cut faces are removed: no output reads them any more.
    cut = list((root / "dist/.press/fonts").glob("Noto-Sans-CJK-SC-*.otf"))
    assert len(cut) == 2 and not set(cut) & set(made), cut
    assert re.search(r"dist/\.press/fonts/Noto-Sans-CJK-SC-400-[0-9a-f]+\.otf: removed", explained), explained
    fonts_yaml.write_text(original)
    run(root, "build", *langs, check=True)
    assert {p: p.read_bytes() for p in before} == before


def test_an_unknown_character_set_is_a_located_error(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    fonts_yaml = root / "styles/fonts.yaml"
    text = fonts_yaml.read_text()
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "subset: [gb2312]" in row)
    fonts_yaml.write_text(text.replace("subset: [gb2312]", "subset: [gb9999]"))
    result = run(root, "build", "--lang", "zh-Hans")
    assert result.returncode == 1
    assert f"styles/fonts.yaml:{line}: subset entry 'gb9999' is neither a Python codec name" in result.stderr


def test_a_deleted_cut_face_is_made_again_with_the_same_bytes(tmp_path: Path) -> None:
    """Made fonts are recorded by their name (a hash of what made them), not re-hashed on
    every build; a missing one still rebuilds what used it."""
    root = make_project(tmp_path)
    langs = ["--only", "calm-place", "--lang", "en", "--lang", "zh-Hans", "-j", "1"]
    run(root, "build", *langs, check=True)
    made = {p: p.read_bytes() for p in (root / "dist/.press/fonts").glob("Noto-Sans-CJK-SC-*.otf")}
    pdf = (root / ZH).read_bytes()
    for path in made:
        path.unlink()
    result = run(root, "build", *langs, "--explain", check=True)
    assert re.search(r"dist/handouts/zh-Hans/calm-place.pdf: rebuild, dist/\.press/fonts/Noto-Sans-CJK-SC-\d+-[0-9a-f]+\.otf changed", result.stdout + result.stderr)
    assert "dist/handouts/en/calm-place.pdf: up to date" in result.stdout + result.stderr
    assert {p: p.read_bytes() for p in made} == made
    assert (root / ZH).read_bytes() == pdf
    assert "built 0" in run(root, "build", *langs, check=True).stdout
