"""Translations: catalogs, build policy, scripts and faces, located translation errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from conftest import REPO, make_project, pdf_fonts, pdf_text, run

_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _text(pdf: Path) -> str:
    return " ".join(_BIDI_CONTROLS.sub("", pdf_text(pdf)).split())


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("i18n"))
    run(root, "build", "--only", "calm-place", *[a for tag in ("en", "es", "ar", "ur", "zh-Hans", "my") for a in ("--lang", tag)], "-j", "2", check=True)
    return root


def test_right_to_left_text_extracts_in_logical_order(translated: Path) -> None:
    pdf = translated / "dist/handouts/ar/calm-place.pdf"
    text = _text(pdf)
    # Logical order: the title comes before the list item, and each phrase reads from its
    # first word to its last (phrases without vowel marks, which poppler splits off).
    assert text.index("العثور على مكان هادئ") < text.index("اجلس بشكل مريح")
    assert "نشرة اختبار قصيرة عن" in text
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "ar"


def test_right_to_left_page_is_mirrored(translated: Path) -> None:
    """The footer's page count sits on the left in Arabic, on the right in English."""
    def page_number_x(pdf: Path, word: str) -> float:
        out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        # -bbox lists right-to-left words in visual order, so look for both spellings.
        pattern = r'<word xMin="([\d.]+)"[^>]*>(?:' + re.escape(word) + "|" + re.escape(word[::-1]) + ")<"
        xs = [float(m.group(1)) for m in re.finditer(pattern, out)]
        assert xs, f"{word!r} not found in {pdf}"
        return xs[-1]

    english = page_number_x(translated / "dist/handouts/en/calm-place.pdf", "Page")
    arabic = page_number_x(translated / "dist/handouts/ar/calm-place.pdf", "الصفحة")
    assert english > 400 and arabic < 200


@pytest.mark.parametrize(
    ("language", "face", "wrong"),
    [
        ("ar", "Noto-Naskh-Arabic", "DejaVu"),
        ("ur", "Noto-Nastaliq-Urdu", "Kufi"),
        ("zh-Hans", "Noto-Sans-CJK-SC", "CJK-JP"),
        ("my", "Noto-Sans-Myanmar", "DejaVu"),
        ("es", "Noto-Sans", "DejaVu"),
    ],
)
def test_each_script_is_set_in_its_intended_face(translated: Path, language: str, face: str, wrong: str) -> None:
    fonts = pdf_fonts(translated / "dist/handouts" / language / "calm-place.pdf")
    names = [f["name"].split("+", 1)[-1] for f in fonts]
    assert any(n.startswith(face) for n in names), names
    assert not any(wrong in n for n in names), names
    assert all(f["emb"] == "yes" for f in fonts)


def test_translated_page_carries_citations_dates_and_draft_notice(translated: Path) -> None:
    text = _text(translated / "dist/handouts/es/calm-place.pdf")
    assert "Encontrar un lugar tranquilo" in text
    assert "Página 1 de 1" in text
    assert "Edición 2" in text
    assert "15 de enero de 2026" in text  # Babel's Spanish date
    assert "(Gilbert, 2009b)" in text and "Referencias" in text
    assert "Draft translation awaiting clinical review" in text  # ui.po has no translation yet
    assert "Calma" in text  # the figure's SVG label, translated


def test_myanmar_gets_line_breaks_and_stays_inside_the_page(translated: Path) -> None:
    pdf = translated / "dist/handouts/my/calm-place.pdf"
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page_width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', out)]
    assert right_edges and max(right_edges) <= page_width - 17 * 72 / 25.4 + 1
    # The break opportunities come from ICU's segmenter: zero-width spaces between words.
    from press.translate import ZWSP, insert_word_breaks

    broken = insert_word_breaks("ငြိမ်းချမ်းသောနေရာတစ်ခုကိုရှာဖွေခြင်း", "my")
    assert broken.count(ZWSP) >= 3 and broken.replace(ZWSP, "") == "ငြိမ်းချမ်းသောနေရာတစ်ခုကိုရှာဖွေခြင်း"
    lines = [line for line in pdf_text(pdf).splitlines() if line.strip()]
    assert len(lines) > 12  # the long paragraph wrapped instead of running off the page


def test_skipped_and_draft_builds(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    po = root / "translations/es/calm-place.po"
    po.write_text(po.read_text().replace('msgstr "Pruébelo"', 'msgstr ""'))
    result = run(root, "build", "--lang", "es", "-j", "1", check=True)
    assert "built 1" in result.stdout  # daily-log is complete in Spanish; calm-place is not
    assert (root / "dist/handouts/es/daily-log.pdf").is_file()
    # calm-place is partial, old-log has no catalog, and the pack needs calm-place.
    assert "skipped 2 in es: translation partial" in result.stderr
    assert "skipped 1 in es: pack needs translations of 1 resource(s)" in result.stderr
    explained = run(root, "build", "--lang", "es", "-j", "1", "--explain", check=True)
    assert "dist/packs/es/kindness.pdf: skipped, pack needs translations of 1 resource(s) (calm-place)" in explained.stderr
    assert not (root / "dist/handouts/es/calm-place.pdf").exists()
    draft = run(root, "build", "--lang", "es", "--only", "calm-place", "--allow-incomplete", "-j", "1", check=True)
    assert "built 1" in draft.stdout
    text = _text(root / "dist/handouts/es/calm-place.pdf")
    assert "not yet translated" in text
    assert "Try it" in text and "Siéntese cómodamente." in text


def test_editing_english_makes_exactly_the_matching_entries_fuzzy(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    source = root / "handouts/calm-place.md"
    source.write_text(source.read_text().replace("1. Sit comfortably.", "1. Sit or lie down comfortably."))
    run(root, "i18n", "update", check=True)
    for language in ("es", "ar", "ur", "zh-Hans", "my"):
        with (root / "translations" / language / "calm-place.po").open("rb") as handle:
            catalog = read_po(handle)
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        assert fuzzy == ["Sit or lie down comfortably."], (language, fuzzy)
        # The old source is kept for the translator (gettext's "#|" previous msgid).
        assert '#| msgid "Sit comfortably."' in (root / "translations" / language / "calm-place.po").read_text()
    status = json.loads(run(root, "i18n", "status", "--json", "--lang", "es", check=True).stdout)
    calm = next(s for s in status if s["resource"] == "calm-place")
    assert calm["state"] == "stale" and calm["fuzzy"] == 1 and calm["translated"] == calm["total"] - 1
    # The stale translation never reaches a page unnoticed: the build skips it.
    result = run(root, "build", "--lang", "es", "--only", "calm-place", "-j", "1", check=True)
    assert "skipped 1 in es: translation stale" in result.stderr
    assert run(root, "i18n", "status", "--lang", "es", "--fail-under", "99").returncode == 1


def test_a_long_edited_sentence_keeps_every_catalog_valid_for_msgfmt(tmp_path: Path) -> None:
    # A previous msgid longer than a comment line, and a "%" Babel would take for a Python
    # format ("70% reported"), once made catalogs msgfmt and translators' editors reject.
    root = make_project(tmp_path)
    source = root / "handouts/calm-place.md"
    old = "yourself is linked with wellbeing [@neff2007a; @gilbert2009mind]."
    new = "yourself is linked with wellbeing, and 70% reported feeling calmer in one small study [@neff2007a; @gilbert2009mind]."
    source.write_text(source.read_text().replace(old, new))
    run(root, "i18n", "update", check=True)
    for language in ("es", "ar", "zh-Hans"):
        po = root / "translations" / language / "calm-place.po"
        text = po.read_text()
        previous = next(line for line in text.splitlines() if line.startswith("#| msgid"))
        assert previous.startswith('#| msgid "Imagining a safe, calm place') and previous.endswith('[@neff2007a; @gilbert2009mind]."'), previous
        assert "python-format" not in text
        checked = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
        assert checked.returncode == 0 and "error" not in checked.stderr, checked.stderr


def test_extract_rewrites_only_changed_templates(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "i18n", "extract", check=True)
    before = {p: p.stat().st_mtime_ns for p in (root / "translations/templates").glob("*.pot")}
    again = run(root, "i18n", "extract", check=True)
    assert "0 template(s) written" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_missing_glyph_is_a_located_error(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    po = root / "translations/es/calm-place.po"
    text = po.read_text()
    line = text.splitlines().index('msgstr "Siéntese cómodamente."') + 1
    po.write_text(text.replace('msgstr "Siéntese cómodamente."', 'msgstr "Siéntese cómodamente ⵣ."'))
    result = run(root, "check")
    assert result.returncode == 1
    assert f"translations/es/calm-place.po:{line - 1}: character 'ⵣ' (U+2D63 TIFINAGH LETTER YAZ) is not covered by the es font stack" in result.stderr


def test_broken_placeholder_and_dropped_citation_are_located_errors(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    ui = root / "translations/es/ui.po"
    ui.write_text(ui.read_text().replace('msgstr "Página {page} de {pages}"', 'msgstr "Página {pagina} de {pages}"'))
    po = root / "translations/ar/calm-place.po"
    po.write_text(po.read_text().replace("نظام التهديد [@gilbert2009]", "نظام التهديد"))
    po2 = root / "translations/es/calm-place.po"
    po2.write_text(
        po2.read_text()
        .replace('msgstr "Consulte [la Compassionate Mind Foundation](https://www.compassionatemind.co.uk)."', 'msgstr "Consulte [la Compassionate Mind Foundation](https://example.org)."')
        .replace("**bienvenido**", "bienvenido")
    )
    result = run(root, "check")
    assert result.returncode == 1
    err = result.stderr
    assert re.search(r"translations/es/ui\.po:\d+: placeholders \{page\}, \{pages\} must be kept exactly; the translation has \{pagina\}, \{pages\}", err)
    assert re.search(r"translations/ar/calm-place\.po:\d+: translation dropped or altered citation \[@gilbert2009\]", err)
    assert re.search(r"translations/es/calm-place\.po:\d+: translation dropped or altered link target https://www\.compassionatemind\.co\.uk", err)
    assert re.search(r"translations/es/calm-place\.po:\d+: translation dropped or altered \*\*bold\*\*", err)
    # The build refuses the broken translation too, naming the same place.
    build = run(root, "build", "--lang", "ar", "--only", "calm-place", "-j", "1")
    assert build.returncode == 1 and "translations/ar/calm-place.po" in build.stderr


def test_raw_html_in_a_translation_is_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    po = root / "translations/es/calm-place.po"
    po.write_text(po.read_text().replace('msgstr "Pruébelo"', 'msgstr "Pruébelo <script>x</script>"'))
    result = run(root, "check")
    assert result.returncode == 1
    assert "raw HTML '<script>' is not allowed in a translation" in result.stderr


def test_every_shipped_catalog_passes_msgfmt_check() -> None:
    catalogs = sorted((REPO / "translations").glob("*/*.po")) + sorted((REPO / "tests/projects").glob("*/translations/*/*.po"))
    assert len(catalogs) > 250
    for po in catalogs:
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True)
        assert result.returncode == 0 and not result.stderr, f"{po}: {result.stderr}"


def test_registry_has_71_languages_with_native_names() -> None:
    from press.languages import load_registry
    from press.project import load_project

    registry = load_registry(load_project(REPO))
    assert len(registry.languages) >= 71
    assert registry.get("ar").rtl and registry.get("ur").rtl and not registry.get("zh-Hans").rtl
    assert registry.get("ar").native_name == "العربية"
    assert registry.get("de").native_name == "Deutsch"
    assert registry.get("ur").body_fonts[0] == "Noto Nastaliq Urdu"
    listing = run(REPO, "languages", check=True).stdout
    assert "Українська" in listing and "中文（简体）" in listing


def _fill(po: Path, strings: dict[str, str] | None = None) -> None:
    """Translate a catalog: given strings by context, else the source text itself."""
    from babel.messages.pofile import write_po

    with po.open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id:
            message.string = (strings or {}).get(str(message.context), str(message.id))
    with po.open("wb") as handle:
        write_po(handle, catalog, width=0)


def test_reference_terms_come_from_the_csl_catalog_where_csl_has_no_locale(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    registry = root / "translations/languages.yaml"
    registry.write_text(registry.read_text() + "- {tag: sw, name: Swahili, script: Latn, direction: ltr}\n")
    run(root, "i18n", "update", "--lang", "sw", "--lang", "es", "--only", "calm-place", "--only", "csl", "--only", "ui", check=True)
    # Swahili has no CSL locale, so it gets a csl catalog; Spanish has CSL's es-ES and none.
    assert (root / "translations/sw/csl.po").is_file()
    assert not (root / "translations/es/csl.po").exists()
    status = json.loads(run(root, "i18n", "status", "--lang", "sw", "--lang", "es", "--json", check=True).stdout)
    assert {s["resource"] for s in status if s["language"] == "sw"} >= {"csl", "ui", "calm-place"}
    assert "csl" not in {s["resource"] for s in status if s["language"] == "es"}
    _fill(root / "translations/sw/calm-place.po")
    _fill(root / "translations/sw/ui.po")
    _fill(root / "translations/sw/csl.po", {"in": "Katika", "editor": "Mh.", "page.plural": "uk."})
    assert run(root, "check").returncode == 0
    run(root, "build", "--only", "calm-place", "--lang", "sw", "--lang", "es", "-j", "1", check=True)
    swahili = _text(root / "dist/handouts/sw/calm-place.pdf")
    assert "Katika P. Gilbert (Mh.), Compassion" in swahili and "(uk. 9–74)" in swahili
    assert "En P. Gilbert (ed.), Compassion" in _text(root / "dist/handouts/es/calm-place.pdf")
    # Editing a term rebuilds the Swahili handout, and only it.
    _fill(root / "translations/sw/csl.po", {"in": "Ndani ya", "editor": "Mh.", "page.plural": "uk."})
    again = run(root, "build", "--only", "calm-place", "--lang", "sw", "--lang", "es", "-j", "1", "--explain", check=True)
    assert "dist/handouts/sw/calm-place.pdf: rebuild, translations/sw/csl.po changed" in again.stderr
    assert "dist/handouts/es/calm-place.pdf: up to date" in again.stderr
    assert "Ndani ya P. Gilbert (Mh.)" in _text(root / "dist/handouts/sw/calm-place.pdf")


def test_every_autonym_is_written_as_cldr_writes_it() -> None:
    """Native names keep CLDR's letters; only scripts that capitalise words get a capital
    first letter (Georgian has none: 'ქართული', never Mtavruli 'Ქართული')."""
    from babel import Locale

    from press.languages import CAPITALISED_SCRIPTS, load_registry
    from press.project import load_project

    registry = load_registry(load_project(REPO))
    assert len(registry.languages) >= 70
    for lang in registry.languages:
        cldr = Locale.parse(lang.tag.replace("-", "_")).get_display_name(Locale.parse(lang.tag.replace("-", "_")))
        assert cldr, lang.tag
        if lang.tag.startswith("zh"):  # CLDR's Chinese pattern "{0}（{1}）", which Babel does not apply
            cldr = cldr.replace(" (", "（").replace(")", "）")
        assert lang.native_name[1:] == cldr[1:], lang.tag
        first = cldr[0].upper() if lang.script in CAPITALISED_SCRIPTS else cldr[0]
        assert lang.native_name[0] == first, f"{lang.tag}: {lang.native_name!r} against CLDR {cldr!r}"
    assert registry.get("ka").native_name == "ქართული"
    assert registry.get("es").native_name == "Español" and registry.get("ru").native_name == "Русский"
