"""Shared test helpers: fixture projects in temporary folders, the real CLI, PDF readers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECTS = Path(__file__).resolve().parent / "projects"


def make_project(dest: Path, name: str = "mini") -> Path:
    """Copy a fixture project (with the product's own styles) into ``dest``."""
    root = dest / name
    shutil.copytree(PROJECTS / name, root)
    if not (root / "styles").exists():
        shutil.copytree(REPO / "styles", root / "styles")
    return root


def copy_library(dest: Path, translations: bool = False) -> Path:
    """A copy of the shipped library: settings, handouts and styles, and with
    ``translations`` its catalogs too."""
    root = dest / "library"
    root.mkdir(parents=True)
    shutil.copy(REPO / "pipeline.yaml", root)
    shutil.copytree(REPO / "handouts", root / "handouts")
    shutil.copytree(REPO / "styles", root / "styles")
    if translations:
        shutil.copytree(REPO / "translations", root / "translations")
    return root


def run(project: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``python pipeline.py <command> --project <project> [args]`` for real."""
    words = 2 if args[0] == "i18n" else 1  # a group's subcommand takes the options
    command, rest = list(args[:words]), list(args[words:])
    where = [] if args[0] == "verify" else ["--project", str(project)]  # verify takes a bundle
    result = subprocess.run(
        [sys.executable, str(REPO / "pipeline.py"), *command, *where, *rest],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def build_under_way(project: Path, *args: str) -> subprocess.Popen[str]:
    """``pipeline.py build`` started for real, returned once its first handout PDF is
    written and while it is still running (for interrupting it, or losing a worker)."""
    import time

    process = subprocess.Popen(
        [sys.executable, str(REPO / "pipeline.py"), "build", "--project", str(project), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while not list((project / "dist/handouts").rglob("*.pdf")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the build ended before it could be interrupted"
    return process


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_fonts(path: Path) -> list[dict[str, str]]:
    """Rows of ``pdffonts``: name, type, emb, sub."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    rows = []
    for line in lines[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object ID: the last five columns are fixed.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return rows


@pytest.fixture(scope="session")
def built_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped library, built once for the session with two workers."""
    root = copy_library(tmp_path_factory.mktemp("built"))
    run(root, "build", "--jobs", "2", "--keep-html", check=True)
    return root


@pytest.fixture(scope="session")
def full_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every deliverable of the shipped library (client versions): each resource and pack
    in every language its translations complete, built once for the session with two workers and the HTML
    kept. The tests of shipped translations and of other readers share it."""
    root = copy_library(tmp_path_factory.mktemp("full"), translations=True)
    # The client version of everything: tests/test_variants.py reads the other variants
    # back in three languages (all of them here would double this build).
    run(root, "build", "--jobs", "2", "--keep-html", "--variant", "client", check=True)
    return root


@pytest.fixture(scope="session")
def built_mini(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("mini"))
    run(root, "build", "--jobs", "1", check=True)
    return root
