"""The build graph: one record per output in the store, one --explain for every kind of
output, removal of outputs whose target is gone, and keys that hold every input of a
decision (translation status included)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from test_errors import _edit

from conftest import make_project, pdf_text, run

EXPLAIN_LINE = re.compile(r"^(?P<output>dist/\S+): (?P<verdict>up to date|rebuild, .+|skipped, .+|removed, .+)$")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path)
    _edit(root / "pipeline.yaml", "languages: [en]", "languages: [en, es]")
    return root


def explained(root: Path, *args: str) -> dict[str, str]:
    """--explain's verdict per output; every line must have the one shape."""
    result = run(root, "build", "-j", "1", "--explain", *args, check=True)
    verdicts = {}
    for line in result.stderr.splitlines():
        if line.startswith("dist/"):
            match = EXPLAIN_LINE.match(line)
            assert match, f"not in the --explain shape: {line!r}"
            verdicts[match["output"]] = match["verdict"]
    return verdicts


def test_every_kind_of_output_is_explained_the_same_way(project: Path) -> None:
    first = explained(project)
    kinds = {"dist/handouts/", "dist/.press/parts/", "dist/.press/skeletons/", "dist/packs/", "dist/index.html"}
    for kind in kinds:
        assert any(output.startswith(kind) and verdict.startswith("rebuild, never built") for output, verdict in first.items()), kind
    second = explained(project)
    assert set(second) >= {o for o in first if not o.startswith("dist/.press/skeletons/")}
    assert not [v for v in second.values() if v.startswith("rebuild")], second
    # One row per output in the store, with its kind.
    with sqlite3.connect(project / "dist/.press/build.db") as db:
        rows = dict(db.execute("SELECT output, kind FROM outputs").fetchall())
    assert rows["dist/index.html"] == "catalog" and rows["dist/packs/es/kindness.pdf"] == "pack"
    assert rows["dist/.press/parts/en/calm-place.pdf"] == "part" and rows["dist/handouts/es/daily-log.pdf"] == "handout"
    on_disk = {p.relative_to(project).as_posix() for p in (project / "dist/handouts").rglob("*.pdf")}
    assert {o for o in rows if o.startswith("dist/handouts/")} == on_disk and len(on_disk) >= 5


def test_a_deleted_handout_leaves_dist_and_the_catalog(project: Path) -> None:
    run(project, "build", "-j", "1", "--keep-html", check=True)
    assert "handouts/en/old-log.pdf" in (project / "dist/index.html").read_text()
    (project / "handouts/old-log.md").unlink()
    for lang in ("es", "ar", "my", "ur", "zh-Hans"):
        (project / f"translations/{lang}/old-log.po").unlink(missing_ok=True)
    built = [lang for lang in ("en", "es") if (project / f"dist/handouts/{lang}/old-log.pdf").exists()]
    assert "en" in built
    verdicts = explained(project)
    for lang in built:
        assert verdicts[f"dist/handouts/{lang}/old-log.pdf"] == "removed, its resource, pack or language is gone"
        assert not (project / f"dist/handouts/{lang}/old-log.pdf").exists()
        assert not (project / f"dist/html/{lang}/old-log.html").exists()
    assert verdicts["dist/index.html"].startswith("rebuild, ")
    catalog = (project / "dist/index.html").read_text()
    assert "old-log.pdf" not in catalog and "handouts/es/calm-place.pdf" in catalog
    with sqlite3.connect(project / "dist/.press/build.db") as db:
        assert not db.execute("SELECT output FROM outputs WHERE output LIKE '%old-log%'").fetchall()


def test_a_removed_pack_and_a_removed_language_are_pruned(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    packs = project / "handouts/packs.yaml"
    packs.write_text("[]\n")
    verdicts = explained(project)
    assert verdicts["dist/packs/en/kindness.pdf"].startswith("removed, ")
    assert verdicts["dist/.press/parts/es/calm-place.pdf"].startswith("removed, ")
    assert not list((project / "dist/packs").rglob("*.pdf"))
    registry = project / "translations/languages.yaml"
    registry.write_text("\n".join(line for line in registry.read_text().splitlines() if "tag: es" not in line) + "\n")
    _edit(project / "pipeline.yaml", "languages: [en, es]", "languages: [en]")
    verdicts = explained(project)
    assert verdicts["dist/handouts/es/calm-place.pdf"].startswith("removed, ")
    assert not list((project / "dist/handouts/es").glob("*.pdf"))
    assert 'lang="es"' not in (project / "dist/index.html").read_text()


def test_a_build_of_one_language_keeps_the_others(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    before = sorted(p.relative_to(project) for p in (project / "dist").rglob("*.pdf"))
    run(project, "build", "-j", "1", "--lang", "en", "--only", "calm-place", "--force", check=True)
    assert sorted(p.relative_to(project) for p in (project / "dist").rglob("*.pdf")) == before


def test_a_new_figure_label_is_in_status_and_build(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    assert "Calma" in pdf_text(project / "dist/handouts/es/calm-place.pdf")
    svg = project / "handouts/figures/calm.svg"
    svg.write_text(svg.read_text().replace("</svg>", '  <text x="150" y="100" font-family="Noto Sans" font-size="12">Breathe</text>\n</svg>'))
    status = json.loads(run(project, "i18n", "status", "--lang", "es", "--json", check=True).stdout)
    calm = next(s for s in status if s["resource"] == "calm-place")
    assert calm["state"] == "partial" and calm["untranslated"] == 1
    before = (project / "dist/handouts/es/calm-place.pdf").read_bytes()
    verdicts = explained(project)
    assert verdicts["dist/handouts/es/calm-place.pdf"].startswith("skipped, translation partial")
    assert verdicts["dist/handouts/en/calm-place.pdf"] == "rebuild, handouts/figures/calm.svg changed"
    assert (project / "dist/handouts/es/calm-place.pdf").read_bytes() == before  # no draft shipped


def test_inputs_are_checked_by_size_and_mtime_before_their_hash(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    css = project / "styles/print.css"
    # A file touched but not changed (a checkout, a copy): nothing rebuilds.
    later = css.stat().st_mtime_ns + 10_000_000_000
    os.utime(css, ns=(later, later))
    assert not [v for v in explained(project).values() if v.startswith("rebuild")]
    with sqlite3.connect(project / "dist/.press/build.db") as db:
        size, mtime = db.execute("SELECT size, mtime_ns FROM files WHERE path = 'styles/print.css'").fetchone()
    assert (size, mtime) == (css.stat().st_size, later)
    # A real change with the same size is found through the new mtime.
    text = css.read_text()
    css.write_text(text.replace("a", "b", 1))
    assert explained(project)["dist/handouts/en/calm-place.pdf"] == "rebuild, styles/print.css changed"


def test_a_release_is_a_target_too(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    release = ("release", "test-clinic", "--version", "1.0", "--as-of", "2026-11-27", "-j", "1")
    first = run(root, *release, check=True)
    assert "dist/releases/test-clinic-1.0.zip: rebuild, never built" in first.stderr
    zipped = (root / "dist/releases/test-clinic-1.0.zip").read_bytes()
    again = run(root, *release, check=True)
    assert "dist/releases/test-clinic-1.0.zip: up to date" in again.stderr and "assembling" not in again.stderr
    assert (root / "dist/releases/test-clinic-1.0.zip").read_bytes() == zipped
    (root / "dist/releases/test-clinic-1.0/index.html").write_text("changed by hand")
    assert "rebuild, bundle folder missing or changed" in run(root, *release, check=True).stderr
    _edit(root / "handouts/calm-place.md", "Sit comfortably.", "Sit or lie comfortably.")
    edited = run(root, *release, check=True)
    assert "dist/releases/test-clinic-1.0.zip: rebuild, shipped changed" in edited.stderr
    assert run(root, "verify", str(root / "dist/releases/test-clinic-1.0.zip"), check=True).returncode == 0
    with sqlite3.connect(root / "dist/.press/build.db") as db:
        assert db.execute("SELECT kind FROM outputs WHERE output = 'dist/releases/test-clinic-1.0.zip'").fetchone() == ("release",)
