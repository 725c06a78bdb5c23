"""Render jobs on a Dask cluster (``--scheduler tcp://HOST:PORT``).

Workers need the installed environment only (the locked packages, this package and the
Debian fonts), never the project folder:

- The client sends the project's sources once, as one content-addressed snapshot
  scattered to every worker (a worker that joins later fetches it from a peer). A job
  names the snapshot by its digest; each worker writes it out once, to its own local
  directory, and renders there.
- A result carries everything its job produced: the PDF, what it read, and the fonts it
  made (each made font once per worker), which the client writes into its own dist/.
- Outputs must be byte-identical wherever they are made, so each worker's fingerprint
  (engine, WeasyPrint, Pango, HarfBuzz and font package versions) must equal the
  client's; a mismatch is an error before any job runs.

A worker lost mid-build is survived: the scheduler runs its tasks again elsewhere, and
the snapshot is on every worker. Ctrl+C cancels every future.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .cache import MADE_FONTS_DIR, atomic_write
from .errors import PressError, Problem
from .jobs import HandoutJob, HandoutResult
from .versions import tool_version_parts

# What a worker needs of the project: sources, catalogs, styles and settings.
SNAPSHOT_FOLDERS = ("handouts", "translations", "styles")
SNAPSHOT_FILES = ("pipeline.yaml",)


@dataclass(frozen=True)
class Snapshot:
    """The project's source files by path, and a digest of them all."""

    digest: str
    files: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, root: Path) -> Snapshot:
        found: list[tuple[str, bytes]] = []
        for name in SNAPSHOT_FILES:
            if (root / name).is_file():
                found.append((name, (root / name).read_bytes()))
        for folder in SNAPSHOT_FOLDERS:
            for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
                if path.is_file() and not path.is_symlink():
                    found.append((path.relative_to(root).as_posix(), path.read_bytes()))
        digest = hashlib.sha256()
        for rel, data in found:
            digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        return cls(digest.hexdigest(), tuple(found))


@dataclass
class RemoteResult:
    outcome: list[HandoutResult]
    made: dict[str, bytes] = field(default_factory=dict)  # fonts the job made, by project path


@functools.cache
def _worker_lock() -> threading.Lock:
    """One render at a time per worker process: a Dask worker may run several threads,
    and a renderer (WeasyPrint's font configuration) is not shared between threads."""
    return threading.Lock()


def _materialise(snapshot: Snapshot) -> Path:
    """The snapshot written out under this worker's local directory (once per worker:
    later jobs find its marker file)."""
    try:
        from distributed import get_worker

        base = Path(get_worker().local_directory)
    except (ImportError, ValueError):
        base = Path(tempfile.gettempdir())
    root = base / "handout-press" / snapshot.digest[:32]
    if not (root / ".complete").is_file():
        for rel, data in snapshot.files:
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (root / ".complete").write_text(snapshot.digest)
    return root


def run_remote(snapshot: Snapshot, fn: Callable[[HandoutJob], list[HandoutResult]], job: HandoutJob, have: frozenset[str]) -> RemoteResult:
    """What a Dask worker runs: one job, in the snapshot's folder on this worker. ``have``:
    the made fonts the client has already."""
    with _worker_lock():
        root = _materialise(snapshot)
        outcome = fn(replace(job, root=str(root)))
        made = {}
        reads = {rel: "" for one in outcome for rel in (*one.reads, *(one.render.reads if one.render else {}))}
        for rel in sorted(reads):
            # A made font the client lacks goes back with the first result of this build
            # that used it on this worker (two projects with the same sources share a
            # snapshot folder, so what was sent is kept per build, not per folder).
            marker = root / ".sent" / job.build / hashlib.sha256(rel.encode()).hexdigest()
            if rel.startswith(MADE_FONTS_DIR) and rel not in have and not marker.exists() and (root / rel).is_file():
                made[rel] = (root / rel).read_bytes()
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
    return RemoteResult(outcome, made)


class ClusterExecutor(Executor):
    """Submits handout jobs to a Dask cluster and hands back local futures of their
    results, so the build writes and records them as it does any other."""

    def __init__(self, address: str, root: Path, origin: str = "--scheduler") -> None:
        """``origin``: where the address came from (the option or pipeline.yaml), named in
        every error."""
        self.origin = origin
        try:
            import distributed
            import distributed.versions
        except ImportError:  # pragma: no cover - distributed is in requirements.lock
            raise PressError([Problem(origin, 0, "the 'distributed' package is not installed; run make")]) from None
        self.root = root
        try:
            client: Any = distributed.Client
            with warnings.catch_warnings():
                # Dask's own version table goes to stderr; the fingerprint check below
                # is the one that matters for the bytes, and it says what differs.
                warnings.simplefilter("ignore", distributed.versions.VersionMismatchWarning)
                self.client: Any = client(address, timeout="10s", set_as_default=False)
        except OSError as exc:
            raise PressError([Problem(origin, 0, f"cannot reach the Dask scheduler at {address} ({exc}); start it or fix the address")]) from None
        self._check_workers()
        self.snapshot = Snapshot.of(root)
        # One copy on every worker: a job names it, and no job carries it.
        self._snapshot: Any = self.client.scatter(self.snapshot, broadcast=True, hash=False)
        self._futures: list[Any] = []
        fonts = root / MADE_FONTS_DIR
        self._have = frozenset(MADE_FONTS_DIR + p.name for p in fonts.iterdir() if p.is_file()) if fonts.is_dir() else frozenset()

    def _check_workers(self) -> None:
        workers = self.client.scheduler_info()["workers"]
        if not workers:
            self.client.wait_for_workers(1, timeout=30)
        # What a PDF's bytes depend on besides its inputs, here and on every worker.
        mine = tool_version_parts()
        theirs: dict[str, dict[str, str]] = self.client.run(tool_version_parts)
        problems = []
        for address, parts in sorted(theirs.items()):
            differ = [f"{name} {parts.get(name, 'missing')} there, {mine.get(name, 'missing')} here" for name in sorted(set(parts) | set(mine)) if parts.get(name) != mine.get(name)]
            if differ:
                problems.append(Problem(self.origin, 0, f"worker {address} would make different bytes: {'; '.join(differ)}; install the same locked packages, Handout Press version and Debian fonts there"))
        if problems:
            self.client.close()
            raise PressError(problems)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        (job,) = args  # a job with a ``root``, run by ``fn`` on a worker
        remote = self.client.submit(run_remote, self._snapshot, fn, job, self._have, pure=False)
        self._futures.append(remote)
        local: Future[Any] = Future()

        def done(finished: Any) -> None:
            if finished.cancelled():
                local.cancel()
                return
            try:
                result: RemoteResult = finished.result()
            except BaseException as exc:  # the job's own exception, raised by the caller
                local.set_exception(exc)
                return
            for rel, data in result.made.items():
                if not (self.root / rel).is_file():
                    atomic_write(self.root / rel, data)
            local.set_result(result.outcome)

        remote.add_done_callback(done)
        return local

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if cancel_futures and self._futures:
            self.client.cancel(self._futures, force=True)
        self._futures = []
        self.client.close()

