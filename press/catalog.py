"""The catalog page: one self-contained index.html of everything built (or released).

Packs and resources grouped by kind with summary, edition, review date and a first-page
preview, the languages each is available in (own name and English name, right-to-left
ones marked up as such), links to every PDF; search, filters by type and language and an
archived-editions switch work from file:// with no network. With a language chosen, the
cards show their titles and summaries from that language's catalogs (carried in the page
as JSON); the page reads fine without JavaScript, in English.
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


def language_label(name: str, native: str) -> str:
    """How a language is named to staff: the English name, then the language's own name
    ("Chinese (Simplified) · 中文（简体）"); English once."""
    return name if native == name else f"{name} · {native}"


def _translated_texts(project: Project, tag: str, domain: str, sources: list[str], reads: dict[str, str] | None, approvals: dict[str, Any]) -> tuple[dict[str, str], tuple[bool, bool]]:
    """Translations of ``sources`` from one catalog (usable messages only), and whether
    the catalog is clinically approved as it reads, for the client and large-print
    versions and for the professional version; both recorded as read."""
    import hashlib

    from .catalogs import catalog_path, load_catalog
    from .reviews import NO_REVIEW, passages, review_of
    from .segments import normalise
    from .translate import usable_messages

    path = catalog_path(project, tag, domain)
    if not path.is_file():
        return {}, (False, False)
    approval = approvals.get(domain)
    if reads is not None:
        reads[project.relative(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        reads[f"review:{tag}/{domain}"] = approval.digest if approval is not None else NO_REVIEW
    catalog = load_catalog(project, tag, domain)
    messages = usable_messages(catalog)
    entries = passages(catalog)
    reviewed = tuple(review_of(approval, entries, professional).state == "approved" for professional in (False, True))
    return {source: messages[normalise(source)] for source in sources if messages.get(normalise(source))}, (reviewed[0], reviewed[1])


def catalog_html(
    project: Project, library: Library, registry: Registry, packs: tuple[Pack, ...], base: Path, title: str, subtitle: str,
    reads: dict[str, str] | None = None, present: set[str] | None = None, previews: set[str] | None = None,
) -> str:
    """Render the catalog for the PDFs under ``base`` (dist/ or a release folder): those
    in ``present`` (paths relative to ``base``), or else those found there; with the
    first-page previews in ``previews`` (else those found under ``base``)."""
    from .previews import PREVIEW_DIR

    shown: set[str] = present if present is not None else {p.relative_to(base).as_posix() for folder in ("handouts", "packs") for p in (base / folder).glob("*/*.pdf")}
    pictures: set[str] = previews if previews is not None else {p.relative_to(base).as_posix() for p in (base / PREVIEW_DIR).glob("*/*/*.png")}
    by_tag = {lang.tag: lang for lang in registry.languages}

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

    def localised(folder: str, item_id: str, domain: str, tags: list[str], source_title: str, source_summary: str) -> dict[str, Any]:
        """Per language: title, summary, whether they are translated, direction, preview."""
        out: dict[str, Any] = {}
        for tag in tags:
            lang = by_tag[tag]
            texts, reviewed = ({}, (True, True)) if lang.is_source else _translated_texts(project, tag, domain, [source_title, source_summary], reads, approvals(tag))
            preview = f"{PREVIEW_DIR}/{folder}/{tag}/{item_id}.png"
            out[tag] = {
                "title": texts.get(source_title, source_title), "summary": texts.get(source_summary, source_summary),
                "translated": lang.is_source or source_title in texts, "dir": lang.direction,
                "preview": preview if preview in pictures else "", "reviewed": reviewed[0], "reviewed_professional": reviewed[1],
            }
        return out

    def approvals(tag: str) -> dict[str, Any]:
        if tag not in reviews:
            from .reviews import load_reviews

            reviews[tag] = load_reviews(project, tag)
        return reviews[tag]

    def preview_of(folder: str, item_id: str, texts: dict[str, Any]) -> dict[str, Any] | None:
        """The preview shown before a language is chosen: English, else the first there is."""
        tag = next((t for t in ("en", *texts) if t in texts and texts[t]["preview"]), None)
        if tag is None:
            return None
        from PIL import Image

        with Image.open(base / texts[tag]["preview"]) as image:
            width, height = image.size
        return {"src": texts[tag]["preview"], "tag": tag, "width": width // 2, "height": height // 2}

    reviews: dict[str, dict[str, Any]] = {}
    data: dict[str, Any] = {}
    resources: list[dict[str, Any]] = []
    for h in library.handouts:
        variants = by_variant("handouts", h.id)
        if variants:
            tags = list(dict.fromkeys(f["tag"] for v in variants for f in v["files"]))
            texts = localised("handouts", h.id, h.id, tags, h.title, h.summary)
            data[f"handout:{h.id}"] = texts
            _mark_reviewed(variants, texts)
            resources.append({
                "id": h.id, "key": f"handout:{h.id}", "kind": h.kind, "title": h.title, "summary": h.summary, "edition": h.edition,
                "review_due": h.review_due.isoformat(), "audience": h.audience, "archived": h.archived,
                "variants": variants, "files": [f for v in variants for f in v["files"]], "preview": preview_of("handouts", h.id, texts),
            })
    pack_rows: list[dict[str, Any]] = []
    for p in packs:
        variants = by_variant("packs", p.id)
        if variants:
            tags = list(dict.fromkeys(f["tag"] for v in variants for f in v["files"]))
            texts = localised("packs", p.id, "packs", tags, p.title, p.summary)
            data[f"pack:{p.id}"] = texts
            _mark_reviewed(variants, texts)
            pack_rows.append({
                "id": p.id, "key": f"pack:{p.id}", "title": p.title, "summary": p.summary, "archived": False, "variants": variants,
                "files": [f for v in variants for f in v["files"]], "preview": preview_of("packs", p.id, texts),
            })
    used = {f["tag"] for r in resources for f in r["files"]} | {f["tag"] for p in pack_rows for f in p["files"]}
    languages = [
        {"tag": lang.tag, "native": lang.native_name, "name": lang.name, "direction": lang.direction, "label": language_label(lang.name, lang.native_name)}
        for lang in sorted(registry.languages, key=lambda lang: (not lang.is_source, lang.name.casefold()))
        if lang.tag in used
    ]
    kinds = [(k, UI_STRINGS[f"kind.{k}"]) for k in KINDS if any(r["kind"] == k for r in resources)]
    from .templates import RecordingEnvironment  # Jinja2 only when the page is written

    env = RecordingEnvironment(project)
    # The page is UTF-8: titles in the data as written, not as \u escapes (a third the size).
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env.render(
        "catalog.html", {} if reads is None else reads, title=title, subtitle=subtitle, kinds=kinds, resources=resources, packs=pack_rows,
        languages=languages, data=data, archived=sum(1 for r in resources if r["archived"]),
    )


def _mark_reviewed(variants: list[dict[str, Any]], texts: dict[str, Any]) -> None:
    """Each language link says whether its translation is clinically reviewed (English,
    the source, needs no mark)."""
    for variant in variants:
        key = "reviewed_professional" if variant["name"] == "professional" else "reviewed"
        for f in variant["files"]:
            f["reviewed"] = texts[f["tag"]][key] if f["tag"] != "en" else None  # English: no mark
