"""Formatted citations and reference entries kept between builds, because citeproc-py
costs more than the rest of composing a document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class FormattedStore:
    """Formatted citations and entries kept between builds (dist/.press/references.json).

    Keys hash everything the HTML depends on (the CSL style's bytes, citeproc-py's
    version, the locale, the works and their year suffixes, the locators), so an entry
    is reused only when formatting it again would give the same HTML. Formatting with
    citeproc-py costs far more than the rest of composing a document.
    """

    def __init__(self, known: dict[str, str] | None = None) -> None:
        self.known = dict(known or {})
        self.new: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.new.get(key) or self.known.get(key)

    def put(self, key: str, html: str) -> None:
        self.new[key] = html

    def take_new(self) -> dict[str, str]:
        """What was formatted since the last call (for a worker to hand to the build)."""
        new, self.new = self.new, {}
        self.known.update(new)
        return new


# Formatted references kept between builds; a larger store starts again from this build.
STORE_FILE = "dist/.press/references.json"
STORE_LIMIT = 20_000


def open_store(root: Path, memo: dict[Any, Any]) -> FormattedStore:
    """The build's store of formatted references, loaded once into ``memo``."""
    if "formatted" not in memo:
        memo["formatted"] = FormattedStore(_read_store(root))
    store: FormattedStore = memo["formatted"]
    return store


def _read_store(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / STORE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # missing or damaged: format again
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_store(root: Path, entries: dict[str, str]) -> None:
    """Add newly formatted references to the store (called by the build, under its lock)."""
    from .cache import atomic_write

    if not entries:
        return
    known = _read_store(root)
    known.update(entries)
    if len(known) > STORE_LIMIT:
        known = dict(entries)
    atomic_write(root / STORE_FILE, json.dumps(known, sort_keys=True, ensure_ascii=False).encode())
