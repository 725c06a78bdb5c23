"""A handout job as plain data, and what a worker does with it: compose, then render.

Composing (Markdown, catalogs, CSL formatting, templates) happens in the worker next to
rendering, so the parent only plans and writes; a worker keeps its loaded project and
formatted references for the jobs of one build.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem
from .render import RenderJob, RenderResult

if TYPE_CHECKING:
    from .context import Context


@dataclass(frozen=True)
class Rendition:
    """One output of a handout job: a variant, as a handout or as a pack part."""

    variant: str
    part: bool
    html_path: str
    keep_html: bool
    scope: tuple[str, ...] = ()  # a pack part: the works whose list decides its year letters


@dataclass(frozen=True)
class HandoutJob:
    """Everything a worker needs to produce one handout's outputs in one language (its
    variants and pack parts): the body is parsed and translated once for all of them."""

    root: str
    build: str  # identifies the build, so a long-lived process never reuses stale sources
    resource: str
    language: str
    paper: str
    allow_incomplete: bool
    renditions: tuple[Rendition, ...]


@dataclass
class HandoutResult:
    render: RenderResult | None
    reads: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    html: str | None = None
    formatted: dict[str, str] = field(default_factory=dict)  # new entries for the reference store


@functools.lru_cache(maxsize=4)
def _context(root: str, build: str, language: str, paper: str, allow_incomplete: bool) -> Context:
    from .context import Context
    from .languages import load_registry
    from .project import load_project
    from .references import load_references
    from .sources import load_library

    project = load_project(Path(root))
    library, _ = load_library(project)
    references, _ = load_references(project)
    registry = load_registry(project)
    return Context(project, library, references, registry.get(language), paper, allow_incomplete, _memo(root, build))


@functools.lru_cache(maxsize=2)
def _memo(root: str, build: str) -> dict[object, object]:
    """One memo per build and process, shared by its languages (CSL styles, templates)."""
    return {}


def relative_from(html_path: str) -> Callable[[str], str]:
    """URLs in the HTML are relative to where ``--keep-html`` writes it, so the kept file
    renders the same with the ``weasyprint`` command, and no absolute path is embedded."""
    depth = "../" * html_path.count("/")

    def url_for(rel: str) -> str:
        return depth + rel

    return url_for


def run_handout_job(job: HandoutJob, render: Callable[[RenderJob], RenderResult]) -> list[HandoutResult]:
    """Compose and render each of a job's renditions with ``render`` (a warm Renderer's
    method); one result per rendition, in order."""
    from .compose import compose, prepare
    from .refstore import open_store
    from .variants import get

    ctx = _context(job.root, job.build, job.language, job.paper, job.allow_incomplete)
    handout = ctx.library.get(job.resource)
    prepared = prepare(handout, ctx)
    results = []
    for rendition in job.renditions:
        composed = compose(handout, ctx, relative_from(rendition.html_path), rendition.part, get(rendition.variant), prepared, rendition.scope)
        if composed.problems:
            results.append(HandoutResult(None, composed.reads, composed.problems))
            continue
        result = render(RenderJob(job.root, composed.html, rendition.html_path, handout.path, pdf_forms=True, pdf_tags=True, stylesheets=composed.stylesheets))
        results.append(HandoutResult(result, composed.reads, [], composed.html if rendition.keep_html else None))
    if results:  # the references formatted on the way go back once, with the first
        results[0].formatted = open_store(Path(job.root), ctx.memo).take_new()
    return results
