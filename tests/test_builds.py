"""Builds under stress, with real processes: a killed build leaves only whole files and
the next build completes; two builds at once do no harm; watch mode rebuilds on save."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import REPO, copy_library, make_project, run

pytestmark = pytest.mark.slow


def _start(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(REPO / "pipeline.py"), "build", "--project", str(project), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _all_whole(root: Path) -> list[Path]:
    """Every PDF under dist/ opens and ends properly; returns them."""
    pdfs = sorted((root / "dist").rglob("*.pdf"))
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), pdf
        assert len(PdfReader(pdf).pages) >= 1
    return pdfs


def test_killed_build_leaves_whole_files_and_the_next_build_completes(tmp_path: Path) -> None:
    root = copy_library(tmp_path)
    process = _start(root, "--lang", "en", "-j", "2")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((root / "dist/handouts/en").glob("*.pdf"))) < 3:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # mid-build, no chance to clean up
    process.wait()
    written = _all_whole(root)
    assert 0 < len(written) < 46, "the kill should land mid-build"
    # The next build completes and produces exactly what a clean build does.
    result = run(root, "build", "--lang", "en", "-j", "2", "--explain", check=True)
    assert "built" in result.stdout
    assert not list((root / "dist").rglob(".*.tmp"))
    # 22 client versions, 16 professional and 16 large-print ones (current client resources).
    assert len(list((root / "dist/handouts/en").glob("*.pdf"))) == 22 + 16 + 16
    clean = copy_library(tmp_path / "clean")
    run(clean, "build", "--lang", "en", "-j", "2", check=True)
    for pdf in sorted((clean / "dist").rglob("*.pdf")):
        rel = pdf.relative_to(clean)
        assert (root / rel).read_bytes() == pdf.read_bytes(), rel


def test_two_builds_at_once_wait_for_each_other(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    first = _start(root, "-j", "1")
    second = _start(root, "-j", "1")
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "another build is running" in err1 + err2
    built = [line for line in (out1 + out2).splitlines() if line.startswith("built")]
    # One build did the work; the other found everything up to date.
    assert any(line.startswith("built 6") for line in built) and any(line.startswith("built 0") for line in built)
    _all_whole(root)
    again = run(root, "build", "-j", "1", check=True)
    assert "built 0, up to date 6" in again.stdout


def test_watch_rebuilds_a_saved_change_and_survives_errors(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    process = subprocess.Popen(
        [sys.executable, str(REPO / "pipeline.py"), "watch", "--project", str(root), "-j", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or []], daemon=True).start()

    def wait_for(text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} not seen; got:\n{''.join(seen)}")

    try:
        wait_for("watching")
        time.sleep(0.5)  # let the watcher settle before the first save
        source = root / "handouts/calm-place.md"
        source.write_text(source.read_text().replace("Sit comfortably.", "Sit or lie comfortably."))
        wait_for("rebuilt dist/handouts/en/calm-place.pdf")
        wait_for("built 3, up to date 3")
        source.write_text(source.read_text().replace("kind: information-handout", "kind: leaflet"))
        wait_for("error: handouts/calm-place.md:3: unknown kind 'leaflet'")
        source.write_text(source.read_text().replace("kind: leaflet", "kind: information-handout"))
        wait_for("built 0, up to date 6")  # back to the state already built
    finally:
        process.terminate()
        process.wait(timeout=30)
