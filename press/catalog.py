"""The catalog page: one self-contained index.html of everything built (or released).

Resources grouped by kind with summary, edition and review date, the languages each is
available in (native names, right-to-left ones marked up as such), links to every PDF
and pack; filtering by kind and language and search by title work from file:// with no
network, and the page reads fine without JavaScript.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .languages import Registry
from .packs import Pack
from .project import Project
from .sources import KINDS, Library
from .ui import UI_STRINGS
from .variants import VARIANTS

_LABELS = {"client": "client_version", "professional": "professional_version", "large-print": "large_print"}


def catalog_key(project: Project, library: Library, registry: Registry, packs: tuple[Pack, ...], present: set[str]) -> str:
    """A digest of everything the catalog shows except its templates (recorded as read):
    which PDFs exist (paths relative to the catalog), the resources' and packs' metadata,
    the languages."""
    import hashlib
    import json

    files = sorted(present)
    data = [
        files,
        [[h.id, h.kind, h.title, h.summary, h.edition, h.review_due.isoformat(), h.audience, h.archived] for h in library.handouts],
        [[p.id, p.title, p.summary] for p in packs],
        [[lang.tag, lang.name, lang.direction, lang.script] for lang in registry.languages],
        project.settings.organisation,
    ]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


def catalog_html(
    project: Project, library: Library, registry: Registry, packs: tuple[Pack, ...], base: Path, title: str, subtitle: str,
    reads: dict[str, str] | None = None, present: set[str] | None = None,
) -> str:
    """Render the catalog for the PDFs under ``base`` (dist/ or a release folder): those
    in ``present`` (paths relative to ``base``), or else those found there."""
    shown: set[str] = present if present is not None else {p.relative_to(base).as_posix() for folder in ("handouts", "packs") for p in (base / folder).glob("*/*.pdf")}

    def files(folder: str, name: str) -> list[dict[str, Any]]:
        found = []
        for lang in registry.languages:
            href = f"{folder}/{lang.tag}/{name}.pdf"
            if href in shown:
                found.append({"tag": lang.tag, "native": lang.native_name, "name": lang.name, "direction": lang.direction, "href": href})
        return found

    def by_variant(folder: str, name: str) -> list[dict[str, Any]]:
        """Each variant that exists, with the languages it exists in."""
        found = []
        for variant in VARIANTS.values():
            available = files(folder, name + variant.suffix)
            if available:
                found.append({"name": variant.name, "label": UI_STRINGS[_LABELS[variant.name]], "files": available})
        return found

    resources: list[dict[str, Any]] = []
    for h in library.handouts:
        variants = by_variant("handouts", h.id)
        if variants:
            resources.append({
                "id": h.id, "kind": h.kind, "title": h.title, "summary": h.summary, "edition": h.edition,
                "review_due": h.review_due.isoformat(), "audience": h.audience, "archived": h.archived,
                "variants": variants, "files": [f for v in variants for f in v["files"]],
            })
    pack_rows: list[dict[str, Any]] = []
    for p in packs:
        variants = by_variant("packs", p.id)
        if variants:
            pack_rows.append({"title": p.title, "summary": p.summary, "variants": variants, "files": [f for v in variants for f in v["files"]]})
    used = {f["tag"] for r in resources for f in r["files"]} | {f["tag"] for p in pack_rows for f in p["files"]}
    languages = [{"tag": lang.tag, "native": lang.native_name, "name": lang.name, "direction": lang.direction} for lang in registry.languages if lang.tag in used]
    kinds = [(k, UI_STRINGS[f"kind.{k}"]) for k in KINDS if any(r["kind"] == k for r in resources)]
    from .templates import RecordingEnvironment  # Jinja2 only when the page is written

    env = RecordingEnvironment(project)
    return env.render("catalog.html", {} if reads is None else reads, title=title, subtitle=subtitle, kinds=kinds, resources=resources, packs=pack_rows, languages=languages)
