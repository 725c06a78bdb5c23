"""``watch``: rebuild what a saved change affects, print what was rebuilt and any located
errors, and keep running after errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from .build import build
from .errors import PressError
from .targets import BuildOptions, BuildSummary

WATCHED = ("handouts", "styles", "translations", "pipeline.yaml")


SOURCE_SUFFIXES = (".md", ".yaml", ".yml", ".json", ".po", ".css", ".html", ".svg", ".csl")


def _relevant(path: str, root: Path) -> bool:
    """Sources only: not editors' swap files, not templates the build itself rewrites."""
    rel = Path(path).resolve().relative_to(root.resolve()).as_posix() if Path(path).is_absolute() else path
    name = rel.rsplit("/", 1)[-1]
    return name.endswith(SOURCE_SUFFIXES) and not name.startswith(".") and not rel.startswith("translations/templates/")


def run_once(root: Path, options: BuildOptions, say: Callable[[str], None]) -> BuildSummary | None:
    try:
        summary = build(root, options, say=say)
    except PressError as exc:
        for problem in exc.problems:
            say(f"error: {problem}")
        say(f"{len(exc.problems)} problem(s); fix them and save again")
        return None
    for output in summary.built:
        say(f"rebuilt {output}")
    say(summary.line())
    return summary


def watch(root: Path, options: BuildOptions, say: Callable[[str], None], stop: threading.Event | None = None, debounce_ms: int = 400) -> None:
    """Build, then rebuild after every batch of saved changes until ``stop`` is set."""
    from watchfiles import watch as watch_files

    root = root.resolve()
    run_once(root, options, say)
    paths = [root / p for p in WATCHED if (root / p).exists()]
    say(f"watching {', '.join(p.name for p in paths)}; press Ctrl+C to stop")
    for changes in watch_files(*paths, debounce=debounce_ms, step=50, stop_event=stop, raise_interrupt=False):
        changed = sorted({Path(path).resolve().relative_to(root).as_posix() for _, path in changes if _relevant(path, root)})
        if not changed:
            continue
        say("changed: " + ", ".join(changed))
        run_once(root, options, say)
