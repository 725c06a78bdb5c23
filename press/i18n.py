"""The ``i18n`` and ``languages`` commands: thin orchestration over catalogs and registry."""

from __future__ import annotations

from pathlib import Path

from .catalogs import UI_DOMAIN, Status, domains, extract, needs_csl_terms, status_json, status_of, update
from .errors import PressError
from .languages import load_registry
from .project import Project, load_project
from .sources import Library, load_library


def _load(root: Path) -> tuple[Project, Library]:
    project = load_project(root)
    library, problems = load_library(project)
    if problems:
        raise PressError(problems)
    return project, library


def catalog_languages(project: Project) -> list[str]:
    """Registry languages that have a catalog folder, in registry order."""
    registry = load_registry(project)
    return [tag for tag in registry.tags[1:] if (project.root / "translations" / tag).is_dir()]


def extract_templates(root: Path) -> list[str]:
    project, library = _load(root)
    return extract(project, library)


def update_catalogs(root: Path, languages: tuple[str, ...], only: tuple[str, ...]) -> list[str]:
    project, library = _load(root)
    registry = load_registry(project)
    for tag in languages:
        if tag not in registry.tags:
            raise PressError([_unknown_language(tag)])
    extract(project, library)
    # Naming a language starts its missing catalogs; a bare update merges what exists.
    return update(project, library, list(languages) or catalog_languages(project), only, create=bool(languages))


def _unknown_language(tag: str):  # type: ignore[no-untyped-def]
    from .errors import Problem

    return Problem("translations/languages.yaml", 0, f"'{tag}' is not in the language registry; add it there first")


def statuses(project: Project, library: Library, languages: list[str]) -> list[Status]:
    registry = load_registry(project)
    return [status_of(project, library, lang, domain) for lang in languages for domain in domains(library, needs_csl_terms(registry.get(lang)))]


def status_report(root: Path, languages: tuple[str, ...], as_json: bool, fail_under: float | None) -> tuple[str, list[str]]:
    project, library = _load(root)
    chosen = list(languages) or catalog_languages(project)
    found = statuses(project, library, chosen)
    failing = []
    if fail_under is not None:
        for lang in chosen:
            mine = [s for s in found if s.language == lang]
            total = sum(s.total for s in mine)
            done = sum(s.translated for s in mine)
            if total and 100.0 * done / total < fail_under:
                failing.append(lang)
    if as_json:
        return status_json(found), failing
    lines = []
    for lang in chosen:
        mine = [s for s in found if s.language == lang]
        counts = {state: sum(1 for s in mine if s.client_state == state) for state in ("complete", "stale", "partial", "missing")}
        line = f"{lang}: " + ", ".join(f"{n} {state}" for state, n in counts.items() if n)
        # The professional version of a resource with professional passages needs those
        # translated too; client and large-print versions do not.
        professional = [s for s in mine if s.has_professional]
        if professional:
            pro = {state: sum(1 for s in professional if s.state == state) for state in ("complete", "stale", "partial", "missing")}
            line += "; professional versions: " + ", ".join(f"{n} {state}" for state, n in pro.items() if n)
        lines.append(line)
        for s in mine:
            if s.state == "complete" or (s.state == "missing" and s.resource != UI_DOMAIN and counts["missing"] == len(mine)):
                continue
            if not s.has_professional:
                lines.append(f"  {s.resource}: {s.state} ({s.translated}/{s.total} translated, {s.fuzzy} fuzzy, {s.untranslated} untranslated)")
                continue
            client_left = s.client_total - s.client_translated - s.client_fuzzy
            lines.append(f"  {s.resource}: client and large print {s.client_state} ({s.client_translated}/{s.client_total} translated, {s.client_fuzzy} fuzzy, {client_left} untranslated)")
            lines.append(f"  {s.resource}: professional {s.state} ({s.translated}/{s.total} translated, {s.fuzzy} fuzzy, {s.untranslated} untranslated)")
    return "\n".join(lines), failing


def language_rows(root: Path) -> list[tuple[str, ...]]:
    project, library = _load(root)
    registry = load_registry(project)
    table = [("TAG", "NAME", "NATIVE", "SCRIPT", "DIR", "COMPLETE")]
    for lang in registry.languages:
        if lang is registry.source:
            done = f"{len(library.ids)}/{len(library.ids)} (source)"
        else:
            complete = sum(1 for d in library.ids if status_of(project, library, lang.tag, d).client_state == "complete")
            done = f"{complete}/{len(library.ids)}"
        table.append((lang.tag, lang.name, lang.native_name, lang.script, lang.direction, done))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return [tuple(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in table]
