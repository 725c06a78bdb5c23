"""Bad input: every problem is reported at once, located, with a non-zero exit and no
traceback, and outputs from earlier good builds stay byte-for-byte intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_project, run


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _fails(root: Path, *expected: str, command: str = "check") -> str:
    result = run(root, command, *(["-j", "1"] if command == "build" else []))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for line in expected:
        assert line in result.stderr, f"expected {line!r} in:\n{result.stderr}"
    return result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path)


CASES = {
    "malformed yaml": (
        "calm-place.md", "title: Finding a Calm Place", "title: [Finding a Calm Place",
        "(while parsing a flow sequence from line 4); check indentation and quoting",
    ),
    "unknown key": (
        "calm-place.md", "audience: client", "audience: client\nauthor: me",
        "handouts/calm-place.md:7: unknown front-matter key 'author'",
    ),
    "misspelt key": (
        "calm-place.md", "review_due: 2028-01-15", "reviewdue: 2028-01-15",
        "handouts/calm-place.md:9: unknown front-matter key 'reviewdue'; did you mean 'review_due'?",
    ),
    "missing key": (
        "calm-place.md", "summary: A short test handout about imagining a calm place.\n", "",
        "handouts/calm-place.md:2: missing front-matter key 'summary'",
    ),
    "wrong kind": (
        "calm-place.md", "kind: information-handout", "kind: informaton-handout",
        "handouts/calm-place.md:3: unknown kind 'informaton-handout'; did you mean 'information-handout'?",
    ),
    "id mismatch": (
        "calm-place.md", "id: calm-place", "id: calm-spot",
        "handouts/calm-place.md:2: id 'calm-spot' does not match the file name",
    ),
    "impossible date": (
        "calm-place.md", "published: 2026-01-15", "published: 2026-02-30",
        "handouts/calm-place.md:8: 'published' is not a real date: '2026-02-30'",
    ),
    "review before publication": (
        "calm-place.md", "review_due: 2028-01-15", "review_due: 2025-01-15",
        "handouts/calm-place.md:9: review_due must be after published",
    ),
    "unknown citation": (
        "calm-place.md", "[@gilbert2009]", "[@gilbert2099]",
        "handouts/calm-place.md:14: unknown citation key 'gilbert2099'; did you mean 'gilbert2009'?",
    ),
    "missing figure": (
        "calm-place.md", "figures/calm.svg", "figures/storm.svg",
        "handouts/calm-place.md:17: missing figure 'figures/storm.svg'",
    ),
    "figure outside the project": (
        "calm-place.md", "figures/calm.svg", "../../../etc/passwd",
        "handouts/calm-place.md:17: figure '../../../etc/passwd' points outside handouts/",
    ),
    "absolute figure path": (
        "calm-place.md", "figures/calm.svg", "file:///etc/passwd",
        "handouts/calm-place.md:17: figure 'file:///etc/passwd' must be a relative path",
    ),
    "raw html": (
        "calm-place.md", "## Try it", "## Try it\n\n<script>alert(1)</script>",
        "handouts/calm-place.md:21: raw HTML is not allowed",
    ),
    "unsafe link": (
        "calm-place.md", "https://www.compassionatemind.co.uk", "javascript:alert(1)",
        "handouts/calm-place.md:24: link 'javascript:alert(1)' is not allowed",
    ),
    "bad worksheet": (
        "daily-log.md", "rows: 2", "rows: many",
        "handouts/daily-log.md:17: 'rows' must be a whole number from 1 to 12",
    ),
    "unknown worksheet key": (
        "daily-log.md", "lines: 2", "lines: 2\ncolour: red",
        "handouts/daily-log.md:19: unknown worksheet key 'colour'",
    ),
    "unknown superseding resource": (
        "old-log.md", "superseded_by: daily-log", "superseded_by: daily-logs",
        "handouts/old-log.md:11: superseded_by names an unknown resource 'daily-logs'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_located_error(project: Path, case: str) -> None:
    file, old, new, expected = CASES[case]
    _edit(project / "handouts" / file, old, new)
    _fails(project, expected)


def test_non_utf8_file(project: Path) -> None:
    path = project / "handouts/calm-place.md"
    data = path.read_bytes().replace(b"Sit comfortably.", "Sit comfortably \xe9t\xe9.".encode("latin-1"))
    path.write_bytes(data)
    _fails(project, "handouts/calm-place.md:21: file is not valid UTF-8")


def test_malformed_yaml_names_the_line(project: Path) -> None:
    _edit(project / "handouts/calm-place.md", "title: Finding a Calm Place", "title: [Finding a Calm Place")
    _fails(project, "handouts/calm-place.md:5: malformed YAML:")


def test_every_problem_is_reported_at_once(project: Path) -> None:
    _edit(project / "handouts/calm-place.md", "kind: information-handout", "kind: leaflet")
    _edit(project / "handouts/daily-log.md", "published: 2026-02-01", "published: 2026-13-01")
    _edit(project / "handouts/old-log.md", "Write one kind", "Write [@nobody2020] one kind")
    stderr = _fails(
        project,
        "handouts/calm-place.md:3: unknown kind 'leaflet'",
        "handouts/daily-log.md:8: 'published' is not a real date",
        "handouts/old-log.md:15: unknown citation key 'nobody2020'",
    )
    assert "3 problems found" in stderr


def test_bad_settings_and_references_are_located(project: Path) -> None:
    _edit(project / "pipeline.yaml", "paper: a4", "paper: a5\ncolor: blue")
    _fails(project, "pipeline.yaml:4: paper must be one of a4, letter", "pipeline.yaml:5: unknown setting 'color'")
    _edit(project / "pipeline.yaml", "paper: a5\ncolor: blue", "paper: a4")
    _edit(project / "handouts/references.yaml", "- id: gilbert2009mind", "- id: gilbert2009")
    _fails(project, "handouts/references.yaml:24: duplicate reference id 'gilbert2009' (first at line 13)")


def test_failed_build_leaves_earlier_outputs_untouched(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    pdfs = sorted((project / "dist").rglob("*.pdf"))
    before = {p: p.read_bytes() for p in pdfs}
    _edit(project / "handouts/calm-place.md", "[@gilbert2009]", "[@gilbert2099]")
    _edit(project / "handouts/daily-log.md", "rows: 2", "rows: 0")
    _fails(project, "unknown citation key 'gilbert2099'", "'rows' must be a whole number", command="build")
    assert {p: p.read_bytes() for p in sorted((project / "dist").rglob("*.pdf"))} == before
    assert not list((project / "dist").rglob("*.tmp"))


def test_stylesheet_cannot_read_outside_the_sandbox(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    before = (project / "dist/handouts/en/calm-place.pdf").read_bytes()
    css = project / "styles/print.css"
    css.write_text(css.read_text() + '\nbody { background: url("../../../../../../etc/hostname"); }\n'
                   'h1 { background: url("https://example.org/x.png"); }\n')
    stderr = _fails(project, command="build")
    assert "refused to load" in stderr
    assert "'/etc/hostname' is outside handouts/ and styles/" in stderr
    assert "only project files may be loaded, not 'https://example.org/x.png'" in stderr
    assert (project / "dist/handouts/en/calm-place.pdf").read_bytes() == before


def test_symlink_escape_is_refused(project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (project / "handouts/figures/link.svg").symlink_to(secret)
    _edit(project / "handouts/calm-place.md", "figures/calm.svg", "figures/link.svg")
    _fails(project, "handouts/calm-place.md:17: figure 'figures/link.svg' points outside handouts/")


def test_unknown_only_id(project: Path) -> None:
    result = run(project, "build", "--only", "no-such-thing")
    assert result.returncode == 1
    assert "no resource with id 'no-such-thing'" in result.stderr


def test_missing_settings_file(tmp_path: Path) -> None:
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert "pipeline.yaml: no pipeline.yaml in" in result.stderr


def test_a_missing_stylesheet_is_a_located_error(project: Path) -> None:
    run(project, "build", "-j", "1", check=True)
    before = (project / "dist/handouts/en/calm-place.pdf").read_bytes()
    (project / "styles/print.css").unlink()
    (project / "styles/csl/apa.csl").unlink()
    _fails(project, "error: styles/print.css: missing", "error: styles/csl/apa.csl: missing", command="build")
    assert (project / "dist/handouts/en/calm-place.pdf").read_bytes() == before
