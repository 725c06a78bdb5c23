"""Where render jobs run: in this process (``--jobs 1``) or in a pool of warm workers.

Both have the ``concurrent.futures.Executor`` shape, and jobs are plain picklable data,
so another executor (a Dask cluster's, say) can run the same jobs unchanged.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from .jobs import HandoutJob, HandoutResult, run_handout_job
from .project import Project
from .render import Renderer, RenderJob, RenderResult


@functools.cache
def _warm_renderer() -> Renderer:
    """The one Renderer of a worker process, created on first use and kept warm."""
    return Renderer()


def render_job(job: RenderJob) -> RenderResult:
    """Run one render job with this process's warm renderer."""
    return _warm_renderer().render(job)


def handout_job(job: HandoutJob) -> list[HandoutResult]:
    """Compose and render one handout's renditions with this process's warm renderer
    (what workers run)."""
    return run_handout_job(job, _warm_renderer().render)


def _init_worker(build_pid: int) -> None:
    _warm_renderer()  # import WeasyPrint and load fonts before the first job arrives
    # A worker of a build that was killed outright would wait for work forever.
    threading.Thread(target=_exit_with, args=(build_pid,), daemon=True).start()


def _exit_with(pid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(0)


class SerialExecutor(Executor):
    """Runs each job at submit time, in this process: the debugging path."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future
            future.set_exception(exc)
        # KeyboardInterrupt and SystemExit are not results: they propagate from submit, so
        # Ctrl+C stops a serial build at once instead of after the batch.
        return future


PRELOAD = [
    "press.jobs", "press.packbuild", "press.packs", "pypdf", "press.compose", "press.body", "press.templates", "press.render", "press.bibliography",
    "press.references", "press.refstore", "press.skeleton", "press.translate", "press.segments",
    "press.languages", "press.sources", "press.markdown", "press.fonts", "weasyprint", "weasyprint.text.fonts",
    "press.catalogs", "press.cache", "citeproc", "citeproc.source.json", "markdown_it", "babel.dates", "babel.numbers",
    "babel.messages.pofile", "importlib.metadata", "_strptime", "fontTools.agl", "uharfbuzz",
]

# A worker renders this many documents, then is replaced, which bounds its memory.
TASKS_PER_WORKER = 200


def _forkserver() -> Any:
    context = multiprocessing.get_context("forkserver")
    # Everything a worker imports to compose and render, imported once in the server
    # rather than once per worker.
    context.set_forkserver_preload(PRELOAD)
    return context


def start_early() -> None:
    """Start the server that workers fork from now, while the build is still planning
    (its imports take most of a second); for builds known to render something."""
    import multiprocessing.forkserver

    _forkserver()
    multiprocessing.forkserver.ensure_running()


def open_executor(project: Project, jobs: int, scheduler: str | None) -> Executor:
    """Where handout jobs run: a Dask cluster when --scheduler or pipeline.yaml's
    ``executor`` names one (see press/cluster.py), else ``jobs`` local workers."""
    address = scheduler or (project.settings.executor if project.settings.executor != "local" else None)
    if address:
        from .cluster import ClusterExecutor

        return ClusterExecutor(address, project.root, "--scheduler" if scheduler else "pipeline.yaml (executor)")
    return make_executor(jobs)


def make_executor(jobs: int) -> Executor:
    """``jobs`` workers; 1 means serial in-process.

    Workers are forked from a server process that has already imported WeasyPrint, so a
    new (or recycled) worker starts warm without the parent ever importing WeasyPrint.
    """
    if jobs <= 1:
        return SerialExecutor()
    # Recycling is done by the caller (a fresh pool per batch of jobs): Python 3.11's own
    # max_tasks_per_child can deadlock when it replaces a worker.
    return ProcessPoolExecutor(max_workers=jobs, mp_context=_forkserver(), initializer=_init_worker, initargs=(os.getpid(),))
