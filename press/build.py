"""The build: decide what is outdated, compose HTML, render in workers, write atomically.

Read top to bottom, ``build`` is the whole story: validate, plan, render, record.
Deciding what to rebuild uses hashes only and never imports WeasyPrint.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, as_completed
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache
from .cache import InputHasher, atomic_write, outdated, verdict
from .environment import Environment
from .errors import PressError, Problem
from .languages import Registry
from .plan import pack_plan, packs_in, part_targets, plan, prune, static_key, universe
from .project import Project
from .sources import Library
from .store import Records
from .targets import BuildOptions, BuildSummary, Target

if TYPE_CHECKING:
    from .jobs import HandoutResult

LOCK_FILE = "dist/.press/lock"


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
        env = Environment.load(project, options, say)
        records, hasher, checked, registry, paper, versions = env.records, env.hasher, env.checked, env.registry, env.paper, env.versions
        languages, ctx_by_lang, settings_digest = env.languages, env.contexts, env.settings_digest
        todo: list[tuple[Target, dict[str, str]]] = []
        targets, available = plan(project, checked.library, languages, options, summary, records, hasher, env.variants)
        packs = pack_plan(project, checked.library, available, options, summary, records, hasher, env.variants)
        targets += part_targets(checked.library, packs, available, checked.scopes)
        for target in targets:
            h = target.handout
            current = checked.library.get(h.superseded_by) if h.superseded_by else None
            static = static_key(target, hasher, paper, versions, current, settings_digest)
            reason = outdated(records, hasher, project.root, target.output, static, options.force)
            if options.keep_html and not target.part and reason is None and not (project.root / target.html_path).is_file():
                reason = "--keep-html and no kept HTML yet"
            if options.explain:
                say(verdict(target.output, reason))
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
        removed = prune(project, records, universe(project, checked.library, registry, packs_in(project, checked.library), checked.scopes))
        for output in removed:
            summary.removed.append(output)
            if options.explain:
                say(f"{output}: removed, its resource, pack or language is gone")
        write_catalog(project, checked.library, registry, records, hasher, versions, options.jobs, say if options.explain else None)
        if summary.built or removed:
            for rel in cache.prune_made_fonts(project.root, records):
                if options.explain:
                    say(f"{rel}: removed, no output uses it any more")
        records.save_if_changed()
        records.close()
    summary.seconds = time.perf_counter() - started
    return summary


def write_catalog(project: Project, library: Library, registry: Registry, records: Records, hasher: InputHasher, versions: str, jobs: int = 1, say: Callable[[str], None] | None = None) -> None:
    """dist/index.html for every recorded PDF, with a first-page preview of each, a target
    like any other: its key holds the list of PDFs, so it follows every build and removal,
    and a build that only changed what is inside PDFs does not even compose it (loading 70
    languages' CLDR data for their native names costs more than the rest of such a build).
    The translated titles it shows are recorded as read, so a catalog edit updates it."""
    from .catalog import catalog_html, catalog_key
    from .packs import load_packs
    from .previews import make_previews

    packs, _ = load_packs(project, library)
    output = "dist/index.html"
    present = {o.removeprefix("dist/") for o in records.outputs("handout", "pack")}
    previews = make_previews(project.root, records, hasher, present, jobs, say)
    static = {"catalog": catalog_key(project, library, registry, packs, present), "versions": versions}
    reason = outdated(records, hasher, project.root, output, static)
    if say is not None:
        say(verdict(output, reason))
    if reason is None:
        return
    reads: dict[str, str] = {}
    subtitle = "Resource catalog: every handout and pack, by type and language"
    html = catalog_html(project, library, registry, packs, project.dist_dir, project.settings.organisation, subtitle, reads, present, previews).encode()
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
    """Render every outdated output in workers; the parent only submits and writes. The
    outputs of one resource and language (its variants and pack parts) are one job, so
    its body is parsed and translated once."""
    from .executors import TASKS_PER_WORKER, handout_job, open_executor
    from .jobs import HandoutJob, Rendition
    from .refstore import save_store

    problems: list[Problem] = []
    formatted: dict[str, str] = {}
    token = f"{os.getpid()}-{time.monotonic_ns()}"  # one per build: workers never reuse stale sources
    on_cluster = bool(options.scheduler) or project.settings.executor != "local"
    groups: dict[tuple[str, str], list[tuple[Target, dict[str, str]]]] = {}
    for target, static in todo:  # in cost order: a group starts where its costliest output is
        groups.setdefault((target.handout.id, target.language), []).append((target, static))
    # Local pools are replaced every TASKS_PER_WORKER documents a worker; a cluster's
    # workers are the cluster's to manage.
    limit = len(todo) if on_cluster else max(1, options.jobs) * TASKS_PER_WORKER
    batches: list[list[list[tuple[Target, dict[str, str]]]]] = [[]]
    size = 0
    for group in groups.values():
        if size and size + len(group) > limit:
            batches.append([])
            size = 0
        batches[-1].append(group)
        size += len(group)
    pending: dict[Future[list[HandoutResult]], list[tuple[Target, dict[str, str]]]] = {}
    done = 0

    def finish(future: Future[list[HandoutResult]]) -> None:
        nonlocal done
        group = pending.pop(future)
        for (target, static), outcome in zip(group, future.result(), strict=True):
            done += 1
            if progress:
                progress(done, len(todo))
            formatted.update(outcome.formatted)
            problems.extend(_store(project, target, static, outcome, records, summary))

    try:
        # Each batch gets a fresh pool, so no worker renders more than TASKS_PER_WORKER
        # documents: memory stays bounded however large the library.
        for batch in batches:
            executor = open_executor(project, options.jobs, options.scheduler)
            try:
                for group in batch:
                    first = group[0][0]
                    renditions = tuple(Rendition(t.variant.name, t.part, t.html_path, options.keep_html and not t.part, t.scope) for t, _ in group)
                    job = HandoutJob(str(project.root), token, first.handout.id, first.language, paper, options.allow_incomplete, renditions)
                    future = executor.submit(handout_job, job)
                    pending[future] = group
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
