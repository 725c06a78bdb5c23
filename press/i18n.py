"""The ``i18n`` and ``languages`` commands: thin orchestration over catalogs and registry."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalogs import UI_DOMAIN, Status, domains, extract, needs_csl_terms, status_json, status_of, update
from .errors import PressError
from .languages import load_registry
from .project import Project, load_project
from .sources import Library, load_library

if TYPE_CHECKING:
    from .reviews import Approval, Passage, Review


def load_checked(root: Path) -> tuple[Project, Library]:
    """The project and its library, or a PressError listing every problem found."""
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
    project, library = load_checked(root)
    return extract(project, library)


def update_catalogs(root: Path, languages: tuple[str, ...], only: tuple[str, ...]) -> list[str]:
    project, library = load_checked(root)
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
    project, library = load_checked(root)
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
    from .reviews import review_of

    templates: dict[str, Any] = {}
    reviews: dict[tuple[str, str], Review] = {}
    pro_reviews: dict[tuple[str, str], Review] = {}  # the professional version's, apart
    for lang in chosen:
        present = {s.resource: s for s in found if s.language == lang and s.state != "missing"}
        for d, (approval, entries) in catalog_reviews(project, library, lang, list(present), templates).items():
            reviews[(lang, d)] = review_of(approval, entries, professional=False)
            if present[d].has_professional:
                pro_reviews[(lang, d)] = review_of(approval, entries)
    if as_json:
        import json

        data = json.loads(status_json(found))
        for row in data:
            review = reviews.get((row["language"], row["resource"]))
            row["review"] = _review_json(review, f"translations/{row['language']}/{row['resource']}.po")
            pro_review = pro_reviews.get((row["language"], row["resource"]))
            if pro_review is not None:
                row["professional_review"] = _review_json(pro_review, f"translations/{row['language']}/{row['resource']}.po")
        return json.dumps(data, indent=1, ensure_ascii=False), failing
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
        # Clinical review: drafts are counted, reviewed catalogs named one by one.
        states = [reviews[(lang, s.resource)] for s in mine if (lang, s.resource) in reviews]
        tally = {state: sum(1 for r in states if r.state == state) for state in ("approved", "needs re-review", "draft")}
        lines.append(f"  clinical review: {tally['approved']} approved, {tally['needs re-review']} need re-review, {tally['draft']} draft")
        for s in mine:
            review = reviews.get((lang, s.resource))
            if review is not None and review.state != "draft":
                po = f"translations/{lang}/{s.resource}.po"
                line = f"  {s.resource}: {describe_review(review, po)}"
                pro_review = pro_reviews.get((lang, s.resource))
                if pro_review is not None and pro_review.state != review.state:
                    line += f"; professional version: {describe_review(pro_review, po)}"
                lines.append(line)
    return "\n".join(lines), failing


def language_rows(root: Path) -> list[tuple[str, ...]]:
    project, library = load_checked(root)
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


def catalog_reviews(project: Project, library: Library, language: str, chosen: list[str], templates: dict[str, Any] | None = None) -> dict[str, tuple[Approval | None, list[Passage]]]:
    """Each chosen catalog of one language: its approval and its passages, numbered in the
    template's order. ``review_of`` gives the state for either version from them."""
    from .catalogs import load_catalog
    from .reviews import load_reviews, passages, template_order

    approvals = load_reviews(project, language)
    return {d: (approvals.get(d), passages(load_catalog(project, language, d), template_order(project, library, d, templates))) for d in chosen}


def describe_review(review: Review, po: str) -> str:
    """One line for ``i18n status``: approved (by, on), needs re-review (which passages), draft."""
    if review.state == "approved" and review.approval is not None:
        return f"approved by {review.approval.reviewer} on {review.approval.date.isoformat()}"
    if review.state == "needs re-review":
        where = ", ".join(f"{p.number} ({po}:{p.line})" if p.line else f"{p.number} (not in the catalog yet)" for p in review.stale)
        return f"needs re-review: passage{'s' if len(review.stale) > 1 else ''} {where}"
    return "draft (not clinically reviewed)"


def approve(root: Path, language: str, only: tuple[str, ...], reviewer: str, date: str | None, note: str, today: dt.date | None = None) -> list[str]:
    """Record a clinician's approval of catalogs in translations/<lang>/reviews.yaml.

    Refused, with every reason at once and nothing written: an unknown language or
    catalog, an empty reviewer name, an impossible date, a catalog with fuzzy, missing
    or check-failing entries."""
    from .cache import atomic_write
    from .catalogs import load_catalog
    from .errors import Problem
    from .reviews import (
        Approval,
        english_print,
        load_reviews,
        pair_print,
        passages,
        render_reviews,
        reviews_path,
        template_order,
    )
    from .translate import check_catalog

    project, library = load_checked(root)
    registry = load_registry(project)
    problems: list[Problem] = []
    if language not in registry.tags or language == registry.source.tag:
        problems.append(_unknown_language(language) if language not in registry.tags else Problem("--lang", 0, "English is the source; only translations are approved"))
    if not reviewer.strip():
        problems.append(Problem("--reviewer", 0, 'the reviewer\'s name is empty; give it as it should be printed, e.g. --reviewer "A. Haddad"'))
    try:
        when = dt.date.fromisoformat(date) if date else (today or dt.date.today())
    except ValueError:
        problems.append(Problem("--date", 0, f"'{date}' is not a date; write it as YYYY-MM-DD, e.g. 2026-12-10"))
        when = dt.date.min
    if not only:
        problems.append(Problem("--only", 0, "name the catalogs to approve: a resource id, 'packs' or 'ui' (repeatable)"))
    known = {*library.ids, "packs", "ui"}
    problems += [Problem("--only", 0, f"unknown catalog '{d}'; approve a resource id, 'packs' or 'ui'") for d in only if d not in known]
    if problems:
        raise PressError(problems)
    approvals = load_reviews(project, language)
    templates: dict[str, Any] = {}
    skipped: dict[str, int] = {}
    for domain in only:
        po = f"translations/{language}/{domain}.po"
        catalog = load_catalog(project, language, domain)
        if catalog is None:
            problems.append(Problem(po, 0, f"no catalog; run `pipeline.py i18n update --lang {language} --only {domain}` and translate it first"))
            continue
        entries = passages(catalog, template_order(project, library, domain, templates))
        # The client and large-print versions can be approved before the professional
        # passages are translated; those stay out of the approval (and that version a draft).
        left = [p for p in entries if p.professional and not p.translated]
        skipped[domain] = len(left)
        entries = [p for p in entries if p not in left]
        for p in entries:
            if p.fuzzy:
                problems.append(Problem(po, p.line, f"passage {p.number} is fuzzy (its English changed); check the translation and remove the fuzzy flag before approving"))
            elif not p.msgstr:
                problems.append(Problem(po, p.line, f"passage {p.number} is not translated" + ("" if p.line else f"; run `pipeline.py i18n update --lang {language} --only {domain}`")))
        problems += check_catalog(catalog, po, ui=domain == "ui")
        edition = library.get(domain).edition if domain in library.ids else None
        approvals[domain] = Approval(domain, reviewer.strip(), when, edition, note.strip(), {english_print(p.context, p.msgid): pair_print(p.context, p.msgid, p.msgstr) for p in entries})
    if problems:
        raise PressError(problems)
    numbers = {
        domain: {english_print(context, msgid): n for n, (msgid, context) in enumerate(template_order(project, library, domain, templates) if domain in known else [], 1)}
        for domain in approvals
    }
    path = reviews_path(project, language)
    atomic_write(path, render_reviews(language, registry.get(language).name, approvals, numbers).encode("utf-8"))
    return [
        f"{domain}: approved by {reviewer.strip()} on {when.isoformat()}"
        + (f" (the client and large-print versions; {skipped[domain]} professional passage(s) not translated, so the professional version stays a draft)" if skipped.get(domain) else "")
        for domain in only
    ]


def _review_json(review: Review | None, po: str) -> dict[str, Any]:
    if review is None:
        return {"state": "draft"}
    out: dict[str, Any] = {"state": review.state}
    if review.approval is not None:
        a = review.approval
        out |= {"reviewer": a.reviewer, "date": a.date.isoformat(), "english_edition": a.english_edition}
    if review.stale:
        out["passages"] = [{"number": p.number, "file": po, "line": p.line} for p in review.stale]
    return out
