"""Clinical review of a translation, end to end with real files: an Arabic draft is
approved, builds without the draft notice and with the review named in Arabic, releases
without an override; an English edit sends exactly that passage back for review, the
release names it, and approving the fixed translation lets the release through. Bad
input is refused, located, with nothing written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from conftest import REPO, make_project, pdf_text, run
from press.catalogs import write_if_changed

REVIEWED_AR = "تُرجمت عن الطبعة الإنجليزية {edition}؛ راجعها سريريًا {reviewer} في {date}."
PROFILE = """  - name: arabic-clinic
    clinic: Test Clinic
    packs: []
    resources: [calm-place]
    languages: [en, ar]
"""
PDF = "dist/handouts/ar/calm-place.pdf"
EDITED = "Sit comfortably."


def _set(root: Path, domain: str, strings: dict[tuple[str | None, str], str], unfuzzy: bool = False) -> None:
    """Give entries of translations/ar/<domain>.po these translations (as a translator would)."""
    path = root / f"translations/ar/{domain}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, abort_invalid=False)
    for (context, msgid), text in strings.items():
        message = catalog.get(msgid, context=context)
        assert message is not None, msgid
        message.string = text
        if unfuzzy:
            message.flags.discard("fuzzy")
            message.previous_id = []
    write_if_changed(path, catalog)


@pytest.fixture
def arabic(tmp_path: Path) -> Path:
    """The fixture project with Arabic interface strings complete and a profile shipping Arabic."""
    root = make_project(tmp_path)
    shutil.copy(REPO / "translations/ar/ui.po", root / "translations/ar/ui.po")
    run(root, "i18n", "update", "--lang", "ar", "--only", "ui", check=True)
    _set(root, "ui", {
        ("settings.copyright", "© 2026 Test Clinic"): "© 2026 عيادة الاختبار",
        ("settings.licence", "Test licence line."): "سطر ترخيص للاختبار.",
        ("reviewed_line", "Translated from the English edition {edition}; clinically reviewed on {date} by {reviewer}."): REVIEWED_AR,
    }, unfuzzy=True)
    settings = root / "pipeline.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("# The standard version only", PROFILE + "# The standard version only"), encoding="utf-8")
    return root


def _ui(root: Path, context: str) -> str:
    with (root / "translations/ar/ui.po").open("rb") as handle:
        return next(str(m.string) for m in read_po(handle) if m.context == context)


_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _squeeze(text: str) -> str:
    """Text without bidi controls, white space and combining marks: what Poppler's layer of
    a right-to-left page is compared on (it adds embedding marks and spaces inside shaped
    clusters, and sets a vowel mark off its letter; issue 11)."""
    import unicodedata

    # Poppler also moves a combining vowel mark off its letter: marks are left out.
    return "".join(ch for ch in "".join(text.translate(_BIDI).split()) if not unicodedata.combining(ch))


def _text(root: Path, pdf: str = PDF) -> str:
    return _squeeze(pdf_text(root / pdf))


def _assert_words(line: str, text: str) -> None:
    """Every word of ``line`` in the text layer: Poppler gives a right-to-left line with a
    Latin name in it in visual order (issue 11), so the words, not their order, are read."""
    for word in line.replace("؛", " ").replace(".", " ").split():
        assert _squeeze(word) in text, word


def _edit_docx(path: Path, change: Callable[[Any], None]) -> None:
    """Open a translation template in python-docx, change its table, save it (as Word would)."""
    import docx

    document = docx.Document(str(path))
    change(document.tables[0])
    document.save(str(path))


def _write_cell(cell: Any, text: str) -> None:
    cell.paragraphs[0].text = text
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)


def _status(root: Path) -> dict[str, dict[str, object]]:
    out = run(root, "i18n", "status", "--lang", "ar", "--json", check=True).stdout
    return {row["resource"]: row["review"] for row in json.loads(out)}


@pytest.mark.slow
def test_from_arabic_draft_to_release_and_back_to_review(arabic: Path) -> None:
    root = arabic
    reviews = root / "translations/ar/reviews.yaml"
    draft_notice = _squeeze(_ui(root, "draft_notice").split(".")[0])

    # A draft: the notice on the page, the release refused for want of a review.
    run(root, "build", "--lang", "ar", "--only", "calm-place", "-j", "1", check=True)
    assert draft_notice in _text(root)
    refused = run(root, "release", "arabic-clinic", "--version", "1", "-j", "1")
    assert refused.returncode == 1, refused.stderr
    assert "translations/ar/calm-place.po: not clinically reviewed" in refused.stderr
    assert "translations/ar/ui.po: not clinically reviewed" in refused.stderr
    assert _status(root)["calm-place"] == {"state": "draft"}
    # The reviewer's copy: one numbered passage with a comment field per catalog entry.
    from pypdf import PdfReader

    run(root, "i18n", "review-copy", "--lang", "ar", "--only", "calm-place", check=True)
    with (root / "translations/ar/calm-place.po").open("rb") as handle:
        count = sum(1 for m in read_po(handle) if m.id)
    assert len(PdfReader(root / "dist/review/ar/calm-place.pdf").get_fields() or {}) == count

    # Approved as it reads: no notice, and the review named in Arabic as the last line.
    done = run(root, "i18n", "approve", "--lang", "ar", "--only", "calm-place", "--only", "ui", "--reviewer", "A. Haddad", "--date", "2026-12-10", "--note", "Read with a second Arabic-speaking clinician.", check=True)
    assert "calm-place: approved by A. Haddad on 2026-12-10" in done.stdout
    record = reviews.read_text(encoding="utf-8")
    assert "calm-place:\n  reviewer: A. Haddad\n  date: 2026-12-10\n  english_edition: 2\n" in record
    assert "note: Read with a second Arabic-speaking clinician." in record and "ui:\n" in record
    run(root, "build", "--lang", "ar", "--only", "calm-place", "--keep-html", "-j", "1", check=True)
    text = _text(root)
    assert draft_notice not in text
    line = REVIEWED_AR.format(edition="2", date="10 ديسمبر 2026", reviewer="A. Haddad")
    assert f'<footer class="review-line"><p>{line}</p></footer>' in (root / "dist/html/ar/calm-place.html").read_text(encoding="utf-8")
    _assert_words(line, text)
    status = _status(root)["calm-place"]
    assert status["state"] == "approved" and status["reviewer"] == "A. Haddad" and status["english_edition"] == 2
    plain = run(root, "i18n", "status", "--lang", "ar", check=True).stdout
    assert "calm-place: approved by A. Haddad on 2026-12-10" in plain and "clinical review: 2 approved" in plain
    released = run(root, "release", "arabic-clinic", "--version", "1", "-j", "1", check=True)
    assert "arabic-clinic-1.zip" in released.stdout
    catalog = (root / "dist/releases/arabic-clinic-1/index.html").read_text(encoding="utf-8")
    assert 'href="handouts/ar/calm-place.pdf"' in catalog and "✓ reviewed" in catalog

    # One English sentence edited: that passage, and only that one, needs review again.
    source = root / "handouts/calm-place.md"
    source.write_text(source.read_text(encoding="utf-8").replace(EDITED, "Sit comfortably, with your feet on the floor."), encoding="utf-8")
    run(root, "i18n", "update", "--lang", "ar", "--only", "calm-place", check=True)
    with (root / "translations/ar/calm-place.po").open("rb") as handle:
        entry = next(m for m in read_po(handle) if m.id == "Sit comfortably, with your feet on the floor.")
    stale = _status(root)["calm-place"]
    assert stale["state"] == "needs re-review"
    assert stale["passages"] == [{"number": stale["passages"][0]["number"], "file": "translations/ar/calm-place.po", "line": entry.lineno}]  # type: ignore[index]
    number = stale["passages"][0]["number"]  # type: ignore[index]
    refused = run(root, "release", "arabic-clinic", "--version", "2", "-j", "1")
    assert refused.returncode == 1
    assert f"translations/ar/calm-place.po:{entry.lineno}:" in refused.stderr
    lines = [line for line in refused.stderr.splitlines() if "calm-place.po" in line]
    assert len(lines) == 1 and f"passage {number} changed since it was approved by A. Haddad on 2026-12-10" in lines[0], refused.stderr
    run(root, "build", "--lang", "ar", "--only", "calm-place", "--allow-incomplete", "-j", "1", check=True)
    assert draft_notice in _text(root)  # the notice is back

    # The translator's fix arrives in a Word document; approved again, the release goes out.
    document = Path(run(root, "i18n", "export", "--format", "docx", "--lang", "ar", "--only", "calm-place", check=True).stdout.strip())
    _edit_docx(document, lambda table: _write_cell(table.rows[number].cells[2], "اجلس بارتياح، وقدماك على الأرض."))
    merged = run(root, "i18n", "import", str(document), check=True)
    assert "merged into translations/ar/calm-place.po" in merged.stdout
    assert _status(root)["calm-place"]["state"] == "needs re-review"  # translated now, not yet approved
    run(root, "i18n", "approve", "--lang", "ar", "--only", "calm-place", "--reviewer", "A. Haddad", "--date", "2026-12-11", check=True)
    run(root, "release", "arabic-clinic", "--version", "2", "-j", "1", check=True)
    _assert_words(REVIEWED_AR.format(edition="2", date="11 ديسمبر 2026", reviewer="A. Haddad"), _text(root, "dist/releases/arabic-clinic-2/handouts/ar/calm-place.pdf"))


def test_a_changed_translation_sends_only_its_passage_back(arabic: Path) -> None:
    root = arabic
    run(root, "i18n", "approve", "--lang", "ar", "--only", "calm-place", "--reviewer", "A. Haddad", "--date", "2026-12-10", check=True)
    assert _status(root)["calm-place"]["state"] == "approved"
    with (root / "translations/ar/calm-place.po").open("rb") as handle:
        entries = [m for m in read_po(handle) if m.id and m.string]
    _set(root, "calm-place", {(entries[2].context, str(entries[2].id)): str(entries[2].string) + " (مُعدَّل)"})
    review = _status(root)["calm-place"]
    assert review["state"] == "needs re-review"
    assert [p["line"] for p in review["passages"]] == [entries[2].lineno]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--only", "old-log", "--reviewer", "A. Haddad"], "translations/ar/old-log.po:"),
        (["--only", "calm-place", "--reviewer", "  "], "--reviewer: the reviewer's name is empty"),
        (["--only", "calm-place", "--reviewer", "A. Haddad", "--date", "2026-02-30"], "--date: '2026-02-30' is not a date"),
        (["--only", "calm-plaice", "--reviewer", "A. Haddad"], "--only: unknown catalog 'calm-plaice'"),
        (["--reviewer", "A. Haddad"], "--only: name the catalogs to approve"),
    ],
)
def test_approving_refuses_bad_input_and_writes_nothing(arabic: Path, args: list[str], message: str) -> None:
    result = run(arabic, "i18n", "approve", "--lang", "ar", *args)
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert not (arabic / "translations/ar/reviews.yaml").exists()


def test_an_incomplete_catalog_is_refused_passage_by_passage(arabic: Path) -> None:
    result = run(arabic, "i18n", "approve", "--lang", "ar", "--only", "old-log", "--reviewer", "A. Haddad")
    refusals = [line for line in result.stderr.splitlines() if "old-log.po" in line]
    assert len(refusals) == 4 and all("is not translated" in line for line in refusals), result.stderr
    assert "passage 1 is not translated" in result.stderr and "passage 4 is not translated" in result.stderr


def test_a_malformed_review_record_is_a_located_error(arabic: Path) -> None:
    (arabic / "translations/ar/reviews.yaml").write_text("calm-place:\n  reviewer: A. Haddad\n", encoding="utf-8")
    checked = run(arabic, "check")
    assert checked.returncode == 1
    assert "translations/ar/reviews.yaml:1: review of 'calm-place': needs reviewer, date and passages" in checked.stderr
    result = run(arabic, "build", "--lang", "ar", "--only", "calm-place", "-j", "1")
    assert result.returncode == 1
    assert "translations/ar/reviews.yaml:1: review of 'calm-place': needs reviewer, date and passages" in result.stderr
    assert not (arabic / PDF).exists()


def test_the_review_copy_shows_every_passage_in_both_scripts_with_its_state(arabic: Path) -> None:
    from pypdf import PdfReader

    root = arabic
    # One passage made fuzzy by a small English edit, one whose translation drops a citation.
    source = root / "handouts/calm-place.md"
    source.write_text(source.read_text(encoding="utf-8").replace(EDITED, "Sit comfortably and still."), encoding="utf-8")
    run(root, "i18n", "update", "--lang", "ar", "--only", "calm-place", check=True)
    with (root / "translations/ar/calm-place.po").open("rb") as handle:
        entries = [m for m in read_po(handle) if m.id]
    cited = next(m for m in entries if "[@gilbert2009]" in str(m.id))
    _set(root, "calm-place", {(cited.context, str(cited.id)): str(cited.string).replace("[@gilbert2009]", "")})
    result = run(root, "i18n", "review-copy", "--lang", "ar", "--only", "calm-place", check=True)
    pdf = root / "dist/review/ar/calm-place.pdf"
    assert "dist/review/ar/calm-place.pdf" in result.stdout
    reader = PdfReader(pdf)
    fields = reader.get_fields() or {}
    assert sorted(fields) == [f"comment-{n}" for n in sorted(range(1, len(entries) + 1), key=str)]
    text = _squeeze(pdf_text(pdf))
    assert _squeeze("Review copy: Finding a Calm Place") in text and "Englishedition2" in text
    # Every passage's English, and every Arabic word of its translation (Poppler gives a
    # line mixing directions in visual order, so words rather than whole lines).
    for m in entries:
        assert _squeeze(re.sub(r"[*\[\]()]", "", str(m.id)))[:20] in re.sub(r"[*\[\]()]", "", text), m.id
        for word in re.findall(r"[\u0600-\u06ff]+", str(m.string)):
            assert _squeeze(word) in text, word
    assert _squeeze("Fuzzy: the English changed since") in text
    assert _squeeze("Check failed: translation dropped or altered citation [@gilbert2009]") in text
    # Both scripts are drawn with embedded fonts.
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Arabic" in fonts and "Noto-Sans" in fonts and " no " not in fonts.split("\n", 2)[2]


def _template(root: Path) -> Path:
    out = run(root, "i18n", "export", "--format", "docx", "--lang", "ar", "--only", "calm-place", check=True).stdout.strip()
    return Path(out)


def test_an_untouched_translation_template_changes_no_byte(arabic: Path) -> None:
    import docx

    catalog = arabic / "translations/ar/calm-place.po"
    before = catalog.read_bytes()
    path = _template(arabic)
    table = docx.Document(str(path)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["No.", "English", "Translation (Arabic)", "Notes"]
    with catalog.open("rb") as handle:
        entries = [m for m in read_po(handle) if m.id]
    assert len(table.rows) == len(entries) + 1
    assert table.rows[1].cells[1].text == entries[0].id and table.rows[1].cells[2].text == entries[0].string
    assert "no change" in run(arabic, "i18n", "import", str(path), check=True).stdout
    assert catalog.read_bytes() == before


def _drop_citation(table: Any) -> None:
    row = next(r for r in table.rows[1:] if "[@gilbert2009]" in r.cells[2].text)
    _write_cell(row.cells[2], row.cells[2].text.replace("[@gilbert2009]", ""))


def _spanish(table: Any) -> None:
    _write_cell(table.rows[3].cells[2], "Por qué ayuda la imaginación")


def _other_resource(table: Any) -> None:
    _write_cell(table.rows[2].cells[1], "Keep a short record of kind acts each day.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_drop_citation, "table row 5, passage 4: translation dropped or altered citation [@gilbert2009]"),
        (lambda t: t._tbl.remove(t.rows[4]._tr), "the table has 9 passage rows, the document was made with 10"),
        (lambda t: t.add_row(), "the table has 11 passage rows, the document was made with 10"),
        (_other_resource, "table row 3, passage 2: the number or English is not that passage's"),
        (_spanish, "table row 4, passage 3: the translation has no letters of the language's script (Arab)"),
    ],
)
def test_a_bad_translation_template_is_refused_and_nothing_is_written(arabic: Path, change: Callable[[Any], None], message: str) -> None:
    catalog = arabic / "translations/ar/calm-place.po"
    before = catalog.read_bytes()
    path = _template(arabic)
    _edit_docx(path, change)
    result = run(arabic, "i18n", "import", str(path))
    assert result.returncode == 1
    assert f"{path}: " in result.stderr and message in result.stderr, result.stderr
    assert catalog.read_bytes() == before


def test_a_corrupt_document_is_refused(arabic: Path) -> None:
    path = _template(arabic)
    path.write_bytes(path.read_bytes()[:500])
    result = run(arabic, "i18n", "import", str(path))
    assert result.returncode == 1 and f"{path}: not a Word document this tool can read" in result.stderr


def test_the_client_versions_are_approved_before_the_professional_passages_are_translated(arabic: Path) -> None:
    root = arabic
    source = root / "handouts/calm-place.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n::: professional\n## Notes for therapists\n\nOffer this sheet once the client has practised it in session [@gilbert2009].\n:::\n", encoding="utf-8")
    run(root, "i18n", "update", "--lang", "ar", "--only", "calm-place", check=True)
    done = run(root, "i18n", "approve", "--lang", "ar", "--only", "calm-place", "--only", "ui", "--reviewer", "A. Haddad", "--date", "2026-12-10", check=True)
    assert "2 professional passage(s) not translated, so the professional version stays a draft" in done.stdout
    rows = {row["resource"]: row for row in json.loads(run(root, "i18n", "status", "--lang", "ar", "--json", check=True).stdout)}
    assert rows["calm-place"]["review"]["state"] == "approved"
    assert rows["calm-place"]["professional_review"]["state"] == "needs re-review"
    assert len(rows["calm-place"]["professional_review"]["passages"]) == 2
    # The client version prints no draft notice, and a client release goes out.
    run(root, "build", "--lang", "ar", "--only", "calm-place", "-j", "1", check=True)
    assert _squeeze(_ui(root, "draft_notice").split(".")[0]) not in _text(root)
    run(root, "release", "arabic-clinic", "--version", "1", "-j", "1", check=True)
