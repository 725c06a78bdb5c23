"""gettext catalogs: one template and one catalog per resource and language.

``extract`` writes translations/templates/<id>.pot (and ui.pot for interface strings),
rewriting a file only when its messages changed. ``update`` creates or merges
translations/<lang>/<id>.po with Babel's catalog update, which marks entries whose
source changed as fuzzy. ``status`` says, per resource and language, whether a catalog
is complete, stale (fuzzy entries), partial or missing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from .cache import atomic_write
from .languages import Language
from .project import Project
from .segments import segments
from .sources import Library
from .ui import UI_STRINGS

TEMPLATES = "translations/templates"
UI_DOMAIN = "ui"
PACKS_DOMAIN = "packs"
# Reference terms, only for languages CSL has no locale for (see bibliography.CSL_TERMS).
CSL_DOMAIN = "csl"
TRANSLATOR = "Handout Press draft translation <translations@handout-press.invalid>"
# The translator comment of a message only the professional version prints; status
# counts such messages for the professional version alone.
PROFESSIONAL_NOTE = "Professional version only: guidance for therapists, not printed in the client or large-print versions."
DRAFT_MARK = "DRAFT translation awaiting clinical review"
HEADER = (
    "Handout Press translations.\n"
    "One catalog per resource and language; the message context is the resource id.\n"
    "Keep Markdown markup, citations like [@key], link targets and {placeholders} as they are."
)


def template_path(project: Project, domain: str) -> Path:
    return project.root / TEMPLATES / f"{domain}.pot"


def catalog_path(project: Project, language: str, domain: str) -> Path:
    return project.root / "translations" / language / f"{domain}.po"


def build_template(project: Project, library: Library, domain: str) -> Catalog:
    """The messages of one resource (or of the interface, for ``ui``)."""
    catalog = Catalog(project="Handout Press", version="1", header_comment="# " + HEADER.replace("\n", "\n# "), fuzzy=False)
    catalog.creation_date = catalog.revision_date = _epoch()
    if domain == UI_DOMAIN:
        for key, text in UI_STRINGS.items():
            catalog.add(text, context=key, locations=[("press/ui.py", None)])  # type: ignore[list-item]
        settings = project.settings
        # The footer's copyright and licence lines are printed in the page's language too.
        catalog.add(settings.copyright, context="settings.copyright", locations=[("pipeline.yaml", None)])  # type: ignore[list-item]
        catalog.add(settings.licence, context="settings.licence", locations=[("pipeline.yaml", None)])  # type: ignore[list-item]
        return catalog
    if domain == CSL_DOMAIN:
        from .bibliography import CSL_TERMS

        for key, (_, _, single, plural) in CSL_TERMS.items():
            catalog.add(single, context=key, locations=[("press/bibliography.py", None)])  # type: ignore[list-item]
            if plural:
                catalog.add(plural, context=key + ".plural", locations=[("press/bibliography.py", None)])  # type: ignore[list-item]
        return catalog
    if domain == PACKS_DOMAIN:
        from .packs import load_packs

        packs, _ = load_packs(project, library)
        for pack in packs:
            catalog.add(pack.title, context=pack.id, locations=[("handouts/packs.yaml", pack.line)])
            catalog.add(pack.summary, context=pack.id, locations=[("handouts/packs.yaml", pack.line)])
        return catalog
    handout = library.get(domain)
    client: set[str] = set()  # messages the client version prints too
    for segment in segments(handout, project):
        existing = catalog.get(segment.msgid, context=domain)
        location = (segment.path, segment.line)
        if existing is None:
            catalog.add(segment.msgid, context=domain, locations=[location])
        elif location not in existing.locations:
            existing.locations.append(location)
        if not segment.professional:
            client.add(segment.msgid)
    for message in catalog:
        if message.id and message.id not in client:
            message.auto_comments = [PROFESSIONAL_NOTE]
    return catalog


def _epoch() -> dt.datetime:
    """Fixed header dates, so a catalog's bytes depend only on its messages."""
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# Babel wraps every comment at 76 columns, "#| msgid" lines included, and a previous
# msgid wrapped mid-string is a syntax error for msgfmt and Babel alike. Its wrapper
# breaks only at ASCII whitespace, so the spaces of previous msgids are held as this
# private-use character while writing (English sources never contain it); the one break
# left, after the keyword, is joined back.
_UNBROKEN_SPACE = "\ue000"
_KEYWORD_BREAKS = ((b'#| msgid\n#| "', b'#| msgid "'), (b'#| msgid_plural\n#| "', b'#| msgid_plural "'))


def render_po(catalog: Catalog) -> bytes:
    held: list[tuple[Message, list[str]]] = []
    for message in catalog:
        # Babel flags any msgid with a "%" followed by a letter ("70% reported") as a
        # Python format string; none of ours is one, and the flag makes msgfmt --check
        # and translators' editors reject a translation that moves or spaces the sign.
        message.flags.discard("python-format")
        if message.previous_id:
            held.append((message, list(message.previous_id)))
            message.previous_id = [part.replace(" ", _UNBROKEN_SPACE) for part in message.previous_id]
    buffer = io.BytesIO()
    try:
        write_po(buffer, catalog, width=0, include_previous=True, sort_output=False)
    finally:
        for message, previous in held:
            message.previous_id = previous
    text = buffer.getvalue().replace(_UNBROKEN_SPACE.encode(catalog.charset), b" ")
    for broken, joined in _KEYWORD_BREAKS:
        text = text.replace(broken, joined)
    return text


def _messages(catalog: Catalog) -> list[tuple[object, ...]]:
    # Locations compare as a set: write_po may order them differently from the template.
    return [(m.id, m.context, m.string or "", tuple(sorted(m.locations, key=str)), tuple(sorted(m.flags))) for m in catalog if m.id]


def write_if_changed(path: Path, catalog: Catalog) -> bool:
    """Write a catalog unless the file already holds the same messages (dates aside)."""
    if path.is_file():
        with path.open("rb") as handle:
            old = read_po(handle, abort_invalid=False)
        if _messages(old) == _messages(catalog) and old.header_comment == catalog.header_comment and old.version == catalog.version:
            return False
    atomic_write(path, render_po(catalog))
    return True


def domains(library: Library, needs_csl_terms: bool = False) -> list[str]:
    """The catalogs of a language; ``needs_csl_terms`` for one CSL has no locale for
    (``extract`` writes every template, so it passes True)."""
    return [*library.ids, UI_DOMAIN, PACKS_DOMAIN, *([CSL_DOMAIN] if needs_csl_terms else [])]


def needs_csl_terms(language: Language) -> bool:
    from .bibliography import shipped_locale

    return not language.is_source and shipped_locale(language.tag, language.script) is None


def extract(project: Project, library: Library) -> list[str]:
    """Write every template whose messages changed; return the paths written."""
    written = []
    for domain in domains(library, needs_csl_terms=True):
        path = template_path(project, domain)
        if write_if_changed(path, build_template(project, library, domain)):
            written.append(project.relative(path))
    return written


def update(project: Project, library: Library, languages: list[str], only: tuple[str, ...] = (), create: bool = True) -> list[str]:
    """Merge each language's catalogs with the templates; ``create`` also starts the
    catalogs a language does not have yet."""
    from .languages import load_registry

    registry = load_registry(project)
    written = []
    for language in languages:
        for domain in domains(library, needs_csl_terms(registry.get(language))):
            if only and domain not in only:
                continue
            template = build_template(project, library, domain)
            path = catalog_path(project, language, domain)
            if not path.is_file() and not create:
                continue
            if path.is_file():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=language.replace("-", "_"), abort_invalid=False)
                catalog.update(template, update_header_comment=False, update_creation_date=False)
                catalog.obsolete.clear()  # gettext keeps them; a removed paragraph needs no translation
                _fill_default_headers(catalog, language)
            else:
                catalog = Catalog(
                    locale=language.replace("-", "_"),
                    project="Handout Press", version="1",
                    header_comment="# " + DRAFT_MARK + ".\n# " + HEADER.replace("\n", "\n# "),
                    fuzzy=False,
                    last_translator=TRANSLATOR,
                    language_team=f"Handout Press {language} <translations@handout-press.invalid>",
                    msgid_bugs_address="translations@handout-press.invalid",
                )
                catalog.creation_date = catalog.revision_date = _epoch()
                for message in template:
                    if message.id:
                        catalog.add(message.id, "", context=message.context, locations=message.locations)
            catalog.revision_date = _epoch()
            if write_if_changed(path, catalog):
                written.append(project.relative(path))
    return written


def _fill_default_headers(catalog: Catalog, language: str) -> None:
    """Replace gettext's placeholder headers, which ``msgfmt --check`` warns about."""
    if not catalog.last_translator or catalog.last_translator.startswith("FULL NAME"):
        catalog.last_translator = TRANSLATOR
    if not catalog.language_team or "<LL@li.org>" in catalog.language_team:
        catalog.language_team = f"Handout Press {language} <translations@handout-press.invalid>"
    if catalog.msgid_bugs_address in ("", "EMAIL@ADDRESS"):
        catalog.msgid_bugs_address = "translations@handout-press.invalid"


def load_catalog(project: Project, language: str, domain: str) -> Catalog | None:
    path = catalog_path(project, language, domain)
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language.replace("-", "_"), abort_invalid=False)


@dataclass(frozen=True)
class Status:
    """How complete one catalog is: for the professional version (every message), and for
    the client and large-print versions (without professional-only messages; the same
    numbers for a resource without professional passages)."""

    language: str
    resource: str
    state: str  # complete, stale, partial, missing
    total: int
    translated: int
    fuzzy: int
    untranslated: int
    client_state: str = ""
    client_total: int = 0
    client_translated: int = 0
    client_fuzzy: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0

    @property
    def has_professional(self) -> bool:
        return self.client_total != self.total

    def state_for(self, professional: bool) -> str:
        return self.state if professional else self.client_state


def _state(total: int, translated: int, fuzzy: int) -> str:
    if translated == total:
        return "complete"
    return "stale" if fuzzy else "partial"


def status_of(project: Project, library: Library, language: str, domain: str, templates: dict[str, Catalog] | None = None) -> Status:
    """``templates`` memoises each resource's template across languages within one run."""
    if templates is None:
        templates = {}
    if domain not in templates:
        templates[domain] = build_template(project, library, domain)
    template = templates[domain]
    wanted = {(m.id, m.context) for m in template if m.id}
    client = {(m.id, m.context) for m in template if m.id and PROFESSIONAL_NOTE not in m.auto_comments}
    catalog = load_catalog(project, language, domain)
    if catalog is None:
        return Status(language, domain, "missing", len(wanted), 0, 0, len(wanted), "missing", len(client))
    translated = fuzzy = client_translated = client_fuzzy = 0
    for msgid, context in wanted:
        message = catalog.get(msgid, context=context)
        if message is None or not message.string:
            continue
        done = not message.fuzzy
        translated, fuzzy = translated + done, fuzzy + (not done)
        if (msgid, context) in client:
            client_translated, client_fuzzy = client_translated + done, client_fuzzy + (not done)
    untranslated = len(wanted) - translated - fuzzy
    return Status(
        language, domain, _state(len(wanted), translated, fuzzy), len(wanted), translated, fuzzy, untranslated,
        _state(len(client), client_translated, client_fuzzy), len(client), client_translated, client_fuzzy,
    )


def status_json(statuses: list[Status]) -> str:
    return json.dumps([asdict(s) | {"percent": round(s.percent, 1)} for s in statuses], indent=1, ensure_ascii=False)
