"""The pack stage of a build: for each pack and language that is out of date, render the
cover and contents, the appendix and the page-number overlay, then assemble with pypdf."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from .cache import InputHasher, Records, why_outdated
from .compose import Context
from .errors import Problem
from .packs import Pack, PartInfo, assemble, compose_skeleton, page_count, ui_for
from .project import Project
from .render import RenderJob, RenderResult

if TYPE_CHECKING:
    from .build import BuildOptions, BuildSummary
    from .validate import Checked


def build_packs(
    project: Project,
    checked: Checked,
    packs: list[tuple[Pack, str, bool]],
    ctx_by_lang: dict[str, Context],
    records: Records,
    options: BuildOptions,
    summary: BuildSummary,
    hasher: InputHasher,
    versions: str,
    say: Callable[[str], None],
) -> list[Problem]:
    from .build import part_path

    problems: list[Problem] = []
    todo = []
    for pack, lang, draft in packs:
        output = f"dist/packs/{lang}/{pack.id}.pdf"
        parts = [part_path(lang, r) for r in pack.resources]
        if not all(p in records.records for p in parts):
            continue  # a part failed to build; its error is already reported
        static = {
            "pack": pack.digest(),
            "parts": hashlib.sha256("".join(records.records[p].output_sha for p in parts).encode()).hexdigest(),
            "settings": project.settings.digest("organisation", "copyright", "licence"),
            "paper": ctx_by_lang[lang].paper,
            "language": lang,
            "versions": versions,
            "policy": "draft" if draft else "complete",
        }
        reason = "--force" if options.force else why_outdated(records.records.get(output), static, project.root / output, hasher)
        if options.explain:
            say(f"{output}: {'rebuild, ' + reason if reason else 'up to date'}")
        if reason is None:
            summary.up_to_date.append(output)
        else:
            todo.append((pack, lang, output, static))
    for pack, lang, output, static in todo:
        problems += _build_one(project, checked, pack, ctx_by_lang[lang], output, static, records, summary)
    records.save()
    return problems


def _render(project: Project, html: str, name: str) -> RenderResult:
    from .executors import render_job

    return render_job(RenderJob(str(project.root), html, f"dist/html/packs/{name}.html", "handouts/packs.yaml", pdf_tags=False))


def _first_part_index(skeleton: bytes) -> int:
    """The 0-based page where the first resource goes: the skeleton's "pack-part-1"."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(skeleton))
    return int(reader.get_destination_page_number(reader.named_destinations["pack-part-1"]) or 0)


def _build_one(project: Project, checked: Checked, pack: Pack, ctx: Context, output: str, static: dict[str, str], records: Records, summary: BuildSummary) -> list[Problem]:
    from babel.dates import format_date

    from .build import part_path
    from .compose import _catalog
    from .translate import Translation, usable_messages

    reads: dict[str, str] = {}
    ui = ui_for(ctx, reads)
    pack_catalog = None if ctx.language.is_source else _catalog(ctx, "packs", reads)
    texts = Translation(ctx.language.tag, usable_messages(pack_catalog), ui)
    handouts = [checked.library.get(r) for r in pack.resources]
    part_bytes = [(project.root / part_path(ctx.language.tag, r)).read_bytes() for r in pack.resources]
    resource_titles = {}
    for handout in handouts:
        catalog = None if ctx.language.is_source else _catalog(ctx, handout.id, reads)
        resource_titles[handout.id] = Translation(ctx.language.tag, usable_messages(catalog), ui)(handout.title)
    date = format_date(max(h.published for h in handouts), "long", locale=ctx.language.babel_tag)
    infos = []
    first = 3  # after the cover and a one-page contents; corrected from the skeleton below
    for handout in handouts:
        path = part_path(ctx.language.tag, handout.id)
        pages = records.records[path].pages or page_count((project.root / path).read_bytes())
        infos.append(PartInfo(handout, resource_titles[handout.id], ui[f"kind.{handout.kind}"], first, pages))
        first += pages
    skeleton_html, skeleton_reads = compose_skeleton(ctx, pack, infos, handouts, texts, ui, date)
    skeleton = _render(project, skeleton_html, f"{ctx.language.tag}-{pack.id}")
    if skeleton.refused:
        return [Problem("handouts/packs.yaml", pack.line, f"refused to load {r}") for r in skeleton.refused]
    shift = _first_part_index(skeleton.pdf) + 1 - infos[0].first_page  # a longer contents shifts all
    infos = [PartInfo(i.handout, i.title, i.kind_label, i.first_page + shift, i.pages) for i in infos]
    labels = {"contents": ui["contents"], "bibliography": ui["bibliography"]}
    metadata = {
        "/Title": texts(pack.title),
        "/Subject": texts(pack.summary),
        "/Author": project.settings.organisation,
        "/Creator": "Handout Press",
        "/Producer": "Handout Press (WeasyPrint, pypdf)",
    }
    pdf = assemble(skeleton.pdf, list(zip(infos, part_bytes, strict=True)), texts(pack.title), labels, metadata, ctx.language.tag)
    records.store(project.root, output, pdf, static, {**reads, **skeleton_reads, **skeleton.reads})
    summary.built.append(output)
    return []
