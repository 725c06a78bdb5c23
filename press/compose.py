"""Sources to HTML: Markdown body, citations, worksheets and figures into a Jinja2 template.

Nothing here imports WeasyPrint; the HTML this produces is exactly what the renderer gets.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import jinja2
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from . import markdown, worksheets
from .bibliography import STYLE_FILE, CslLocale, Formatter, catalog_locale, open_store, shipped_locale
from .context import Context
from .errors import Problem
from .project import STYLESHEETS, Project
from .sources import SAFE_SCHEMES, Handout
from .ui import UI_STRINGS

TEMPLATES_DIR = "styles/templates"
_URL_RE = re.compile(r"(https?://[^\s<]+[^\s<.,;)])")


class RecordingLoader(jinja2.FileSystemLoader):
    """Loads templates and remembers which file each name came from, with its hash."""

    def __init__(self, project: Project) -> None:
        super().__init__(str(project.root / TEMPLATES_DIR))
        self._project = project
        self.files: dict[str, tuple[str, str]] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        rel = self._project.relative(Path(filename))
        self.files[template] = (rel, hashlib.sha256(source.encode()).hexdigest())
        return source, filename, uptodate


class RecordingEnvironment(jinja2.Environment):
    """A Jinja2 environment that notes every template a render uses, cached or not.

    Templates are compiled once per process; ``extends`` and ``include`` still pass
    through ``_load_template``, so each render's dependencies are recorded as used.
    """

    def __init__(self, project: Project) -> None:
        self.recording_loader = RecordingLoader(project)
        super().__init__(
            loader=self.recording_loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=True,  # a long-lived process (watch mode) sees edited templates
        )
        self.used: set[str] = set()
        self.filters["css_string"] = css_string
        self.filters["page_counter"] = page_counter

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:
        self.used.add(name)
        return super()._load_template(name, globals)

    def render(self, name: str, reads: dict[str, str], **context: Any) -> str:
        self.used = set()
        html = self.get_template(name).render(**context)
        for used in sorted(self.used):
            rel, digest = self.recording_loader.files[used]
            reads[rel] = digest
        return html


def page_counter(pattern: str, style: str = "decimal") -> Any:
    """A CSS ``content`` value for "Page {page} of {pages}" in any word order and digits."""
    from markupsafe import Markup

    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", pattern):
        if piece == "{page}":
            parts.append(f"counter(page, {style})")
        elif piece == "{pages}":
            parts.append(f"counter(pages, {style})")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts) or '""')


def css_string(text: str) -> Any:
    """Quote text for a CSS ``content`` value inside a <style> element.

    The result is marked safe for Jinja: HTML escaping would corrupt CSS, so every
    character that could end the string or the style element is escaped the CSS way.
    """
    from markupsafe import Markup

    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return Markup('"' + out + '"')


@dataclass
class Composed:
    """The HTML of one document, everything read to make it, and problems found."""

    html: str
    reads: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fallbacks: int = 0  # source-language passages in a draft (--allow-incomplete) build
    stylesheets: tuple[tuple[str, str], ...] = ()  # (href in the HTML, project path)


class _BodyRenderer(RendererHTML):
    """markdown-it renderer with the handout dialect's extra tokens.

    RendererHTML uses each public method named after a token type as that token's rule.
    """

    def citation(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        formatter: Formatter = env["formatter"]
        if token.meta.get("entry"):
            key = token.meta["items"][0].key
            return f'<span class="ref-entry" dir="ltr">{_linkify(formatter.entry(key))}</span>'
        # A citation flows in the text's own direction: right to left, "(Zaccaro وآخرون،
        # 2018)" reads as Arabic writes it, and readers that rebuild reading order from
        # the page (screen readers, search, copy) get the words in their order. Isolated
        # left to right it put the Arabic term after the name on the page and in the text.
        return f'<span class="cite">{formatter.cite(token.meta["items"])}</span>'

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        sheet, _ = worksheets.parse(token.content, env["path"], 1)
        assert sheet is not None, "worksheet blocks are validated before rendering"
        return worksheets.to_html(sheet, env["resource_id"], env["labels"], env["translate"])

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        src = str(token.attrs.get("src", ""))
        alt = self.renderInlineAsText(token.children or [], options, env)
        if src.endswith(".svg"):
            art = env["figure"](src, alt)
        else:
            art = f'<img src="{escape(env["to_url"]("handouts/" + src))}" alt="{escape(alt)}">'
        return f'<figure class="figure">{art}<figcaption>{escape(alt)}</figcaption></figure>'

    def heading_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        text = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
        slug = markdown.slugify(token.meta.get("anchor_text", text))
        # Numbered like markdown.heading_slugs, which ``check`` validates links against.
        seen: dict[str, int] = env.setdefault("slugs", {})
        seen[slug] = seen.get(slug, 0) + 1
        if seen[slug] > 1:
            slug = f"{slug}-{seen[slug]}"
        return f'<{token.tag} id="{escape(env["resource_id"])}--{escape(slug)}">'

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        href = str(tokens[idx].attrs.get("href", ""))
        scheme = href.split(":", 1)[0].lower() if ":" in href else ""
        if href.startswith("#"):
            env.setdefault("links", []).append(True)
            return f'<a href="#{escape(env["resource_id"])}--{escape(href[1:])}">'
        if scheme in SAFE_SCHEMES:
            env.setdefault("links", []).append(True)
            return f'<a href="{escape(href)}" class="external">'
        env.setdefault("links", []).append(False)  # unsafe: keep the text, drop the link
        return ""

    def link_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</a>" if env.setdefault("links", [True]).pop() else ""

    @staticmethod
    def _lone_image(tokens: Sequence[Token], idx: int) -> bool:
        inline = tokens[idx]
        children = [c for c in inline.children or [] if not (c.type == "text" and not c.content.strip())]
        return inline.type == "inline" and len(children) == 1 and children[0].type == "image"

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if idx + 1 < len(tokens) and self._lone_image(tokens, idx + 1):
            return ""
        return self.renderToken(tokens, idx, options, env)

    def paragraph_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        if idx >= 1 and self._lone_image(tokens, idx - 1):
            return ""
        return self.renderToken(tokens, idx, options, env)


def _linkify(entry_html: str) -> str:
    return _URL_RE.sub(lambda m: f'<a href="{m.group(1)}" class="external">{m.group(1)}</a>', entry_html)


def _mark_reading_entries(tokens: list[Token]) -> None:
    """In reading lists, a list item that starts with one citation prints the full entry."""
    for i, token in enumerate(tokens):
        if token.type == "inline" and i >= 2 and tokens[i - 2].type == "list_item_open" and token.children:
            first = token.children[0]
            if first.type == "citation" and len(first.meta["items"]) == 1:
                first.meta["entry"] = True


def cited_keys(tokens: list[Token]) -> tuple[list[str], list[str]]:
    """Keys cited in text, and keys printed as full reading-list entries, in order."""
    in_text: list[str] = []
    entries: list[str] = []
    for token, _ in markdown.walk(tokens):
        if token.type == "citation":
            keys = [i.key for i in token.meta["items"]]
            (entries if token.meta.get("entry") else in_text).extend(keys)
    return in_text, entries


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


def compose(handout: Handout, ctx: Context, url_for: Callable[[str], str], pack_part: bool = False) -> Composed:
    """Render one handout in one language to the HTML given to WeasyPrint.

    ``url_for`` maps a project-relative path (``styles/print.css``) to the URL the HTML
    uses. Everything read on the way is recorded with its hash; problems with the
    language's catalogs (broken markup, dropped citations) are returned, located.
    """
    from babel.dates import format_date
    from babel.numbers import format_decimal

    from .catalogs import is_draft
    from .translate import Translation, break_words_in_tokens, check_catalog, localise, ui_strings, usable_messages

    reads: dict[str, str] = {}
    problems: list[Problem] = []
    project, lang = ctx.project, ctx.language
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
    fallbacks = localise(tokens, translation)
    if breaks:
        break_words_in_tokens(tokens, lang.tag)
    if handout.kind == "reading-list":
        _mark_reading_entries(tokens)
    in_text, entries = cited_keys(tokens)
    style_path = project.root / STYLE_FILE
    record_read(ctx, STYLE_FILE, reads)
    for key in dict.fromkeys(in_text + entries):
        reads[f"reference:{key}"] = hashlib.sha256(ctx.references.digest_of(key).encode()).hexdigest()
    formatter = Formatter(ctx.references, style_path, reference_locale(ctx, reads), in_text + entries, ctx.memo, open_store(project.root, ctx.memo))
    env: dict[str, Any] = {
        "formatter": formatter,
        "path": handout.path,
        "resource_id": handout.id,
        "labels": {"example": ui["example"]},
        "translate": text,
        "to_url": url_for,
        "figure": lambda src, alt: _figure(project, src, text, alt, reads),
    }
    body_html = _BodyRenderer().render(tokens, markdown.make_parser().options, env)
    # The reference list holds works cited in the text; a reading list's own entries
    # are printed in full where they stand.
    reference_list = [_linkify(e) for e in formatter.entries(in_text)] if in_text else []
    current = ctx.library.get(handout.superseded_by) if handout.superseded_by else None
    current_title = None
    if current is not None:
        current_title = current.title if lang.is_source else Translation(lang.tag, usable_messages(_catalog(ctx, current.id, reads)), ui).text(current.title)[0]
    if "jinja" not in ctx.memo:
        ctx.memo["jinja"] = RecordingEnvironment(project)
    jenv: RecordingEnvironment = ctx.memo["jinja"]
    stylesheets = tuple((url_for(sheet), sheet) for sheet in STYLESHEETS)
    for sheet in STYLESHEETS:
        record_read(ctx, sheet, reads)
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
        line_height=lang.line_height,
        **_field_font(ctx, url_for, reads),
        ui=ui,
        kind_label=ui[f"kind.{handout.kind}"],
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
        draft=catalog is not None and is_draft(catalog),
        incomplete=fallbacks > 0 or bool(translation.missing),
        pack_part=pack_part,
    )
    return Composed(html=html, reads=reads, problems=problems, fallbacks=len(translation.missing), stylesheets=stylesheets)


def _coverage(ctx: Context) -> Any:
    """One FontCoverage per process: fc-match answers are cached in it."""
    from .fonts import FontCoverage

    if "coverage" not in ctx.memo:
        ctx.memo["coverage"] = FontCoverage()
    return ctx.memo["coverage"]


def _field_font(ctx: Context, url_for: Callable[[str], str], reads: dict[str, str]) -> dict[str, str]:
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


def _figure(project: Project, src: str, translate: Callable[[str], str], alt: str, reads: dict[str, str]) -> str:
    from .figures import inline_figure

    path = project.handouts_dir / src
    markup, digest = inline_figure(path, translate, alt)
    reads[project.relative(path)] = digest
    return markup


def _font_list(families: tuple[str, ...], generic: str) -> Any:
    """A CSS font-family value; family names come from styles/fonts.yaml, quoted for CSS."""
    return _markup(", ".join(css_string(f) for f in families) + f", {generic}")


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)
