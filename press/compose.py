"""Sources to HTML: a handout's translated body, citations, fonts and figures put into its
Jinja2 template (the body's Markdown rendering is press/body.py, the templates
press/templates.py).

Nothing here imports WeasyPrint; the HTML this produces is exactly what the renderer gets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import markdown
from .bibliography import STYLE_FILE, CslLocale, Formatter, catalog_locale, shipped_locale
from .body import BodyRenderer, cited_keys, linkify, mark_reading_entries, without_passages
from .context import Context
from .errors import PressError, Problem
from .project import LARGE_PRINT_STYLESHEET, STYLESHEETS, Project
from .refstore import open_store
from .reviews import NO_REVIEW, Approval, Passage, Review, load_reviews, passages, review_of, reviews_path
from .sources import Handout
from .templates import RecordingEnvironment, css_string
from .ui import UI_STRINGS
from .variants import CLIENT, Variant


@dataclass
class Composed:
    """The HTML of one document, everything read to make it, and problems found."""

    html: str
    reads: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fallbacks: int = 0  # source-language passages in a draft (--allow-incomplete) build
    stylesheets: tuple[tuple[str, str], ...] = ()  # (href in the HTML, project path)


def _catalog(ctx: Context, domain: str, reads: dict[str, str]) -> Any:
    """Load one catalog of the context's language and record that it was read."""
    from .catalogs import catalog_path, load_catalog

    path = catalog_path(ctx.project, ctx.language.tag, domain)
    if not path.is_file():
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    reads[ctx.project.relative(path)] = digest
    # The ui and csl catalogs serve every document of a language: parsed once per process.
    key = ("catalog", ctx.language.tag, domain, digest)
    if key not in ctx.memo:
        ctx.memo[key] = load_catalog(ctx.project, ctx.language.tag, domain)
    return ctx.memo[key]


def record_read(ctx: Context, rel: str, reads: dict[str, str]) -> None:
    """Record that a document used a project file; each file is hashed once per build
    and process, not once per document."""
    from .cache import file_digest

    key = ("sha256", rel)
    if key not in ctx.memo:
        digest = file_digest(ctx.project.root, rel)
        if digest is None:
            raise FileNotFoundError(f"{rel} is missing")
        ctx.memo[key] = digest
    reads[rel] = ctx.memo[key]


def reference_locale(ctx: Context, reads: dict[str, str]) -> CslLocale:
    """The CSL locale of the context's language; where CSL ships none, one made from the
    language's csl catalog (translations/<lang>/csl.po) and CLDR month names."""
    from .catalogs import CSL_DOMAIN

    lang = ctx.language
    name = shipped_locale(lang.tag, lang.script)
    if name is not None:
        return CslLocale(name)
    catalog = _catalog(ctx, CSL_DOMAIN, reads)
    terms = {} if catalog is None else {str(m.context): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    return catalog_locale(lang.tag, lang.babel_tag, terms)


@dataclass
class Prepared:
    """A handout's body parsed and translated once, shared by every variant composed
    from it (the client and large-print versions, the professional one, pack parts)."""

    tokens: list[Any]  # markdown-it tokens, localised
    translation: Any  # translate.Translation
    ui: dict[str, str]
    text: Callable[[str], str]
    catalog: Any
    reads: dict[str, str]
    problems: list[Problem]
    approval: Approval | None = None  # the catalog's clinical review, if any
    entries: tuple[Passage, ...] = ()  # the catalog's passages, for its review state per variant


def prepare(handout: Handout, ctx: Context) -> Prepared:
    """Read the language's catalogs (checking them), parse the body and translate it."""
    from .translate import Translation, break_words_in_tokens, check_catalog, localise, ui_strings, usable_messages

    reads: dict[str, str] = {}
    problems: list[Problem] = []
    lang = ctx.language
    catalog = ui_catalog = None
    if not lang.is_source:
        catalog = _catalog(ctx, handout.id, reads)
        ui_catalog = _catalog(ctx, "ui", reads)
        for domain, found in ((handout.id, catalog), ("ui", ui_catalog)):
            if found is not None:
                rel = f"translations/{lang.tag}/{domain}.po"
                problems += check_catalog(found, rel, ui=domain == "ui")
    ui = ui_strings(ui_catalog, UI_STRINGS)
    translation = Translation(lang.tag, usable_messages(catalog), ui, ctx.allow_incomplete)
    breaks = lang.needs_word_breaks

    def text(source: str) -> str:
        out = translation(source)
        if breaks:
            from .translate import insert_word_breaks

            out = insert_word_breaks(out, lang.tag)
        return out

    tokens = markdown.make_parser().parse(handout.body)
    localise(tokens, translation)
    if breaks:
        break_words_in_tokens(tokens, lang.tag)
    if handout.kind == "reading-list":
        mark_reading_entries(tokens)
    approval: Approval | None = None
    entries: tuple[Passage, ...] = ()
    if not lang.is_source:
        try:
            approval = _approvals(ctx).get(handout.id)
        except PressError as err:
            problems += err.problems
        reads[f"review:{lang.tag}/{handout.id}"] = approval.digest if approval is not None else NO_REVIEW
        entries = tuple(passages(catalog)) if catalog is not None else ()
    return Prepared(tokens, translation, ui, text, catalog, reads, problems, approval, entries)


def _approvals(ctx: Context) -> dict[str, Approval]:
    """The language's reviews.yaml, parsed once per process and file version."""
    path = reviews_path(ctx.project, ctx.language.tag)
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    key = ("reviews", ctx.language.tag, stamp)
    if key not in ctx.memo:
        ctx.memo[key] = load_reviews(ctx.project, ctx.language.tag)
    found: dict[str, Approval] = ctx.memo[key]
    return found


def compose(
    handout: Handout, ctx: Context, url_for: Callable[[str], str], pack_part: bool = False, variant: Variant = CLIENT, prepared: Prepared | None = None, scope: tuple[str, ...] = ()
) -> Composed:
    """Render one handout in one language and variant to the HTML given to WeasyPrint.

    ``url_for`` maps a project-relative path (``styles/print.css``) to the URL the HTML
    uses. Everything read on the way is recorded with its hash; problems with the
    language's catalogs (broken markup, dropped citations) are returned, located.
    ``prepared``: the body already parsed and translated for another variant.
    ``scope``: for a pack part, the works of the pack's appendix, whose list decides the
    year letters the part cites with.
    """
    from babel.dates import format_date
    from babel.numbers import format_decimal

    from .translate import Translation, usable_messages

    prep = prepared or prepare(handout, ctx)
    project, lang = ctx.project, ctx.language
    reads = dict(prep.reads)
    translation, ui, text = prep.translation, prep.ui, prep.text
    tokens = prep.tokens if variant.professional else without_passages(prep.tokens)
    missing_before = len(translation.missing)  # what this variant prints in English
    # A translation's review as this variant prints it: the client and large-print
    # versions need only the passages they print approved.
    review = review_of(prep.approval, list(prep.entries), variant.professional) if prep.catalog is not None else None
    fallbacks = sum(1 for t in tokens if t.meta.get("fallback"))
    in_text, entries = cited_keys(tokens)
    style_path = project.root / STYLE_FILE
    record_read(ctx, STYLE_FILE, reads)
    for key in dict.fromkeys(in_text + entries + list(scope)):
        reads[f"reference:{key}"] = hashlib.sha256(ctx.references.digest_of(key).encode()).hexdigest()
    formatter = Formatter(ctx.references, style_path, reference_locale(ctx, reads), in_text + entries, ctx.memo, open_store(project.root, ctx.memo), scope)
    env: dict[str, Any] = {
        "formatter": formatter,
        "path": handout.path,
        "resource_id": handout.id,
        "labels": {"example": ui["example"], "professional": ui["for_professionals"]},
        "translate": text,
        "large_print": variant.large_print,
        "to_url": url_for,
        "figure": lambda src, alt: _figure(project, src, text, alt, reads, variant.large_print),
    }
    body_html = BodyRenderer().render(tokens, markdown.make_parser().options, env)
    # The reference list holds works cited in the text; a reading list's own entries
    # are printed in full where they stand.
    reference_list = [linkify(e) for e in formatter.entries(in_text)] if in_text else []
    current = ctx.library.get(handout.superseded_by) if handout.superseded_by else None
    current_title = None
    if current is not None:
        current_title = current.title if lang.is_source else Translation(lang.tag, usable_messages(_catalog(ctx, current.id, reads)), ui).text(current.title)[0]
    if "jinja" not in ctx.memo:
        ctx.memo["jinja"] = RecordingEnvironment(project)
    jenv: RecordingEnvironment = ctx.memo["jinja"]
    sheets = (*STYLESHEETS, LARGE_PRINT_STYLESHEET) if variant.large_print else STYLESHEETS
    stylesheets = tuple((url_for(sheet), sheet) for sheet in sheets)
    for sheet in sheets:
        record_read(ctx, sheet, reads)
    # Large print keeps a script's own, taller line height, and at least 1.6 otherwise.
    line_height = max(lang.line_height or 0, 1.6) if variant.large_print else lang.line_height
    html = jenv.render(
        f"kinds/{handout.kind}.html",
        reads,
        h=handout,
        title=text(handout.title),
        summary=text(handout.summary),
        lang=lang.tag,
        direction=lang.direction,
        **font_stacks(ctx, url_for, reads),
        italic=lang.script in ("Latn", "Cyrl", "Grek"),
        line_height=line_height,
        **field_font_faces(ctx, url_for, reads),
        ui=ui,
        kind_label=ui[f"kind.{handout.kind}"],
        variant=variant.name,
        variant_label={"professional": ui["professional_version"], "large-print": ui["large_print"]}.get(variant.name, ""),
        body=_markup(body_html),
        references=[_markup(e) for e in reference_list],
        edition=format_decimal(handout.edition, locale=lang.babel_tag),
        counter_style=lang.counter_style,
        published=format_date(handout.published, "long", locale=lang.babel_tag),
        review_due=format_date(handout.review_due, "long", locale=lang.babel_tag),
        created=handout.published.isoformat(),
        current=current,
        current_title=current_title,
        settings=project.settings,
        paper=ctx.paper,
        stylesheets=[href for href, _ in stylesheets],
        fillable=any(t.type == "fence" and t.info.strip() == "worksheet" for t in tokens),
        # A translation prints the draft notice until a clinician has approved every
        # passage as it now reads (press/reviews.py); then its last line names the review.
        draft=review is not None and review.state != "approved",
        reviewed=_reviewed_line(review, ui, lang.babel_tag),
        incomplete=fallbacks > 0 or len(translation.missing) > missing_before,
        pack_part=pack_part,
    )
    return Composed(html=html, reads=reads, problems=list(prep.problems), fallbacks=len(translation.missing) - missing_before, stylesheets=stylesheets)


def _reviewed_line(review: Review | None, ui: dict[str, str], babel_tag: str) -> str:
    """"Translated from the English edition N; clinically reviewed on DATE by NAME", in the
    page's language, for an approved, current translation; else nothing."""
    if review is None or review.state != "approved" or review.approval is None:
        return ""
    from babel.dates import format_date
    from babel.numbers import format_decimal

    approval = review.approval
    edition = format_decimal(approval.english_edition, locale=babel_tag) if approval.english_edition is not None else "?"
    return ui["reviewed_line"].format(edition=edition, date=format_date(approval.date, "long", locale=babel_tag), reviewer=approval.reviewer)


def _coverage(ctx: Context) -> Any:
    """One FontCoverage per process: fc-match answers are cached in it."""
    from .fonts import FontCoverage

    if "coverage" not in ctx.memo:
        ctx.memo["coverage"] = FontCoverage()
    return ctx.memo["coverage"]


def field_font_faces(ctx: Context, url_for: Callable[[str], str], reads: dict[str, str]) -> dict[str, str]:
    """The URL and family of the language's form-field font, made once per context and
    recorded as a read of the document."""
    from .fonts import field_font

    key = ("field font", ctx.language.script, ctx.language.body_fonts[0])
    if key not in ctx.memo:
        ctx.memo[key] = field_font(ctx.project.root, ctx.language.script, ctx.language.body_fonts[0], _coverage(ctx))
    rel, family = ctx.memo[key]
    record_read(ctx, rel, reads)
    return {"field_font_url": url_for(rel), "field_font_family": family}


def font_stacks(ctx: Context, url_for: Callable[[str], str], reads: dict[str, str]) -> dict[str, Any]:
    """The language's body and heading stacks for CSS, and the @font-face rules of a body
    face cut down to the script's character set (styles/fonts.yaml `subset`): the cut face
    comes first, the installed face after it for any character the cut left out."""
    lang = ctx.language
    reads[f"language:{lang.tag}"] = lang.digest
    body, headings = lang.body_fonts, lang.heading_fonts
    faces: tuple[Any, ...] = ()
    if lang.subset:
        from .fonts import body_subsets

        key = ("subset", body[0], lang.subset)
        if key not in ctx.memo:
            ctx.memo[key] = body_subsets(ctx.project.root, body[0], lang.subset, _coverage(ctx))
        faces = ctx.memo[key]
        for face in faces:
            record_read(ctx, face.rel, reads)
        family = faces[0].family
        headings = (family, *headings) if headings[:1] == body[:1] else headings
        body = (family, *body)
    return {
        "body_fonts": _font_list(body, "sans-serif"),
        "heading_fonts": _font_list(headings, "serif"),
        "font_faces": [{"family": f.family, "url": url_for(f.rel), "weight": f.weight} for f in faces],
    }


def _figure(project: Project, src: str, translate: Callable[[str], str], alt: str, reads: dict[str, str], large: bool) -> str:
    from .figures import inline_figure

    path = project.handouts_dir / src
    markup, digest = inline_figure(path, translate, alt, large)
    reads[project.relative(path)] = digest
    return markup


def _font_list(families: tuple[str, ...], generic: str) -> Any:
    """A CSS font-family value; family names come from styles/fonts.yaml, quoted for CSS."""
    return _markup(", ".join(css_string(f) for f in families) + f", {generic}")


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)
