"""A pack's own pages, composed as HTML: cover, contents, a numbered blank page under every
resource page, and the bibliography appendix. Kept apart from packs.py so that planning a
build (which reads packs.yaml) does not import the composing machinery."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .bibliography import STYLE_FILE, Formatter
from .body import linkify
from .compose import _markup, font_stacks, record_read, reference_locale
from .context import Context
from .packs import SKELETON_STYLESHEETS, Pack
from .refstore import open_store
from .sources import Handout
from .templates import RecordingEnvironment
from .ui import UI_STRINGS
from .variants import CLIENT, Variant


@dataclass(frozen=True)
class PartInfo:
    """A resource inside a pack: its printed title and kind, and its page span."""

    handout: Handout
    title: str
    kind_label: str
    pages: int


def _environment(ctx: Context) -> RecordingEnvironment:
    if "jinja" not in ctx.memo:
        ctx.memo["jinja"] = RecordingEnvironment(ctx.project)
    env: RecordingEnvironment = ctx.memo["jinja"]
    return env


def _common(ctx: Context, pack: Pack, texts: Callable[[str], str], ui: dict[str, str], reads: dict[str, str], variant: Variant) -> dict[str, Any]:
    from .project import LARGE_PRINT_STYLESHEET

    lang = ctx.language
    sheets = [*SKELETON_STYLESHEETS, *([("../../../" + LARGE_PRINT_STYLESHEET, LARGE_PRINT_STYLESHEET)] if variant.large_print else [])]
    for _, sheet in sheets:
        record_read(ctx, sheet, reads)
    return {
        "lang": lang.tag,
        "direction": lang.direction,
        **font_stacks(ctx, lambda rel: "../../../" + rel, reads),
        "paper": ctx.paper,
        "ui": ui,
        "settings": ctx.project.settings,
        "pack": pack,
        "pack_title": texts(pack.title),
        "pack_summary": texts(pack.summary),
        "stylesheets": [href for href, _ in sheets],
        "counter_style": lang.counter_style,
        "variant": variant.name,
        "variant_label": {"professional": ui["professional_version"], "large-print": ui["large_print"]}.get(variant.name, ""),
    }


def appendix_keys(handouts: list[Handout], variant: Variant = CLIENT) -> list[str]:
    """Every work cited anywhere in the pack (in text or as a reading-list entry), in
    the passages the pack's variant prints; the same list press/citescope.py gives each
    part's year letters from."""
    from .citescope import handout_keys

    keys = [k for handout in handouts for k in handout_keys(handout, variant.professional and bool(handout.passages))]
    return list(dict.fromkeys(keys))


def compose_skeleton(
    ctx: Context, pack: Pack, parts: list[PartInfo], handouts: list[Handout], texts: Callable[[str], str], ui: dict[str, str], date: str, variant: Variant = CLIENT
) -> tuple[str, dict[str, str]]:
    """The pack's own pages: cover, contents, a numbered blank page under every resource
    page, and the bibliography appendix (every work cited anywhere in the pack,
    deduplicated, in APA order and in the pack's language)."""
    reads: dict[str, str] = {}
    keys = appendix_keys(handouts, variant)
    style_path = ctx.project.root / STYLE_FILE
    record_read(ctx, STYLE_FILE, reads)
    for key in keys:
        reads[f"reference:{key}"] = hashlib.sha256(ctx.references.digest_of(key).encode()).hexdigest()
    formatter = Formatter(ctx.references, style_path, reference_locale(ctx, reads), keys, ctx.memo, open_store(ctx.project.root, ctx.memo))
    entries = [_markup(linkify(e)) for e in formatter.entries()]
    html = _environment(ctx).render(
        "pack/skeleton.html", reads, parts=parts, entries=entries, language_name=ctx.language.native_name,
        date=date, **_common(ctx, pack, texts, ui, reads, variant),
    )
    return html, reads


def ui_for(ctx: Context, reads: dict[str, str]) -> dict[str, str]:
    from .compose import _catalog
    from .translate import ui_strings

    return ui_strings(None if ctx.language.is_source else _catalog(ctx, "ui", reads), UI_STRINGS)
