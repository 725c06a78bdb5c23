"""Inputs that used to give a traceback or pass silently: each is a located error now, and
a build can be stopped and a release cannot be disturbed."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import time
from pathlib import Path

import pypdf
import pytest
from test_errors import _edit, _fails

from conftest import build_under_way, make_project, run


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


def test_a_missing_fonts_file_is_a_located_error(project: Path) -> None:
    (project / "styles/fonts.yaml").unlink()
    _fails(project, "error: styles/fonts.yaml: file is missing; every language's font stack is read from it")


def test_a_packs_file_that_is_not_utf8_is_located(project: Path) -> None:
    path = project / "handouts/packs.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    lines[2] = lines[2].rstrip("\n") + " caf\xe9\n"
    path.write_bytes("".join(lines).encode("latin-1"))
    _fails(project, "error: handouts/packs.yaml:3: file is not valid UTF-8 (byte 0xe9)")


def test_a_malformed_manifest_line_is_located(project: Path, tmp_path: Path) -> None:
    run(project, "release", "test-clinic", "--version", "1.0", "--as-of", "2026-11-27", "-j", "1", check=True)
    copy = tmp_path / "bundle"
    shutil.copytree(project / "dist/releases/test-clinic-1.0", copy)
    manifest = copy / "MANIFEST"
    lines = manifest.read_text().splitlines()
    lines[1] = lines[1].replace("  ", " ", 1)  # one separator lost
    manifest.write_text("\n".join(lines) + "\n")
    result = run(project, "verify", str(copy))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"error: {copy}/MANIFEST:2: expected '<sha256>  <size>  <path>'" in result.stderr


def test_a_damaged_image_is_a_located_error(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    before = (project / "dist/handouts/en/calm-place.pdf").read_bytes()
    from PIL import Image

    png = project / "handouts/figures/calm.png"
    Image.new("RGB", (40, 30), (40, 120, 200)).save(png)
    png.write_bytes(png.read_bytes()[:60])  # cut off mid-stream, as a failed copy leaves it
    _edit(project / "handouts/calm-place.md", "figures/calm.svg", "figures/calm.png")
    _fails(project, "error: handouts/calm-place.md:17: figure 'figures/calm.png' cannot be read (not a readable image", command="build")
    assert (project / "dist/handouts/en/calm-place.pdf").read_bytes() == before
    _edit(project / "handouts/calm-place.md", "figures/calm.png", "figures/calm.svg")
    svg = project / "handouts/figures/calm.svg"
    svg.write_text(svg.read_text().replace("</svg>", ""))
    _fails(project, "error: handouts/calm-place.md:17: figure 'figures/calm.svg' cannot be read (malformed SVG")


def test_a_stylesheet_image_that_fails_to_load_fails_the_build(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    before = (project / "dist/handouts/en/calm-place.pdf").read_bytes()
    (project / "styles/broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    css = project / "styles/print.css"
    css.write_text(css.read_text() + '\nh1 { background: url("broken.png"); }\n')
    stderr = _fails(project, command="build")
    assert "Failed to load image" in stderr and "broken.png" in stderr
    assert (project / "dist/handouts/en/calm-place.pdf").read_bytes() == before


def test_two_worksheet_blocks_with_one_name_fail_check(project: Path) -> None:
    _edit(project / "handouts/daily-log.md", "name: reflect", "name: log")
    _fails(project, "error: handouts/daily-log.md:23: worksheet name 'log' is already used at line 15")


def test_in_document_links_work_in_every_language(project: Path) -> None:
    old, new = "See [the Compassionate Mind Foundation](https://www.compassionatemind.co.uk).", "See [the steps](#try-it)."
    _edit(project / "handouts/calm-place.md", old, new)
    _edit(project / "translations/es/calm-place.po", f'msgid "{old}"\nmsgstr "Consulte [la Compassionate Mind Foundation](https://www.compassionatemind.co.uk)."',
          f'msgid "{new}"\nmsgstr "Vea [los pasos](#try-it)."')
    _edit(project / "pipeline.yaml", "languages: [en]", "languages: [en, es]")
    run(project, "build", "-j", "1", "--only", "calm-place", check=True)
    for lang, heading in (("en", "Try it"), ("es", "Pruébelo")):
        reader = pypdf.PdfReader(project / f"dist/handouts/{lang}/calm-place.pdf")
        targets = []
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                    dest = annot["/Dest"]
                    if isinstance(dest, str):  # a named destination, as WeasyPrint writes
                        named = reader.named_destinations.get(dest)
                        assert named is not None, f"{lang}: the link names '{dest}', which the PDF does not define"
                        targets.append(reader.get_destination_page_number(named))
                    else:
                        targets.append(reader.get_page_number(dest[0].get_object()))
        assert targets, f"{lang}: the in-document link has no destination"
        heading_pages = [n for n, page in enumerate(reader.pages) if heading in page.extract_text()]
        assert targets[0] in heading_pages, f"{lang}: the link points at page {targets[0]}, the heading is on {heading_pages}"
    _edit(project / "handouts/calm-place.md", "(#try-it)", "(#try-this)")
    _fails(project, "error: handouts/calm-place.md:24: link '#try-this' names no heading; did you mean '#try-it'?")


@pytest.mark.slow
def test_ctrl_c_stops_a_serial_build_at_once(project: Path) -> None:
    _edit(project / "pipeline.yaml", "languages: [en]", "languages: [en, es, ar, zh-Hans]")
    process = build_under_way(project, "-j", "1", "--allow-incomplete")
    process.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    # One document is at most a second or two here; the whole build is a dozen.
    assert time.monotonic() - interrupted < 5, "the build went on after Ctrl+C"
    assert process.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr
    built = sorted(p.relative_to(project).as_posix() for p in (project / "dist").rglob("*.pdf") if "/.press/" not in p.as_posix())
    assert 0 < len(built) < 12
    explained = run(project, "build", "-j", "1", "--allow-incomplete", "--explain").stderr
    assert all(f"{rel}: up to date" in explained for rel in built), "what was written before Ctrl+C was not recorded"


def test_release_holds_the_build_lock_while_it_assembles(project: Path) -> None:
    from press.release import release

    lock = project / "dist/.press/lock"
    seen: list[str] = []

    def say(message: str) -> None:
        if message.startswith("assembling"):
            # A build started now (another process, or this one through a new file
            # description) must wait: the lock is held.
            with open(lock, "a+") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    seen.append("held")
                else:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    seen.append("free")

    import datetime as dt

    result = release(project, "test-clinic", "1.0", False, 1, say, as_of=dt.date(2026, 11, 27))
    assert seen == ["held"] and result.folder.is_dir()
    assert lock.read_text().strip() == str(os.getpid())
