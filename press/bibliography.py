"""References: load CSL data, resolve ``[@key]`` citations, format them in APA 7 with CSL.

Formatting is done by citeproc-py with the APA 7 CSL style in ``styles/csl/apa.csl``.
citeproc-py does not disambiguate, so APA's year suffixes (2009a, 2009b) are computed
here from the works actually listed and handed to CSL as the ``year-suffix`` variable,
which the style itself prints.
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlio
from .errors import Problem
from .markdown import CiteItem
from .project import Project

STYLE_FILE = "styles/csl/apa.csl"
CSL_TYPES = {
    "article", "article-journal", "article-magazine", "article-newspaper", "book", "chapter",
    "dataset", "entry-encyclopedia", "motion_picture", "paper-conference", "report",
    "speech", "thesis", "webpage", "broadcast", "post", "post-weblog", "song",
}
# CSL locale files shipped with citeproc-py, by language subtag.
CSL_LOCALES = {
    "en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE", "ar": "ar", "zh-Hans": "zh-CN",
    "zh-Hant": "zh-TW", "uk": "uk-UA", "hi": "hi-IN", "ru": "ru-RU", "pt": "pt-PT", "it": "it-IT",
    "pl": "pl-PL", "tr": "tr-TR", "fa": "fa-IR", "he": "he-IL", "ja": "ja-JP", "ko": "ko-KR",
    "vi": "vi-VN", "th": "th-TH", "nl": "nl-NL", "el": "el-GR", "ro": "ro-RO", "cs": "cs-CZ",
}


@dataclass(frozen=True)
class References:
    """CSL items by id, with the line each item starts on."""

    path: str
    items: dict[str, dict[str, Any]]
    lines: dict[str, int] = field(default_factory=dict)

    def keys(self) -> set[str]:
        return set(self.items)

    def digest_of(self, key: str) -> str:
        """Canonical text of one item, so a build key depends only on the works it cites."""
        return json.dumps(self.items[key], sort_keys=True, ensure_ascii=False)


def references_path(project: Project) -> Path:
    for name in ("references.yaml", "references.yml", "references.json"):
        path = project.handouts_dir / name
        if path.is_file():
            return path
    return project.handouts_dir / "references.yaml"


def load_references(project: Project) -> tuple[References, list[Problem]]:
    """Load CSL-YAML (or CSL-JSON as exported by Zotero); report duplicates and bad items."""
    path = references_path(project)
    rel = project.relative(path)
    if not path.is_file():
        return References(rel, {}), []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return References(rel, {}), [Problem(rel, line, "file is not valid UTF-8; re-save it as UTF-8")]
    located, problems = yamlio.load(text, rel)  # JSON is YAML, so one loader serves both
    if located is None:
        return References(rel, {}), problems
    data = located.value
    if isinstance(data, dict) and "references" in data:  # pandoc-style wrapper
        data = data["references"]
    if not isinstance(data, list):
        return References(rel, {}), [Problem(rel, 1, "expected a list of CSL items (- id: ..., type: ...)")]
    item_lines = list(located.item_lines) or [1] * len(data)
    items: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for item, line in zip(data, item_lines, strict=False):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            problems.append(Problem(rel, line, "each reference needs an 'id' (the citation key)"))
            continue
        key = item["id"]
        if key != key.lower():
            problems.append(Problem(rel, line, f"citation key '{key}' must be lowercase (CSL processors compare keys case-insensitively)"))
        if key in items:
            problems.append(Problem(rel, line, f"duplicate reference id '{key}' (first at line {lines[key]})"))
            continue
        if item.get("type") not in CSL_TYPES:
            problems.append(Problem(rel, line, f"reference '{key}' has unknown CSL type {item.get('type')!r}; e.g. book, chapter, article-journal, webpage"))
        if not item.get("title"):
            problems.append(Problem(rel, line, f"reference '{key}' has no title"))
        items[key] = item
        lines[key] = line
    return References(rel, items, lines), problems


def _sort_name(item: dict[str, Any]) -> tuple[str, ...]:
    names = item.get("author") or item.get("editor") or []
    return tuple((n.get("family") or n.get("literal") or "").lower() for n in names)


def _year(item: dict[str, Any]) -> str:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts and parts[0] else ""


def _title_key(item: dict[str, Any]) -> str:
    """APA alphabetises titles ignoring a leading "A", "An" or "The"."""
    title = str(item.get("title", "")).lower()
    return re.sub(r"^(a|an|the)\s+", "", title)


def year_suffixes(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """APA 7 (8.19): same author(s), same year -> a, b, ... in title order."""
    groups: dict[tuple[tuple[str, ...], str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[(_sort_name(item), _year(item))].append(item)
    suffixes: dict[str, str] = {}
    for group in groups.values():
        if len(group) > 1:
            for i, item in enumerate(sorted(group, key=_title_key)):
                suffixes[item["id"]] = chr(ord("a") + i)
    return suffixes


def apa_sort_key(item: dict[str, Any]) -> tuple[Any, ...]:
    """APA 7 (9.44-9.47) reference order: authors' surnames and initials name by name
    ("nothing precedes something"), then year (undated first), then title without a
    leading article, which is also the order of the a/b suffixes."""
    names = item.get("author") or item.get("editor") or []
    people = tuple(
        ((n.get("family") or n.get("literal") or "").lower(), (n.get("given") or "").lower())
        for n in names
    ) or ((_title_key(item), ""),)
    year = _year(item)
    return (people, (1, year) if year else (0, ""), _title_key(item))


class Formatter:
    """Formats one document's citations and reference list (HTML fragments).

    citeproc-py formats each work on its own and the results are memoised in ``memo``
    (shared by every document a process builds): formatting a work costs far more than
    looking it up, and APA entries do not depend on the other works in the list.
    """

    def __init__(
        self,
        refs: References,
        style_path: Path,
        language: str,
        cited: Sequence[str],
        memo: dict[Any, Any] | None = None,
    ) -> None:
        keys = list(dict.fromkeys(k.lower() for k in cited))
        self._items = {k: copy.deepcopy(refs.items[k]) for k in keys}
        for item in self._items.values():
            item.pop("year-suffix", None)
        self._suffixes = year_suffixes(self._items.values())
        for key, suffix in self._suffixes.items():
            self._items[key]["year-suffix"] = suffix
        self._locale = CSL_LOCALES.get(language, CSL_LOCALES.get(language.split("-")[0], "en-US"))
        self._style_path = style_path
        self._memo = {} if memo is None else memo

    def _style(self) -> Any:
        from citeproc import CitationStylesStyle

        key = ("style", str(self._style_path), self._locale)
        if key not in self._memo:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # citeproc-py warns about unsupported CSL features
                self._memo[key] = CitationStylesStyle(str(self._style_path), locale=self._locale, validate=False)
        return self._memo[key]

    def _bibliography(self, keys: Sequence[str]) -> Any:
        from citeproc import CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        return CitationStylesBibliography(self._style(), CiteProcJSON([self._items[k] for k in keys]), formatter.html)

    def cite(self, items: Sequence[CiteItem]) -> str:
        from citeproc import Citation, CitationItem
        from citeproc.source import Locator

        signature = tuple((i.key.lower(), i.locator, self._suffixes.get(i.key.lower(), "")) for i in items)
        memo_key = ("cite", str(self._style_path), self._locale, signature)
        if memo_key not in self._memo:
            bib = self._bibliography([k for k, _, _ in dict.fromkeys(signature)])
            citation = Citation([
                CitationItem(i.key, locator=Locator("page", i.locator)) if i.locator else CitationItem(i.key)
                for i in items
            ])
            bib.register(citation)
            self._memo[memo_key] = str(bib.cite(citation, lambda item: None))
        return str(self._memo[memo_key])

    def entry(self, key: str) -> str:
        """The reference entry of one work."""
        from citeproc import Citation, CitationItem

        key = key.lower()
        memo_key = ("entry", str(self._style_path), self._locale, key, self._suffixes.get(key, ""))
        if memo_key not in self._memo:
            bib = self._bibliography([key])
            bib.register(Citation([CitationItem(key)]))
            self._memo[memo_key] = str(bib.bibliography()[0])
        return str(self._memo[memo_key])

    def entries(self, keys: Sequence[str] | None = None) -> list[str]:
        """Reference list entries (HTML) for ``keys`` (default: all cited), in APA order."""
        chosen = list(dict.fromkeys(k.lower() for k in keys)) if keys is not None else list(self._items)
        chosen.sort(key=lambda k: apa_sort_key(self._items[k]))
        return [self.entry(k) for k in chosen]
