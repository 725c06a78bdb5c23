"""The library's works: handouts/references.yaml (CSL-YAML, or CSL-JSON as Zotero exports
it) loaded with the line of each item, duplicates and bad items reported."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import Problem
from .project import Project

CSL_TYPES = {
    "article", "article-journal", "article-magazine", "article-newspaper", "book", "chapter",
    "dataset", "entry-encyclopedia", "motion_picture", "paper-conference", "report",
    "speech", "thesis", "webpage", "broadcast", "post", "post-weblog", "song",
}


@dataclass(frozen=True)
class References:
    """CSL items by id, with the line each item starts on."""

    path: str
    items: dict[str, dict[str, Any]]
    lines: dict[str, int] = field(default_factory=dict)

    def keys(self) -> set[str]:
        return set(self.items)

    def digest_of(self, key: str) -> str:
        """Canonical text of one item, so a build key depends only on the works it cites."""
        return json.dumps(self.items[key], sort_keys=True, ensure_ascii=False)


def references_path(project: Project) -> Path:
    for name in ("references.yaml", "references.yml", "references.json"):
        path = project.handouts_dir / name
        if path.is_file():
            return path
    return project.handouts_dir / "references.yaml"


def load_references(project: Project) -> tuple[References, list[Problem]]:
    """Load CSL-YAML (or CSL-JSON as exported by Zotero); report duplicates and bad items."""
    path = references_path(project)
    rel = project.relative(path)
    if not path.is_file():
        return References(rel, {}), []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return References(rel, {}), [Problem(rel, line, "file is not valid UTF-8; re-save it as UTF-8")]
    located, problems = yamlio.load(text, rel)  # JSON is YAML, so one loader serves both
    if located is None:
        return References(rel, {}), problems
    data = located.value
    if isinstance(data, dict) and "references" in data:  # pandoc-style wrapper
        data = data["references"]
    if not isinstance(data, list):
        return References(rel, {}), [Problem(rel, 1, "expected a list of CSL items (- id: ..., type: ...)")]
    item_lines = list(located.item_lines) or [1] * len(data)
    items: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for item, line in zip(data, item_lines, strict=False):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(Problem(rel, line, "each reference needs an 'id' (the citation key)"))
            continue
        key = item["id"]
        if key != key.lower():
            problems.append(Problem(rel, line, f"citation key '{key}' must be lowercase (CSL processors compare keys case-insensitively)"))
        if key in items:
            problems.append(Problem(rel, line, f"duplicate reference id '{key}' (first at line {lines[key]})"))
            continue
        if item.get("type") not in CSL_TYPES:
            problems.append(Problem(rel, line, f"reference '{key}' has unknown CSL type {item.get('type')!r}; e.g. book, chapter, article-journal, webpage"))
        if not item.get("title"):
            problems.append(Problem(rel, line, f"reference '{key}' has no title"))
        items[key] = item
        lines[key] = line
    return References(rel, items, lines), problems


def _initials(given: str) -> str:
    return "".join(part[0].upper() for part in re.split(r"[\s.\-]+", given) if part)


def _same_person(one: str, other: str) -> bool:
    """Given names that may be one person written two ways: the shorter's initials begin
    the longer's ("Kristin" and "Kristin D.", "M." and "Melanie J. V."), where "Michael"
    and "Robert A." are two people."""
    a, b = sorted((_initials(one), _initials(other)), key=len)
    return bool(a) and b.startswith(a)


def name_warnings(refs: References) -> list[Problem]:
    """One family name entered with different given names that may be one person
    ("Kristin" and "Kristin D."): APA 7 (8.20) takes them for two people and prints
    initials to tell them apart. A warning, not an error: two people can share a family
    name and initials."""
    seen: dict[str, tuple[str, str]] = {}  # family -> (given, first key)
    warnings: list[Problem] = []
    reported: set[tuple[str, str]] = set()
    for key, item in refs.items.items():
        for role in ("author", "editor"):
            for name in item.get(role) or []:
                family, given = str(name.get("family") or ""), str(name.get("given") or "")
                if not family or not given:
                    continue
                first = seen.setdefault(family, (given, key))
                if first[0] != given and _same_person(first[0], given) and (family, given) not in reported:
                    reported.add((family, given))
                    warnings.append(Problem(
                        refs.path, refs.lines.get(key, 0),
                        f"warning: {family} is '{given}' in '{key}' but '{first[0]}' in '{first[1]}' (line {refs.lines.get(first[1], 0)}); "
                        "APA 7 (8.20) would print them as two authors; write the given names one way if they are one person",
                    ))
    return warnings
