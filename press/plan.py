"""Planning a build: which targets exist (each resource and pack in each language, their
pack parts and skeletons), which of them are skipped (incomplete translations) and what
each one's key is; and pruning the outputs whose target is gone.

Deciding uses the store and file hashes only: nothing here imports WeasyPrint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import store
from .cache import InputHasher
from .errors import PressError, Problem
from .languages import Language, Registry
from .packs import Pack
from .project import Project
from .sources import Handout, Library
from .store import Records
from .targets import BuildOptions, BuildSummary, PackTarget, Target, part_path
from .variants import VARIANTS, Variant, for_pack, handout_output, part_variant, source_digest

if TYPE_CHECKING:
    from .citescope import CiteScopes


def build_languages(project: Project, registry: Registry, options: BuildOptions) -> list[Language]:
    """The languages to build: --lang, else pipeline.yaml (``all`` means the registry)."""
    wanted = options.languages or project.settings.languages
    if "all" in wanted:
        return list(registry.languages)
    unknown = [tag for tag in wanted if tag not in registry.tags]
    if unknown:
        raise PressError([Problem("translations/languages.yaml", 0, f"language '{tag}' is not in the registry") for tag in unknown])
    return [registry.get(tag) for tag in wanted]


# Per language and resource, whether each content ("client": without professional
# passages; "professional": with them) can be built, and if so whether as a draft.
Availability = dict[tuple[str, str], dict[str, bool]]


def plan(
    project: Project, library: Library, languages: list[Language], options: BuildOptions, summary: BuildSummary, records: Records, hasher: InputHasher, variants: tuple[Variant, ...]
) -> tuple[list[Target], Availability]:
    """Every handout output to consider, per variant; a translation that is not complete
    for a variant's passages is skipped, with the reason, unless --allow-incomplete asks
    for a draft with English fallbacks. A client or large-print version needs only the
    client passages translated."""
    selected = [h for h in library.handouts if not options.only or h.id in options.only]
    targets = []
    available: Availability = {}
    templates: dict[str, Any] = {}
    for lang in languages:
        for h in selected:
            chosen = [v for v in variants if v.applies_to(h.audience, bool(h.passages), h.archived)]
            if lang.is_source:
                available[(lang.tag, h.id)] = {"client": False, "professional": False}
                targets += [Target(h, lang.tag, handout_output(lang.tag, h.id, v), variant=v) for v in chosen]
                continue
            states = _states(project, library, lang.tag, h, records, hasher, templates)
            ready = available.setdefault((lang.tag, h.id), {})
            for content, (state, _) in states.items():
                if state == "complete" or options.allow_incomplete:
                    ready[content] = state != "complete"
            for v in chosen:
                output = handout_output(lang.tag, h.id, v)
                if v.content in ready:
                    targets.append(Target(h, lang.tag, output, draft=ready[v.content], variant=v))
                else:
                    state, detail = states[v.content]
                    passages = " of the professional passages" if v.professional and states["client"][0] == "complete" else ""
                    summary.skipped.append((output, f"translation {state}{passages} ({detail})"))
    return targets, available


def _states(project: Project, library: Library, language: str, h: Handout, records: Records, hasher: InputHasher, templates: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """(state, detail) of a resource's catalog for the client and professional content;
    kept in the records while the source, the catalog and the figures are unchanged."""
    po_sha = hasher.current(f"translations/{language}/{h.id}.po")
    if po_sha is None:
        return {"client": ("missing", "no catalog"), "professional": ("missing", "no catalog")}
    key = f"{language}/{h.id}"
    cached = records.status(key)
    if not (cached and len(cached) == 11 and cached[:2] == [hasher.current(h.path), po_sha] and _figures_unchanged(cached, hasher)):
        from .catalogs import status_of
        from .segments import figure_paths

        s = status_of(project, library, language, h.id, templates)
        # Figure labels are messages too: the figures' hashes are part of the stamp, so
        # a new label makes the translation partial at once.
        figures = {f"handouts/{src}": hasher.current(f"handouts/{src}") for src in figure_paths(h)}
        cached = [hasher.current(h.path), po_sha, s.state, s.translated, s.total, s.fuzzy, figures, s.client_state, s.client_translated, s.client_total, s.client_fuzzy]
        records.set_status(key, cached)
    state, translated, total, fuzzy = cached[2:6]
    client_state, client_translated, client_total, client_fuzzy = cached[7:11]
    return {
        "client": (str(client_state), f"{client_translated}/{client_total} translated, {client_fuzzy} fuzzy"),
        "professional": (str(state), f"{translated}/{total} translated, {fuzzy} fuzzy"),
    }


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


def pack_plan(
    project: Project, library: Library, available: Availability, options: BuildOptions, summary: BuildSummary, records: Records, hasher: InputHasher, variants: tuple[Variant, ...]
) -> list[PackTarget]:
    """Every pack, language and variant whose resources are all available in that
    language (in the content the variant shows); the others are listed as skipped."""
    from .packs import load_packs

    packs, problems = load_packs(project, library)
    if problems:
        raise PressError(problems)
    chosen = []
    texts_state: dict[str, str] = {}  # per language, asked by its first pack
    for lang in dict.fromkeys(tag for tag, _ in available):
        for pack in packs:
            if options.packs and pack.id not in options.packs:
                continue
            if options.only and not set(pack.resources) <= set(options.only):
                continue
            for variant in (v for v in variants if for_pack(v, pack.audience)):
                target = PackTarget(pack, lang, False, variant)
                contents = [(r, part_variant(variant, bool(library.get(r).passages)).content) for r in pack.resources]
                missing = [r for r, content in contents if content not in available.get((lang, r), {})]
                if missing:
                    if not options.only:
                        summary.skipped.append((target.output, f"pack needs translations of {len(missing)} resource(s) ({', '.join(missing[:3])})"))
                    continue
                draft = any(available[(lang, r)][content] for r, content in contents)
                if lang != "en":
                    if lang not in texts_state:
                        texts_state[lang] = _pack_texts_state(project, library, lang, records, hasher)
                    state = texts_state[lang]
                    if state != "complete" and not options.allow_incomplete:
                        summary.skipped.append((target.output, f"pack texts {state} (translations/{lang}/packs.po)"))
                        continue
                    draft = draft or state != "complete"
                chosen.append(PackTarget(pack, lang, draft, variant))
    return chosen


def part_targets(library: Library, packs: list[PackTarget], available: Availability, scopes: CiteScopes) -> list[Target]:
    """One pack part per resource, language and rendition, shared by every pack that
    holds it and cites with the same year letters (press/citescope.py)."""
    parts: dict[str, Target] = {}
    for target in packs:
        for resource in target.pack.resources:
            handout = library.get(resource)
            variant = part_variant(target.variant, bool(handout.passages))
            scope = scopes.part(target.pack, target.variant, resource)
            path = part_path(target.language, resource, variant, scope.tag)
            if path not in parts:
                draft = available[(target.language, resource)][variant.content]
                parts[path] = Target(handout, target.language, path, draft, part=True, variant=variant, scope=scope.scope)
    return list(parts.values())


def static_key(target: Target, hasher: InputHasher, paper: str, versions: str, current: Handout | None, settings_digest: str) -> dict[str, str]:
    """Key parts known before rendering; inputs read while rendering are recorded instead.
    The source part is the variant's own text: a professional passage is not part of
    the client and large-print versions' keys."""
    h = target.handout
    return {
        "schema": str(store.SCHEMA),
        "source": source_digest(str(hasher.current(h.path)), h.front, h.body, h.passages, target.variant),
        "variant": target.variant.name,
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


def universe(project: Project, library: Library, registry: Registry, packs: tuple[Pack, ...], scopes: CiteScopes) -> set[str]:
    """Every output the project can have, whatever a build selects with --only or --lang:
    each resource and pack in each registry language, with parts and skeletons. (Not
    only pipeline.yaml's languages: a language built with --lang stays until it leaves
    the registry.)"""
    tags = [lang.tag for lang in registry.languages]
    found = {"dist/index.html"}
    for tag in tags:
        for variant in VARIANTS.values():
            found.update(handout_output(tag, h.id, variant) for h in library.handouts if variant.applies_to(h.audience, bool(h.passages), h.archived))
            for pack in packs:
                if for_pack(variant, pack.audience):
                    target = PackTarget(pack, tag, False, variant)
                    found.update((target.output, target.skeleton))
                    found.update(part_path(tag, r, part_variant(variant, bool(library.get(r).passages)), scopes.part(pack, variant, r).tag) for r in pack.resources)
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
