"""Clinical sign-off of translations, kept in the repository.

``translations/<lang>/reviews.yaml`` holds, per catalog (a resource id, ``packs`` or
``ui``), who approved it, when, the English edition it was translated from, a note, and a
fingerprint of every approved passage: a hash of its English (message context and id) and
a hash of the English with its translation. A later change to either sends that passage,
and only that one, back for review. ``pipeline.py i18n approve`` writes the file; nothing
else does. A catalog with no approval is a draft; one whose passages all still match is
approved; otherwise it needs re-review, passage by passage.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .catalogs import PROFESSIONAL_NOTE
from .errors import PressError, Problem
from .project import Project

REVIEWS_FILE = "reviews.yaml"
_PRINT_RE = re.compile(r"^[0-9a-f]{12}$")
_KEYS = ("reviewer", "date", "english_edition", "note", "passages")


def reviews_path(project: Project, language: str) -> Path:
    return project.root / "translations" / language / REVIEWS_FILE


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def english_print(context: str | None, msgid: str) -> str:
    return _hash(f"{context or ''}\x04{msgid}")


def pair_print(context: str | None, msgid: str, msgstr: str) -> str:
    return _hash(f"{context or ''}\x04{msgid}\x00{msgstr}")


@dataclass(frozen=True)
class Approval:
    """One catalog's sign-off: English fingerprint -> English-and-translation fingerprint."""

    domain: str
    reviewer: str
    date: dt.date
    english_edition: int | None
    note: str
    passages: dict[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """Recorded by the documents that print this review (``review:<lang>/<domain>``)."""
        return _hash(repr((self.reviewer, self.date, self.english_edition, self.note, sorted(self.passages.items()))))


NO_REVIEW = "none"  # the recorded digest of a catalog nobody has approved


@dataclass(frozen=True)
class Passage:
    """A catalog entry as a reviewer sees it: its number (template order), where it
    stands in the .po file, and its text."""

    number: int
    line: int
    context: str | None
    msgid: str
    msgstr: str
    fuzzy: bool
    professional: bool = False  # printed in the professional version only

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and not self.fuzzy


@dataclass(frozen=True)
class Review:
    """The review state of one catalog: approved, needs re-review (``stale`` passages), or draft."""

    state: str
    approval: Approval | None
    stale: tuple[Passage, ...] = ()


def passages(catalog: Any, order: list[tuple[str, str | None]] | None = None) -> list[Passage]:
    """The entries to review, numbered: in ``order`` (the template's (msgid, context)
    pairs) when given, else in the catalog's own order."""
    if order is None:
        order = [(str(m.id), m.context) for m in catalog if m.id and not isinstance(m.id, tuple)]
    found = []
    for number, (msgid, context) in enumerate(order, 1):
        message = catalog.get(msgid, context=context) if catalog is not None else None
        text = str(message.string) if message is not None and isinstance(message.string, str) else ""
        line = int(message.lineno) if message is not None and message.lineno else 0
        # The note as read back from a .po file is wrapped over several comment lines.
        professional = message is not None and PROFESSIONAL_NOTE in " ".join(message.auto_comments)
        found.append(Passage(number, line, context, msgid, text, bool(message is not None and message.fuzzy), professional))
    return found


def template_order(project: Project, library: Any, domain: str, templates: dict[str, Any] | None = None) -> list[tuple[str, str | None]]:
    """The (msgid, context) of every message of a catalog's template, in order: what passage
    numbers count (``templates`` memoises the templates across languages in one run)."""
    from .catalogs import build_template

    templates = {} if templates is None else templates
    if domain not in templates:
        templates[domain] = build_template(project, library, domain)
    return [(str(m.id), m.context) for m in templates[domain] if m.id]


def review_of(approval: Approval | None, entries: list[Passage], professional: bool = True) -> Review:
    """The review state for the professional version (every passage), or for the client
    and large-print versions (``professional=False``: without the professional passages,
    which those versions do not print)."""
    if approval is None:
        return Review("draft", None)
    wanted = entries if professional else [p for p in entries if not p.professional]
    stale = tuple(p for p in wanted if not p.translated or approval.passages.get(english_print(p.context, p.msgid)) != pair_print(p.context, p.msgid, p.msgstr))
    return Review("needs re-review" if stale else "approved", approval, stale)


def load_reviews(project: Project, language: str) -> dict[str, Approval]:
    """Every approval of one language; a malformed file is a located error."""
    path = reviews_path(project, language)
    if not path.is_file():
        return {}
    rel = project.relative(path)
    located, problems = yamlio.load(path.read_text(encoding="utf-8"), rel)
    if problems:
        raise PressError(problems)
    assert located is not None
    data = located.value or {}
    if not isinstance(data, dict):
        raise PressError([Problem(rel, 1, "must map each catalog (resource id, packs or ui) to its review")])
    found: dict[str, Approval] = {}
    for domain, entry in data.items():
        line = located.key_lines.get(str(domain), 1)
        found[str(domain)] = _approval(str(domain), entry, rel, line)
    return found


def _approval(domain: str, entry: Any, rel: str, line: int) -> Approval:
    def bad(what: str) -> PressError:
        return PressError([Problem(rel, line, f"review of '{domain}': {what}; write it again with `pipeline.py i18n approve`")])

    if not isinstance(entry, dict) or set(entry) - set(_KEYS) or not {"reviewer", "date", "passages"} <= set(entry):
        raise bad(f"needs reviewer, date and passages (and optional english_edition, note), nothing else; found {sorted(entry) if isinstance(entry, dict) else type(entry).__name__}")
    try:
        date = dt.date.fromisoformat(str(entry["date"]))
    except ValueError:
        raise bad(f"date '{entry['date']}' is not a date (YYYY-MM-DD)") from None
    prints = entry["passages"] or {}
    if not isinstance(prints, dict) or not all(_PRINT_RE.match(str(k)) and _PRINT_RE.match(str(v)) for k, v in prints.items()):
        raise bad("passages must map 12-digit fingerprints to 12-digit fingerprints")
    edition = entry.get("english_edition")
    if edition is not None and not isinstance(edition, int):
        raise bad("english_edition must be a whole number")
    reviewer = str(entry["reviewer"]).strip()
    if not reviewer:
        raise bad("the reviewer's name is empty")
    return Approval(domain, reviewer, date, edition, str(entry.get("note") or ""), {str(k): str(v) for k, v in prints.items()})


def render_reviews(language: str, name: str, approvals: dict[str, Approval], numbers: dict[str, dict[str, int]]) -> str:
    """The file's text: sorted by catalog, passages in their order, readable in a diff
    (``numbers``: per catalog, the passage number of each English fingerprint)."""
    import yaml

    def scalar(value: object) -> str:
        return str(yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)).removesuffix("\n...\n").strip()

    out = [
        f"# Clinical reviews of the {name} ({language}) translations, written by `pipeline.py i18n approve`.",
        "# Per passage: a fingerprint of its English, then of its English and translation; a later",
        "# change to either sends that passage back for review.",
    ]
    for domain in sorted(approvals):
        a = approvals[domain]
        out.append(f"{domain}:")
        out.append(f"  reviewer: {scalar(a.reviewer)}")
        out.append(f"  date: {a.date.isoformat()}")
        if a.english_edition is not None:
            out.append(f"  english_edition: {a.english_edition}")
        if a.note:
            out.append(f"  note: {scalar(a.note)}")
        out.append("  passages:")
        order = numbers.get(domain, {})
        for english, pair in sorted(a.passages.items(), key=lambda item: (order.get(item[0], 1 << 30), item[0])):
            number = order.get(english)
            # Quoted: twelve hex digits can be all digits, which YAML would read as a number.
            out.append(f'    "{english}": "{pair}"' + (f"  # {number}" if number else ""))
    return "\n".join(out) + "\n"


def review_digests(project: Project, languages: list[str], domains: list[str]) -> dict[str, str]:
    """``review:<lang>/<domain>`` for every language and catalog: what a document that
    printed that catalog's review state recorded (a malformed file counts as no review
    here; ``check`` and the build report it, located)."""
    found: dict[str, str] = {}
    for tag in languages:
        try:
            approvals = load_reviews(project, tag) if reviews_path(project, tag).is_file() else {}
        except PressError:
            approvals = {}
        for domain in domains:
            approval = approvals.get(domain)
            found[f"review:{tag}/{domain}"] = approval.digest if approval is not None else NO_REVIEW
    return found
