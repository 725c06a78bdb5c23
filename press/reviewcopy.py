"""The bilingual review copy: ``i18n review-copy`` writes dist/review/<lang>/<id>.pdf for
the clinician who reviews a translation.

Every passage of the catalog (headings, paragraphs, list items, worksheet and figure
labels, alt text) in the template's order, numbered as ``i18n approve`` and ``release``
number them: its English beside its translation, each in its own language, script, face
and direction, with its state (translated, fuzzy, missing, or failing a check, and why)
and a fillable comment field. Citations show as their keys, as a translator must keep
them. The header names the resource, its edition, the language and the day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .catalogs import catalog_path, load_catalog
from .context import Context
from .errors import PressError, Problem
from .project import Project
from .reviews import passages, template_order
from .sources import Library
from .translate import check_message

REVIEW_DIR = "dist/review"
STATES = {
    "translated": "Translated",
    "fuzzy": "Fuzzy: the English changed since; check the translation",
    "missing": "Missing: not translated yet",
}


def _inline(text: str) -> Any:
    """A passage's Markdown with its emphasis shown, escaped. Citations, links and images
    stay as written: the reviewer checks their keys and targets (and nothing is fetched)."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    return Markup(MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"]).renderInline(text))


def review_rows(project: Project, library: Library, language: str, domain: str) -> list[dict[str, Any]]:
    """One row per passage: number, where it comes from, English, translation, state."""
    templates: dict[str, Any] = {}
    order = template_order(project, library, domain, templates)
    sources = {(str(m.id), m.context): m.locations for m in templates[domain] if m.id}
    catalog = load_catalog(project, language, domain)
    po = project.relative(catalog_path(project, language, domain))
    rows = []
    for p in passages(catalog, order):
        message = catalog.get(p.msgid, context=p.context) if catalog is not None else None
        problems = check_message(message, po, ui=domain == "ui") if message is not None else []
        state = "fuzzy" if p.fuzzy else ("missing" if not p.msgstr else ("failing" if problems else "translated"))
        label = STATES.get(state) or "Check failed: " + "; ".join(pr.message for pr in problems)
        where = ", ".join(f"{path}:{line}" for path, line in sources[(p.msgid, p.context)][:1])
        rows.append({
            "number": p.number, "state": state, "label": label, "source": where, "po": f"{po}:{p.line}" if p.line else po,
            "english": _inline(p.msgid), "translation": _inline(p.msgstr) if p.msgstr else "",
        })
    return rows


def write_review_copies(root: Path, language: str, only: tuple[str, ...], today: dt.date | None = None) -> list[str]:
    """Render the review copy of each chosen resource (default: every resource with a
    catalog in ``language``); returns the paths written."""
    from babel.dates import format_date

    from .cache import atomic_write
    from .compose import field_font_faces, font_stacks
    from .i18n import load_checked
    from .jobs import relative_from
    from .languages import load_registry
    from .references import load_references
    from .render import Renderer, RenderJob
    from .templates import RecordingEnvironment

    project, library = load_checked(root)
    registry = load_registry(project)
    if language not in registry.tags or language == registry.source.tag:
        raise PressError([Problem("--lang", 0, f"'{language}' is not a translation language in translations/languages.yaml")])
    chosen = list(only) or [h.id for h in library.handouts if catalog_path(project, language, h.id).is_file()]
    unknown = [d for d in chosen if d not in library.ids]
    if unknown:
        raise PressError([Problem("--only", 0, f"unknown resource '{d}'") for d in unknown])
    missing = [d for d in chosen if not catalog_path(project, language, d).is_file()]
    if missing:
        raise PressError([Problem(f"translations/{language}/{d}.po", 0, f"no catalog; run `pipeline.py i18n update --lang {language} --only {d}`") for d in missing])
    lang, source = registry.get(language), registry.source
    references, _ = load_references(project)
    ctx = Context(project, library, references, lang)
    english = Context(project, library, references, source, memo=ctx.memo)
    day = today or dt.date.today()
    renderer = Renderer()
    env = RecordingEnvironment(project)
    written = []
    for domain in chosen:
        handout = library.get(domain)
        html_path = f"{REVIEW_DIR}/{language}/{domain}.html"
        url_for = relative_from(html_path)
        reads: dict[str, str] = {}
        translated_fonts = font_stacks(ctx, url_for, reads)
        html = env.render(
            "review.html", reads,
            title=handout.title, edition=handout.edition, resource=domain, paper=project.settings.paper,
            lang=lang.tag, direction=lang.direction, language_name=lang.name, native_name=lang.native_name,
            date=format_date(day, "long", locale="en_GB"), rows=review_rows(project, library, language, domain),
            english_fonts=font_stacks(english, url_for, reads)["body_fonts"], translation_fonts=translated_fonts["body_fonts"],
            font_faces=translated_fonts["font_faces"], **field_font_faces(ctx, url_for, reads),
        )
        result = renderer.render(RenderJob(str(project.root), html, html_path, f"translations/{language}/{domain}.po", pdf_forms=True))
        if result.refused or result.failed:
            raise PressError([Problem(f"translations/{language}/{domain}.po", 0, f"review copy not written: {w}") for w in result.refused + result.failed])
        out = f"{REVIEW_DIR}/{language}/{domain}.pdf"
        atomic_write(project.root / out, result.pdf)
        written.append(out)
    return written
