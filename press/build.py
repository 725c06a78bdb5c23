"""The build: decide what is outdated, compose HTML, render in workers, write atomically.

Read top to bottom, ``build`` is the whole story: validate, plan, render, record.
Deciding what to rebuild uses hashes only and never imports WeasyPrint.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, as_completed
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cache
from .cache import InputHasher, Memo, Records, atomic_write, sha256, why_outdated
from .context import Context
from .errors import PressError, Problem
from .languages import Language, Registry, load_registry
from .packs import Pack
from .project import Project
from .sources import Handout, Library
from .validate import validate

if TYPE_CHECKING:
    from .jobs import HandoutResult

LOCK_FILE = "dist/.press/lock"
PARTS_DIR = "dist/.press/parts"
_VERSIONED = ("weasyprint", "pydyf", "pypdf", "citeproc-py", "babel", "markdown-it-py", "jinja2", "fonttools", "uharfbuzz")


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how (the ``build`` command's options)."""

    only: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    paper: str | None = None
    force: bool = False
    keep_html: bool = False
    jobs: int = 1
    explain: bool = False
    allow_incomplete: bool = False
    packs: tuple[str, ...] = ()  # build only these packs (the ``pack`` command)
    scheduler: str | None = None  # a Dask scheduler's address; None: pipeline.yaml's executor


@dataclass(frozen=True)
class Target:
    handout: Handout
    language: str
    output: str  # relative path of the PDF
    draft: bool = False  # built with --allow-incomplete from an incomplete catalog
    part: bool = False  # the handout as a pack part: no page count, stamped per pack

    @property
    def html_path(self) -> str:
        if self.part:
            return f"{PARTS_DIR}/html/{self.language}/{self.handout.id}.html"
        return f"dist/html/{self.language}/{self.handout.id}.html"


@dataclass
class BuildSummary:
    built: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        parts = [f"built {len(self.built)}", f"up to date {len(self.up_to_date)}"]
        if self.skipped:
            parts.append(f"skipped {len(self.skipped)}")
        if self.removed:
            parts.append(f"removed {len(self.removed)}")
        return ", ".join(parts) + f" in {self.seconds:.2f}s"

    def skipped_by_language(self) -> list[str]:
        """One line per language and reason: what was not built and why."""
        counts: dict[tuple[str, str], int] = {}
        for output, reason in self.skipped:
            language = output.split("/")[2]
            counts[(language, reason.split(" (")[0])] = counts.get((language, reason.split(" (")[0]), 0) + 1
        return [f"skipped {n} in {lang}: {reason}" for (lang, reason), n in sorted(counts.items())]


def tool_versions() -> str:
    """Versions of everything that shapes output bytes, as one key part."""
    return ";".join(f"{name}={version}" for name, version in tool_version_parts().items())


def tool_version_parts() -> dict[str, str]:
    """Versions of everything that shapes output bytes (read from metadata, not imports),
    and a hash of the engine's own code, so a new release of Handout Press rebuilds."""
    engine = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        engine.update(source.read_bytes())
    found = {"engine": engine.hexdigest()[:16], "debian": debian_versions()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "none"
    return found


_DEBIAN = ("fonts-noto-core", "fonts-noto-cjk", "libharfbuzz-subset0", "libpango-1.0-0", "fontconfig")


def debian_versions() -> str:
    """Versions of the system fonts and text libraries every PDF depends on."""
    import subprocess

    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Package}=${Version};", *_DEBIAN], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "unknown"
    return out or "unknown"


def remove_stale_temporaries(project: Project) -> int:
    """Delete half-written files a killed build left behind (only whole files stay)."""
    removed = 0
    for tmp in (project.root / "dist").rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


@contextmanager
def build_lock(project: Project, say: Callable[[str], None]) -> Iterator[None]:
    """One build at a time per project: a second one waits for the first to finish."""
    path = project.root / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            say(f"another build is running (pid {holder}); waiting for it to finish...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
    from .catalogs import status_of
    from .segments import figure_paths

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
    from .catalogs import PACKS_DOMAIN, catalog_path, status_of
    from .packs import PACKS_FILE

    po = catalog_path(project, language, PACKS_DOMAIN)
    if not po.is_file():
        return "missing"
    key, stamp = f"{language}/{PACKS_DOMAIN}", [hasher.current(PACKS_FILE), hasher.current(f"translations/{language}/{PACKS_DOMAIN}.po")]
    cached = records.status(key)
    if cached and cached[:2] == stamp:
        return str(cached[2])
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


def part_path(language: str, resource: str) -> str:
    return f"{PARTS_DIR}/{language}/{resource}.pdf"


def static_key(target: Target, hasher: InputHasher, paper: str, versions: str, current: Handout | None, settings_digest: str) -> dict[str, str]:
    """Key parts known before rendering; inputs read while rendering are recorded instead."""
    return {
        "schema": str(cache.SCHEMA),
        "source": str(hasher.current(target.handout.path)),  # hashed once per build, not per language
        "settings": settings_digest,
        "paper": paper,
        "language": target.language,
        "versions": versions,
        "current edition": f"{current.title}|{current.edition}" if current else "",
        "policy": "draft with source-language fallbacks" if target.draft else "complete translations only",
        "form": "pack part" if target.part else "handout",
    }


def build(root: Path, options: BuildOptions, say: Callable[[str], None] = print, progress: Callable[[int, int], None] | None = None, locked: bool = False) -> BuildSummary:
    """Build every selected handout PDF that is out of date. ``locked``: the caller holds
    the build lock already (``release``, which must keep it while it assembles)."""
    from .project import load_project

    started = time.perf_counter()
    if options.force and options.jobs > 1:
        from .executors import start_early

        start_early()  # everything will be rendered: warm the workers while planning
    project = load_project(root)
    summary = BuildSummary()
    with nullcontext() if locked else build_lock(project, say):
        if remove_stale_temporaries(project) and options.explain:
            say("removed temporary files left by an interrupted build")
        records = Records.load(project.root)
        if records.note and options.explain:
            say(records.note)
        if not options.only and not options.packs:
            records.prefetch()
        hasher = InputHasher(project.root, {}, records)
        versions = tool_versions()
        checked = validate(project, options.only, memo=Memo(records, hasher, f"{cache.SCHEMA};{versions}"))
        if checked.problems:
            records.save_if_changed()  # what was parsed cleanly need not be parsed again
            raise PressError(checked.problems)
        paper = options.paper or project.settings.paper
        registry = load_registry(project)
        languages = build_languages(project, registry, options)
        memo: dict[object, object] = {}  # shared by every language's context: templates, CSL
        ctx_by_lang = {
            lang.tag: Context(project, checked.library, checked.references, lang, paper, options.allow_incomplete, memo)
            for lang in languages
        }
        hasher.virtual |= {f"reference:{k}": sha256(checked.references.digest_of(k).encode()) for k in checked.references.items}
        hasher.virtual |= {f"language:{lang.tag}": lang.digest for lang in registry.languages}
        settings_digest = project.settings.digest("organisation", "copyright", "licence")
        todo: list[tuple[Target, dict[str, str]]] = []
        targets = plan(project, checked.library, languages, options, summary, records, hasher)
        packs = pack_plan(project, checked.library, targets, options, summary, records, hasher)
        targets += part_targets(checked.library, packs, targets)
        for target in targets:
            h = target.handout
            current = checked.library.get(h.superseded_by) if h.superseded_by else None
            static = static_key(target, hasher, paper, versions, current, settings_digest)
            reason = "--force" if options.force else why_outdated(records.records.get(target.output), static, project.root / target.output, hasher)
            if options.keep_html and not target.part and reason is None and not (project.root / target.html_path).is_file():
                reason = "--keep-html and no kept HTML yet"
            if options.explain:
                say(f"{target.output}: {'rebuild, ' + reason if reason else 'up to date'}")
            if reason is None:
                summary.up_to_date.append(target.output)
            else:
                todo.append((target, static))
        if options.explain:
            for output, why in summary.skipped:
                say(f"{output}: skipped, {why}")
        # Longest first (by the last build's page count and size), so the build does not
        # end with one worker on a long document while the others wait.
        todo.sort(key=lambda item: _expected_cost(records, item[0].output), reverse=True)
        problems = _render_all(project, paper, todo, records, options, summary, progress) if todo else []
        if not todo:
            records.save_if_changed()
        if packs and not problems:
            from .packbuild import build_packs

            problems = build_packs(project, checked, packs, ctx_by_lang, records, options, summary, hasher, versions, say)
        if problems:
            raise PressError(problems)
        removed = prune(project, records, universe(project, checked.library, registry, packs_in(project, checked.library)))
        for output in removed:
            summary.removed.append(output)
            if options.explain:
                say(f"{output}: removed, its resource, pack or language is gone")
        write_catalog(project, checked.library, registry, records, hasher, versions, say if options.explain else None)
        if summary.built or removed:
            for rel in cache.prune_made_fonts(project.root, records):
                if options.explain:
                    say(f"{rel}: removed, no output uses it any more")
        records.save_if_changed()
        records.close()
    summary.seconds = time.perf_counter() - started
    return summary


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


def write_catalog(project: Project, library: Library, registry: Registry, records: Records, hasher: InputHasher, versions: str, say: Callable[[str], None] | None = None) -> None:
    """dist/index.html for every recorded PDF, a target like any other: its key holds the
    list of PDFs, so it follows every build and removal, and a build that only changed
    what is inside PDFs does not even compose it (loading 70 languages' CLDR data for
    their native names costs more than the rest of such a build)."""
    from .catalog import catalog_html, catalog_key
    from .packs import load_packs

    packs, _ = load_packs(project, library)
    output = "dist/index.html"
    present = {o.removeprefix("dist/") for o in records.outputs("handout", "pack")}
    static = {"catalog": catalog_key(project, library, registry, packs, present), "versions": versions}
    reason = why_outdated(records.records.get(output), static, project.root / output, hasher)
    if say is not None:
        say(f"{output}: {'rebuild, ' + reason if reason else 'up to date'}")
    if reason is None:
        return
    reads: dict[str, str] = {}
    subtitle = "Resource catalog: every handout and pack, by type and language"
    html = catalog_html(project, library, registry, packs, project.dist_dir, project.settings.organisation, subtitle, reads, present).encode()
    records.store(project.root, output, html, static, reads)
    records.save()


def _expected_cost(records: Records, output: str) -> tuple[int, int]:
    record = records.records.get(output)
    return (record.pages, record.output_stat[0]) if record is not None else (0, 0)


def _render_all(
    project: Project,
    paper: str,
    todo: list[tuple[Target, dict[str, str]]],
    records: Records,
    options: BuildOptions,
    summary: BuildSummary,
    progress: Callable[[int, int], None] | None,
) -> list[Problem]:
    """Render every outdated handout in workers; the parent only submits and writes."""
    from .bibliography import save_store
    from .executors import TASKS_PER_WORKER, handout_job, open_executor
    from .jobs import HandoutJob

    problems: list[Problem] = []
    formatted: dict[str, str] = {}
    token = f"{os.getpid()}-{time.monotonic_ns()}"  # one per build: workers never reuse stale sources
    scheduler = options.scheduler or (project.settings.executor if project.settings.executor != "local" else None)
    batch = len(todo) if scheduler else max(1, options.jobs) * TASKS_PER_WORKER
    pending: dict[Future[HandoutResult], tuple[Target, dict[str, str]]] = {}
    done = 0

    def finish(future: Future[HandoutResult]) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(todo))
        target, static = pending.pop(future)
        outcome = future.result()
        formatted.update(outcome.formatted)
        problems.extend(_store(project, target, static, outcome, records, summary))

    try:
        # Each batch gets a fresh pool, so no worker renders more than TASKS_PER_WORKER
        # documents: memory stays bounded however large the library.
        for start in range(0, len(todo), batch):
            executor = open_executor(project, options.jobs, scheduler)
            try:
                for target, static in todo[start : start + batch]:
                    keep = options.keep_html and not target.part
                    job = HandoutJob(str(project.root), token, target.handout.id, target.language, paper, options.allow_incomplete, target.part, target.html_path, keep)
                    future = executor.submit(handout_job, job)
                    pending[future] = (target, static)
                    if future.done():  # the serial executor: each PDF is written as it is made
                        finish(future)
                for future in as_completed(list(pending)):
                    finish(future)
            except BaseException:
                # Ctrl+C (or an error) drops the jobs not started yet instead of waiting
                # for the whole batch, as leaving a ``with`` block would.
                executor.shutdown(wait=False, cancel_futures=True)
                raise
            executor.shutdown(wait=True)
    finally:
        # What was written is recorded even when the build is interrupted, so the next
        # build starts where this one stopped.
        records.save()
        save_store(project.root, formatted)
    return problems


def _store(project: Project, target: Target, static: dict[str, str], outcome: HandoutResult, records: Records, summary: BuildSummary) -> list[Problem]:
    """Write one finished job's PDF (and kept HTML) and record it, or return its problems."""
    result = outcome.render
    if outcome.problems or result is None:
        return outcome.problems
    if outcome.html is not None:
        atomic_write(project.root / target.html_path, outcome.html.encode())
    summary.warnings.extend(f"{target.handout.path}: warning: {w}" for w in result.warnings)
    if result.refused or result.failed:
        return [Problem(target.handout.path, 0, f"refused to load {r}") for r in result.refused] + [
            Problem(target.handout.path, 0, f"{why}; check the file it names") for why in result.failed
        ]
    records.store(project.root, target.output, result.pdf, static, {**outcome.reads, **result.reads}, result.pages)
    summary.built.append(target.output)
    return []
