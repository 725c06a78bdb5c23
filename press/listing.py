"""The ``list`` command's table: every resource, its kind, edition and languages."""

from __future__ import annotations

from pathlib import Path

from .errors import PressError
from .project import load_project
from .sources import load_library


def rows(root: Path) -> list[tuple[str, ...]]:
    """Aligned rows: id, kind, edition, languages (plus 'archived' where it applies)."""
    project = load_project(root)
    library, problems = load_library(project)
    if problems:
        raise PressError(problems)
    languages = ",".join(project.settings.languages)
    table = [("ID", "KIND", "EDITION", "LANGUAGES", "STATUS")]
    for h in library.handouts:
        status = f"archived (see {h.superseded_by})" if h.superseded_by else "current"
        table.append((h.id, h.kind, str(h.edition), languages, status))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return [tuple(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in table]
