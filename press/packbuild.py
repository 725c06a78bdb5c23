"""The pack stage of a build: for each pack and language that is out of date, render the
cover and contents, the appendix and the page-number overlay, then assemble with pypdf."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import InputHasher, outdated, verdict
from .context import Context
from .errors import Problem
from .packs import assemble, page_count
from .project import Project
from .render import RenderJob, RenderResult
from .store import Records
from .targets import PackTarget, part_path
from .variants import part_variant

if TYPE_CHECKING:
    from .targets import BuildOptions, BuildSummary
    from .validate import Checked


def build_packs(
    project: Project,
    checked: Checked,
    packs: list[PackTarget],
    ctx_by_lang: dict[str, Context],
    records: Records,
    options: BuildOptions,
    summary: BuildSummary,
    hasher: InputHasher,
    versions: str,
    say: Callable[[str], None],
) -> list[Problem]:
    problems: list[Problem] = []
    todo = []
    for target in packs:
        parts = part_paths(checked, target)
        if not all(p in records.records for p in parts):
            continue  # a part failed to build; its error is already reported
        static = {
            "pack": target.pack.digest(),
            "parts": hashlib.sha256("".join(records.records[p].output_sha for p in parts).encode()).hexdigest(),
            "settings": project.settings.digest("organisation", "copyright", "licence"),
            "paper": ctx_by_lang[target.language].paper,
            "language": target.language,
            "variant": target.variant.name,
            "versions": versions,
            "policy": "draft" if target.draft else "complete",
        }
        reason = outdated(records, hasher, project.root, target.output, static, options.force)
        if options.explain:
            say(verdict(target.output, reason))
        if reason is None:
            summary.up_to_date.append(target.output)
        else:
            todo.append((target, static))
    skeletons = SkeletonCache(project, records, hasher, versions, options.force, say if options.explain else None)
    jobs = [_prepare(project, checked, target, ctx_by_lang[target.language], static, records, skeletons) for target, static in todo]
    problems += _run(project, jobs, records, summary, skeletons, options.jobs)
    records.save_if_changed()
    if ctx_by_lang:
        from .refstore import open_store, save_store

        memo = next(iter(ctx_by_lang.values())).memo  # one memo shared by every language
        save_store(project.root, open_store(project.root, memo).take_new())
    return problems


class SkeletonCache:
    """A pack's own pages (cover, contents, numbered pages, appendix) as rendered last time.

    The skeleton depends on the pack, the titles and page counts of its resources and
    the works they cite, not on the resources' text: after the usual edit (a resource's
    wording, same page count) the pack is re-assembled from the new part and the same
    skeleton, with no WeasyPrint at all. The composed HTML is the key, with the tool
    versions and everything the render read (stylesheets, fonts).
    """

    def __init__(self, project: Project, records: Records, hasher: InputHasher, versions: str, force: bool, explain: Callable[[str], None] | None) -> None:
        self.project, self.records, self.hasher, self.versions, self.force = project, records, hasher, versions, force
        self.explain = explain  # says each decision, as --explain does for every output

    def static(self, html: str) -> dict[str, str]:
        return {"html": hashlib.sha256(html.encode()).hexdigest(), "versions": self.versions}

    def reusable(self, output: str, html: str) -> bool:
        reason = outdated(self.records, self.hasher, self.project.root, output, self.static(html), self.force)
        if self.explain is not None:
            self.explain(verdict(output, reason))
        return reason is None


@dataclass(frozen=True)
class PackJob:
    """Plain data: everything a worker needs to assemble one pack PDF."""

    root: str
    lang: str
    pack_id: str
    line: int  # of the pack in packs.yaml, for errors
    output: str
    static: dict[str, str]
    reads: dict[str, str]  # what composing the skeleton and reading the parts read
    skeleton_html: str
    skeleton_path: str  # dist/.press/skeletons/<lang>/<pack><variant suffix>.pdf
    skeleton_cached: bool  # reuse the skeleton PDF as it is
    parts: tuple[tuple[str, str], ...]  # (title, part PDF path) in pack order
    title: str
    labels: dict[str, str]
    metadata: dict[str, str]


@dataclass
class PackResult:
    pdf: bytes
    skeleton: RenderResult | None  # a freshly rendered skeleton, to be recorded


def pack_job(job: PackJob, render: Callable[[RenderJob], RenderResult]) -> PackResult:
    """Render the skeleton if needed and lay the parts over it (what a worker runs)."""
    from .packs import SKELETON_STYLESHEETS

    root = Path(job.root)
    skeleton = None
    if job.skeleton_cached:
        frame = (root / job.skeleton_path).read_bytes()
    else:
        name = f"dist/html/packs/{job.lang}-{Path(job.skeleton_path).stem}.html"
        skeleton = render(RenderJob(job.root, job.skeleton_html, name, "handouts/packs.yaml", pdf_tags=True, stylesheets=SKELETON_STYLESHEETS))
        if skeleton.refused or skeleton.failed:
            return PackResult(b"", skeleton)
        frame = skeleton.pdf
    parts = [(title, (root / path).read_bytes()) for title, path in job.parts]
    return PackResult(assemble(frame, parts, job.title, job.labels, job.metadata, job.lang), skeleton)


def run_pack_job(job: PackJob) -> PackResult:
    """Assemble one pack with this process's warm renderer (for its skeleton); what pack
    workers run."""
    from .executors import render_job

    return pack_job(job, render_job)


def part_paths(checked: Checked, target: PackTarget) -> list[str]:
    """The pack parts a pack is made of, in order: each resource in the pack's variant."""
    library = checked.library
    return [
        part_path(target.language, r, part_variant(target.variant, bool(library.get(r).passages)), checked.scopes.part(target.pack, target.variant, r).tag)
        for r in target.pack.resources
    ]


def _prepare(project: Project, checked: Checked, target: PackTarget, ctx: Context, static: dict[str, str], records: Records, skeletons: SkeletonCache) -> PackJob:
    """Compose one pack's skeleton in the parent (catalogs, references, templates)."""
    from babel.dates import format_date

    from .compose import _catalog
    from .translate import Translation, usable_messages

    lang, pack = ctx.language.tag, target.pack
    reads: dict[str, str] = {}
    from .skeleton import PartInfo, compose_skeleton, ui_for  # composing, only for packs to rebuild

    ui = ui_for(ctx, reads)
    pack_catalog = None if ctx.language.is_source else _catalog(ctx, "packs", reads)
    texts = Translation(lang, usable_messages(pack_catalog), ui)
    handouts = [checked.library.get(r) for r in pack.resources]
    paths = part_paths(checked, target)
    infos = []
    for handout, path in zip(handouts, paths, strict=True):
        catalog = None if ctx.language.is_source else _catalog(ctx, handout.id, reads)
        title = Translation(lang, usable_messages(catalog), ui)(handout.title)
        pages = records.records[path].pages or page_count((project.root / path).read_bytes())
        infos.append(PartInfo(handout, title, ui[f"kind.{handout.kind}"], pages))
    date = format_date(max(h.published for h in handouts), "long", locale=ctx.language.babel_tag)
    html, skeleton_reads = compose_skeleton(ctx, pack, infos, handouts, texts, ui, date, target.variant)
    cached = skeletons.reusable(target.skeleton, html)
    if cached:
        skeleton_reads = {**skeleton_reads, **records.records[target.skeleton].reads}
    label = {"professional": ui["professional_version"], "large-print": ui["large_print"]}.get(target.variant.name)
    title = texts(pack.title) + (f" ({label})" if label else "")
    return PackJob(
        str(project.root), lang, pack.id, pack.line, target.output, static, {**reads, **skeleton_reads}, html, target.skeleton, cached,
        tuple((info.title, path) for info, path in zip(infos, paths, strict=True)),
        title,
        {"contents": ui["contents"], "bibliography": ui["bibliography"]},
        {
            "/Title": title,
            "/Subject": texts(pack.summary),
            "/Author": project.settings.organisation,
            "/Creator": "Handout Press",
            "/Producer": "Handout Press (WeasyPrint, pypdf)",
        },
    )


def _run(project: Project, jobs: list[PackJob], records: Records, summary: BuildSummary, skeletons: SkeletonCache, workers: int) -> list[Problem]:
    """Assemble the packs in the build's workers (in parallel, and WeasyPrint stays out
    of this process); record each skeleton rendered and each pack written."""
    from .executors import make_executor

    problems: list[Problem] = []
    # Starting workers costs most of a second (their server imports WeasyPrint); with
    # every skeleton reused, a few packs are assembled sooner in this process.
    renders = sum(not job.skeleton_cached for job in jobs)
    parallel = renders > 0 or len(jobs) > 4 * workers
    with make_executor(min(workers, len(jobs)) if parallel else 1) as executor:
        pending = {executor.submit(run_pack_job, job): job for job in jobs}
        for future in as_completed(pending):
            job, result = pending[future], future.result()
            if result.skeleton is not None and (result.skeleton.refused or result.skeleton.failed):
                problems += [Problem("handouts/packs.yaml", job.line, f"refused to load {r}") for r in result.skeleton.refused]
                problems += [Problem("handouts/packs.yaml", job.line, f"{why}; check the file it names") for why in result.skeleton.failed]
                continue
            reads = dict(job.reads)
            if result.skeleton is not None:
                records.store(project.root, job.skeleton_path, result.skeleton.pdf, skeletons.static(job.skeleton_html), result.skeleton.reads, result.skeleton.pages)
                reads.update(result.skeleton.reads)
            records.store(project.root, job.output, result.pdf, job.static, reads)
            summary.built.append(job.output)
    return problems
