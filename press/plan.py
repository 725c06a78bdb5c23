"""Planning a build: which targets exist (each resource and pack in each language, their
pack parts and skeletons), which of them are skipped (incomplete translations) and what
each one's key is; and pruning the outputs whose target is gone.

Deciding uses the store and file hashes only: nothing here imports WeasyPrint.
"""

from __future__ import annotations

from typing import Any

from . import store
from .cache import InputHasher
from .errors import PressError, Problem
from .languages import Language, Registry
from .packs import Pack
from .project import Project
from .sources import Handout, Library
from .store import Records
from .targets import BuildOptions, BuildSummary, Target, part_path


def build_languages(project: Project, registry: Registry, options: BuildOptions) -> list[Language]:
    """The languages to build: --lang, else pipeline.yaml (``all`` means the registry)."""
    wanted = options.languages or project.settings.languages
    if "all" in wanted:
        return list(registry.languages)
    unknown = [tag for tag in wanted if tag not in registry.tags]
    if unknown:
        raise PressError([Problem("translations/languages.yaml", 0, f"language '{tag}' is not in the registry") for tag in unknown])
    return [registry.get(tag) for tag in wanted]


def plan(project: Project, library: Library, languages: list[Language], options: BuildOptions, summary: BuildSummary, records: Records, hasher: InputHasher) -> list[Target]:
    """Every output to consider; a translation that is not complete is skipped, with the
    reason, unless --allow-incomplete asks for a draft with English fallbacks."""
    selected = [h for h in library.handouts if not options.only or h.id in options.only]
    targets = []
    templates: dict[str, Any] = {}
    for lang in languages:
        for h in selected:
            output = f"dist/handouts/{lang.tag}/{h.id}.pdf"
            if lang.is_source:
                targets.append(Target(h, lang.tag, output))
                continue
            po_sha = hasher.current(f"translations/{lang.tag}/{h.id}.po")
            if po_sha is not None:
                key = f"{lang.tag}/{h.id}"
                cached = records.status(key)
                if cached and cached[:2] == [hasher.current(h.path), po_sha] and _figures_unchanged(cached, hasher):
                    state, translated, total, fuzzy = cached[2:6]
                else:
                    from .catalogs import status_of
                    from .segments import figure_paths

                    status = status_of(project, library, lang.tag, h.id, templates)
                    state, translated, total, fuzzy = status.state, status.translated, status.total, status.fuzzy
                    # Figure labels are messages too: the figures' hashes are part of the
                    # stamp, so a new label makes the translation partial at once.
                    figures = {f"handouts/{src}": hasher.current(f"handouts/{src}") for src in figure_paths(h)}
                    records.set_status(key, [hasher.current(h.path), po_sha, state, translated, total, fuzzy, figures])
                detail = f"{translated}/{total} translated, {fuzzy} fuzzy"
            else:
                state, detail = "missing", "no catalog"
            if state == "complete":
                targets.append(Target(h, lang.tag, output))
            elif options.allow_incomplete:
                targets.append(Target(h, lang.tag, output, draft=True))
            else:
                summary.skipped.append((output, f"translation {state} ({detail})"))
    return targets


def _figures_unchanged(cached: list[object], hasher: InputHasher) -> bool:
    figures = cached[6] if len(cached) > 6 else None
    return isinstance(figures, dict) and all(hasher.current(rel) == digest for rel, digest in figures.items())


def _pack_texts_state(project: Project, library: Library, language: str, records: Records, hasher: InputHasher) -> str:
    """How complete translations/<lang>/packs.po is; kept in the records, like resource
    statuses, while packs.yaml and the catalog are unchanged (parsing costs more)."""
    from .packs import PACKS_FILE

    domain = "packs"  # catalogs.PACKS_DOMAIN; that module (and Babel) only if parsing is needed
    po_digest = hasher.current(f"translations/{language}/{domain}.po")
    if po_digest is None:
        return "missing"
    key, stamp = f"{language}/{domain}", [hasher.current(PACKS_FILE), po_digest]
    cached = records.status(key)
    if cached and cached[:2] == stamp:
        return str(cached[2])
    from .catalogs import PACKS_DOMAIN, status_of

    status = status_of(project, library, language, PACKS_DOMAIN)
    records.set_status(key, [*stamp, status.state, status.translated, status.total, status.fuzzy])
    return status.state


def pack_plan(project: Project, library: Library, targets: list[Target], options: BuildOptions, summary: BuildSummary, records: Records, hasher: InputHasher) -> list[tuple[Pack, str, bool]]:
    """(pack, language, draft) for every pack whose resources are all available in that
    language; the others are listed as skipped with the reason."""
    from .packs import load_packs

    packs, problems = load_packs(project, library)
    if problems:
        raise PressError(problems)
    available: dict[str, dict[str, bool]] = {}
    for t in targets:
        available.setdefault(t.language, {})[t.handout.id] = t.draft
    chosen = []
    texts_state: dict[str, str] = {}  # per language, asked by its first pack
    for lang, ready in available.items():
        for pack in packs:
            missing = [r for r in pack.resources if r not in ready]
            if options.packs and pack.id not in options.packs:
                continue
            if options.only and not set(pack.resources) <= set(options.only):
                continue
            if missing:
                if not options.only:
                    summary.skipped.append((f"dist/packs/{lang}/{pack.id}.pdf", f"pack needs translations of {len(missing)} resource(s) ({', '.join(missing[:3])})"))
                continue
            draft = any(ready[r] for r in pack.resources)
            if lang != "en":
                if lang not in texts_state:
                    texts_state[lang] = _pack_texts_state(project, library, lang, records, hasher)
                state = texts_state[lang]
                if state != "complete" and not options.allow_incomplete:
                    summary.skipped.append((f"dist/packs/{lang}/{pack.id}.pdf", f"pack texts {state} (translations/{lang}/packs.po)"))
                    continue
                draft = draft or state != "complete"
            chosen.append((pack, lang, draft))
    return chosen


def part_targets(library: Library, packs: list[tuple[Pack, str, bool]], targets: list[Target]) -> list[Target]:
    """One pack part per resource and language, shared by every pack that holds it."""
    drafts = {(t.language, t.handout.id): t.draft for t in targets}
    parts: dict[tuple[str, str], Target] = {}
    for pack, lang, _ in packs:
        for resource in pack.resources:
            if (lang, resource) not in parts:
                parts[(lang, resource)] = Target(library.get(resource), lang, part_path(lang, resource), drafts.get((lang, resource), False), part=True)
    return list(parts.values())


def static_key(target: Target, hasher: InputHasher, paper: str, versions: str, current: Handout | None, settings_digest: str) -> dict[str, str]:
    """Key parts known before rendering; inputs read while rendering are recorded instead."""
    return {
        "schema": str(store.SCHEMA),
        "source": str(hasher.current(target.handout.path)),  # hashed once per build, not per language
        "settings": settings_digest,
        "paper": paper,
        "language": target.language,
        "versions": versions,
        "current edition": f"{current.title}|{current.edition}" if current else "",
        "policy": "draft with source-language fallbacks" if target.draft else "complete translations only",
        "form": "pack part" if target.part else "handout",
    }


def packs_in(project: Project, library: Library) -> tuple[Pack, ...]:
    from .packs import load_packs

    packs, _ = load_packs(project, library)
    return packs


def universe(project: Project, library: Library, registry: Registry, packs: tuple[Pack, ...]) -> set[str]:
    """Every output the project can have, whatever a build selects with --only or --lang:
    each resource and pack in each registry language, with parts and skeletons. (Not
    only pipeline.yaml's languages: a language built with --lang stays until it leaves
    the registry.)"""
    tags = [lang.tag for lang in registry.languages]
    found = {"dist/index.html"}
    for tag in tags:
        found.update(f"dist/handouts/{tag}/{h.id}.pdf" for h in library.handouts)
        for pack in packs:
            found.update((f"dist/packs/{tag}/{pack.id}.pdf", f"dist/.press/skeletons/{tag}/{pack.id}.pdf"))
            found.update(part_path(tag, r) for r in pack.resources)
    return found


def prune(project: Project, records: Records, wanted: set[str]) -> list[str]:
    """Remove every recorded output whose target is gone (a deleted resource or pack, a
    language taken out of the project), with its kept HTML; files the build did not make
    are never touched."""
    removed = []
    for output in records.outputs("handout", "part", "skeleton", "pack"):
        if output in wanted:
            continue
        (project.root / output).unlink(missing_ok=True)
        if output.startswith("dist/handouts/"):
            lang, name = output.split("/")[2:4]
            (project.dist_dir / "html" / lang / name.replace(".pdf", ".html")).unlink(missing_ok=True)
        records.forget(output)
        removed.append(output)
    return removed
