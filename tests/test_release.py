"""Release bundles: gates, reproducible zips, MANIFEST verification, release notes, and the
catalog page in a real headless Chromium."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, copy_library, make_project, run


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("release"))
    run(root, "release", "test-clinic", "--version", "1.0", "--as-of", "2026-11-27", "-j", "1", check=True)
    return root


def test_bundle_holds_pdfs_catalog_manifest_and_notes(released: Path) -> None:
    folder = released / "dist/releases/test-clinic-1.0"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        "MANIFEST", "RELEASE-NOTES.md", "handouts/en/calm-place.pdf", "handouts/en/daily-log.pdf",
        "index.html", "packs/en/kindness.pdf",
        # The first-page previews the bundle's catalog shows, copied from the build.
        "previews/handouts/en/calm-place.png", "previews/handouts/en/daily-log.png", "previews/packs/en/kindness.png",
        "release.json",
    ]
    for preview in (n for n in names if n.startswith("previews/")):
        assert (folder / preview).read_bytes() == (released / "dist" / preview).read_bytes()
        assert f'src="{preview}"' in (folder / "index.html").read_text(encoding="utf-8")
    manifest = (folder / "MANIFEST").read_text().splitlines()
    assert len(manifest) == len(names) - 1 and all(len(line.split("  ")[0]) == 64 for line in manifest)
    notes = (folder / "RELEASE-NOTES.md").read_text()
    assert "First release of this profile." in notes and "Finding a Calm Place (edition 2)" in notes
    with zipfile.ZipFile(released / "dist/releases/test-clinic-1.0.zip") as archive:
        assert sorted(i.filename for i in archive.infolist()) == sorted(f"test-clinic-1.0/{n}" for n in names)
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_verify_accepts_the_bundle_and_names_every_difference(released: Path, tmp_path: Path) -> None:
    zip_path = released / "dist/releases/test-clinic-1.0.zip"
    assert "matches its MANIFEST" in run(released, "verify", str(zip_path), check=True).stdout
    assert run(released, "verify", str(released / "dist/releases/test-clinic-1.0"), check=True).returncode == 0
    copy = tmp_path / "bundle"
    shutil.copytree(released / "dist/releases/test-clinic-1.0", copy)
    pdf = copy / "handouts/en/calm-place.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01  # one changed byte
    pdf.write_bytes(bytes(data))
    (copy / "packs/en/kindness.pdf").unlink()
    (copy / "notes.txt").write_text("added by hand")
    result = run(released, "verify", str(copy))
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["changed: handouts/en/calm-place.pdf", "missing: packs/en/kindness.pdf", "extra: notes.txt"]
    # The same in a zip with one changed byte.
    changed_zip = tmp_path / "changed.zip"
    with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(changed_zip, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("index.html"):
                body = body.replace(b"<main>", b"<main >", 1)
            dst.writestr(info, body)
    bad = run(released, "verify", str(changed_zip))
    assert bad.returncode == 1 and bad.stdout.strip() == "changed: index.html"


def test_the_same_release_twice_gives_the_same_zip_bytes(released: Path) -> None:
    first = (released / "dist/releases/test-clinic-1.0.zip").read_bytes()
    run(released, "release", "test-clinic", "--version", "1.0", "--as-of", "2026-11-27", "-j", "1", check=True)
    assert (released / "dist/releases/test-clinic-1.0.zip").read_bytes() == first


def test_release_notes_list_what_changed(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    run(root, "release", "bilingual", "--version", "1", "--as-of", "2026-11-27", "--override-gates", "-j", "1", check=True)
    source = root / "handouts/daily-log.md"
    source.write_text(source.read_text().replace("edition: 1", "edition: 2"))
    settings = root / "pipeline.yaml"
    settings.write_text(settings.read_text().replace("    resources: [daily-log]\n    languages: [en, es]", "    resources: [daily-log, calm-place]\n    languages: [en, es, ar]"))
    run(root, "release", "bilingual", "--version", "2", "--as-of", "2026-11-27", "--override-gates", "-j", "1", check=True)
    notes = (root / "dist/releases/bilingual-2/RELEASE-NOTES.md").read_text()
    assert "Changes since 1." in notes
    assert "- Finding a Calm Place (edition 2)" in notes.split("## New resources")[1].split("##")[0]
    assert "- Daily Kindness Log: edition 1 → 2" in notes
    assert "- ar" in notes.split("## New languages")[1].split("##")[0]
    assert "## Gates overridden" in notes and "not clinically reviewed" in notes


def test_gates_refuse_with_every_reason(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    result = run(root, "release", "bilingual", "--version", "1", "--as-of", "2028-03-01", "-j", "1")
    assert result.returncode == 1
    err = result.stderr
    assert "handouts/daily-log.md:9: review date 2028-02-01 has passed" in err
    assert "translations/es/daily-log.po: not clinically reviewed; once a clinician has reviewed it, run `pipeline.py i18n approve --lang es --only daily-log --reviewer NAME`" in err
    assert "translations/es/ui.po: translation stale" in err
    assert "translations/es/ui.po: not clinically reviewed" in err  # a draft: how far it is, and that it needs a review
    assert "pipeline.yaml:12: release 'bilingual' refused: 4 gate(s) failed; fix them or pass --override-gates" in err
    assert not (root / "dist/releases").exists() or not list((root / "dist/releases").glob("bilingual-*"))


def test_unknown_profile_entries_are_located(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    settings = root / "pipeline.yaml"
    settings.write_text(settings.read_text().replace("    packs: [kindness]", "    packs: [kindnes]").replace("    languages: [en, es]", "    languages: [en, xx]"))
    bad = run(root, "release", "test-clinic", "--version", "1")
    assert bad.returncode == 1 and "pipeline.yaml:9: release 'test-clinic': unknown pack 'kindnes'" in bad.stderr
    other = run(root, "release", "bilingual", "--version", "1")
    assert "pipeline.yaml:15: release 'bilingual': unknown language 'xx'" in other.stderr
    missing = run(root, "release", "nope", "--version", "1")
    assert "no release profile 'nope'" in missing.stderr


@pytest.mark.slow
def test_first_profile_of_the_shipped_library_releases_as_is(tmp_path: Path) -> None:
    root = copy_library(tmp_path)
    shutil.copytree(REPO / "translations", root / "translations")
    result = run(root, "release", "northside-clinic", "--version", "2026.11", "-j", "2", check=True)
    assert "northside-clinic-2026.11.zip" in result.stdout
    assert run(root, "verify", str(root / "dist/releases/northside-clinic-2026.11.zip"), check=True).returncode == 0
    # The profile ships large print beside the client versions, and no professional ones.
    bundle = root / "dist/releases/northside-clinic-2026.11"
    manifest = (bundle / "MANIFEST").read_text(encoding="utf-8")
    for name in ("handouts/en/assertive-communication.large-print.pdf", "packs/en/cft-client.large-print.pdf", "packs/en/cft-client.pdf"):
        assert f"  {name}\n" in manifest and (bundle / name).is_file(), name
    assert "professional.pdf" not in manifest
    page = (bundle / "index.html").read_text(encoding="utf-8")
    assert 'href="handouts/en/assertive-communication.large-print.pdf"' in page and "Large print" in page


@pytest.mark.slow
def test_catalog_page_in_headless_chromium(released: Path) -> None:
    from playwright.sync_api import sync_playwright

    folder = released / "dist/releases/test-clinic-1.0"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((folder / "index.html").as_uri())
        assert page.locator("html").get_attribute("lang") == "en"
        titles = page.locator("article h3").all_inner_texts()
        assert any("Finding a Calm Place" in t for t in titles) and any("Daily Kindness Log" in t for t in titles)
        assert any("A Kindness Starter Pack" in t for t in titles)
        # Every PDF link resolves to a file in the bundle.
        hrefs = page.locator("a[href$='.pdf']").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert len(hrefs) == 3
        for href in hrefs:
            assert (folder / href).is_file(), href
        # Labelled controls, reachable from the keyboard.
        assert page.get_by_label("Search by title").count() == 1
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "search"
        page.keyboard.type("calm")
        visible = page.locator("article:not([hidden]) h3").all_inner_texts()
        assert [t for t in visible if t] == ["Finding a Calm Place"]
        page.fill("#search", "")
        page.select_option("#kind", "worksheet")
        assert page.locator("article:not([hidden]) h3").all_inner_texts() == ["Daily Kindness Log"]
        assert page.locator("#count").inner_text() == "1 of 3 shown"
        # No network: the page loaded nothing but itself.
        assert all(url.startswith("file://") for url in requests)
        browser.close()
