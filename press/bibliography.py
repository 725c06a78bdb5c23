"""Citations and reference lists: ``[@key]`` citations formatted in APA 7 with CSL.

Formatting is done by citeproc-py with the APA 7 CSL style in ``styles/csl/apa.csl``.
citeproc-py does not disambiguate, so APA's year suffixes (2009a, 2009b) are computed
here from the works actually listed and handed to CSL as the ``year-suffix`` variable,
which the style itself prints.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import json
import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .markdown import CiteItem
from .references import References
from .refstore import FormattedStore

STYLE_FILE = "styles/csl/apa.csl"
# Reference terms a language without a CSL locale takes from its ``csl`` catalog
# (translations/<lang>/csl.po): catalog key -> (CSL term, form, English single, plural).
# Untranslated terms stay in APA's English; month names come from CLDR.
CSL_TERMS: dict[str, tuple[str, str, str, str]] = {
    "et-al": ("et-al", "long", "et al.", ""),
    "in": ("in", "long", "In", ""),
    "no-date": ("no date", "short", "n.d.", ""),
    "retrieved": ("retrieved", "long", "Retrieved", ""),
    "from": ("from", "long", "from", ""),
    "editor": ("editor", "short", "Ed.", "Eds."),
    "edition": ("edition", "short", "ed.", "eds."),
    "page": ("page", "short", "p.", "pp."),
    "volume": ("volume", "short", "Vol.", "Vols."),
}


@functools.cache
def _shipped_locales() -> tuple[frozenset[str], dict[str, str]]:
    """citeproc-py's CSL locales: every dialect it ships, and each language's primary one."""
    from citeproc import LOCALES_PATH

    data = json.loads((Path(LOCALES_PATH) / "locales.json").read_text(encoding="utf-8"))
    return frozenset(data["language-names"]), dict(data["primary-dialects"])


def _locale_script(name: str) -> str | None:
    """The script a CSL locale is written in: its own script subtag, else CLDR's likely one."""
    from babel.core import get_global

    parts = name.split("-")
    for part in parts[1:]:
        if len(part) == 4:
            return part.title()
    likely = get_global("likely_subtags")
    full = likely.get("_".join(parts)) or likely.get(parts[0])
    return full.split("_")[1] if full and len(full.split("_")) > 2 else None


def shipped_locale(tag: str, script: str) -> str | None:
    """The CSL locale for a language and script, or None when citeproc-py has none.

    Exact tag first, then the language's primary dialect, then its other dialects, each
    only if it is written in the same script: Punjabi in Gurmukhi must not get the
    Shahmukhi pa-PK terms, Serbian in Cyrillic not sr-Latn-RS.
    """
    names, primary = _shipped_locales()
    if tag in names:
        return tag
    language = tag.split("-")[0]
    candidates = [primary.get(language, ""), *sorted(n for n in names if n.split("-")[0] == language)]
    for name in candidates:
        if name in names and _locale_script(name) == script:
            return name
    return None


@dataclass(frozen=True)
class CslLocale:
    """The locale a document's references are formatted in.

    ``name`` is a shipped CSL locale, or the language tag itself when none ships, in which
    case ``terms`` (from the language's csl catalog) and ``months`` (CLDR) form a locale
    placed inside the style, ahead of CSL's en-US.
    """

    name: str
    shipped: bool = True
    terms: tuple[tuple[str, str], ...] = ()
    months: tuple[str, ...] = ()

    def locale_xml(self) -> str:
        from xml.sax.saxutils import escape, quoteattr

        out = [f"<locale xml:lang={quoteattr(self.citeproc_name)}><terms>"]
        given = dict(self.terms)
        for key, (term, form, single_en, plural_en) in CSL_TERMS.items():
            # Untranslated terms keep APA's English form (the style's own "Ed.", not en-US "ed.").
            single, multiple = given.get(key), given.get(key + ".plural")
            form_attr = "" if form == "long" else f' form="{form}"'  # CSL: no form means long
            if plural_en:
                out.append(f'<term name="{term}"{form_attr}><single>{escape(single or single_en)}</single><multiple>{escape(multiple or plural_en)}</multiple></term>')
            else:
                out.append(f'<term name="{term}"{form_attr}>{escape(single or single_en)}</term>')
        for number, month in enumerate(self.months, start=1):
            out.append(f'<term name="month-{number:02d}">{escape(month)}</term>')
        # CLDR has no ordinal suffixes: "2 ed." rather than an English "2nd".
        out.append('<term name="ordinal"></term>')
        out += [f'<term name="ordinal-{n:02d}"></term>' for n in (*range(10), 11, 12, 13)]
        out.append("</terms></locale>")
        return "".join(out)

    @property
    def citeproc_name(self) -> str:
        """The name citeproc-py is given. A catalog locale goes by a private-use tag:
        under its own tag citeproc-py would fill the terms the catalog lacks from the
        language's primary CSL dialect, which may be another script (Punjabi in Gurmukhi
        would print the Shahmukhi "لیکھ" of pa-PK); under this one they fall back to en-US."""
        return self.name if self.shipped else "x-" + self.name

    @functools.cached_property
    def signature(self) -> str:
        """Identifies the locale in memo and store keys (looked up for every citation)."""
        return self.name if self.shipped else self.name + ":" + self.locale_xml()


def catalog_locale(tag: str, babel_tag: str, catalog_terms: dict[str, str]) -> CslLocale:
    """A locale for a language CSL has none for: its catalog's terms, CLDR's month names."""
    from babel.dates import get_month_names

    try:
        months = tuple(get_month_names("wide", locale=babel_tag)[m] for m in range(1, 13))
    except (ValueError, LookupError):
        months = ()
    terms = tuple(sorted((k, v) for k, v in catalog_terms.items() if k in CSL_TERMS or k.removesuffix(".plural") in CSL_TERMS))
    return CslLocale(tag, shipped=False, terms=terms, months=months)


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


@functools.cache
def _citeproc_version() -> str:
    from importlib.metadata import version

    return version("citeproc-py")


class Formatter:
    """Formats one document's citations and reference list (HTML fragments).

    citeproc-py formats each work on its own and the results are memoised in ``memo``
    (shared by every document a process builds) and in ``store`` (shared by builds):
    formatting a work costs far more than looking it up, and APA entries do not depend
    on the other works in the list.
    """

    def __init__(
        self,
        refs: References,
        style_path: Path,
        locale: CslLocale,
        cited: Sequence[str],
        memo: dict[Any, Any] | None = None,
        store: FormattedStore | None = None,
        scope: Sequence[str] = (),
    ) -> None:
        """``scope``: the works of the reference list that prints these citations when it
        is not this document's own (a pack's appendix); their letters are used."""
        keys = list(dict.fromkeys(k.lower() for k in cited))
        self._items = {k: copy.deepcopy(refs.items[k]) for k in keys}
        for item in self._items.values():
            item.pop("year-suffix", None)
        listed = [refs.items[k] for k in dict.fromkeys([*(k.lower() for k in scope), *keys]) if k in refs.items]
        self._suffixes = {k: s for k, s in year_suffixes(listed).items() if k in self._items}
        for key, suffix in self._suffixes.items():
            self._items[key]["year-suffix"] = suffix
        self._locale = locale
        self._style_path = style_path
        self._memo = {} if memo is None else memo
        self._store = store
        style_key = ("style-sha", str(style_path))
        if style_key not in self._memo:
            self._memo[style_key] = hashlib.sha256(style_path.read_bytes()).hexdigest()
        self._style_sha: str = self._memo[style_key]

    def _style(self, dates_only: bool = False) -> Any:
        """The style; ``dates_only``: its citations without the names (date and locator),
        for the later works of one author in a parenthesis."""
        from citeproc import CitationStylesStyle

        key = ("style", self._style_sha, self._locale.signature, dates_only)
        if key not in self._memo:
            source: Any = str(self._style_path)
            if dates_only or not self._locale.shipped:
                text = self._style_path.read_text(encoding="utf-8")
                if not self._locale.shipped:
                    # The catalog's terms as a locale inside the style: CSL looks there first.
                    at = text.index("</info>") + len("</info>")
                    text = text[:at] + self._locale.locale_xml() + text[at:]
                if dates_only:
                    start = text.index("<citation")
                    end = text.index("</citation>", start)
                    text = text[:start] + text[start:end].replace('<text macro="author-short"/>', "", 1) + text[end:]
                source = io.BytesIO(text.encode())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # citeproc-py warns about unsupported CSL features
                self._memo[key] = CitationStylesStyle(source, locale=self._locale.citeproc_name, validate=False)
        return self._memo[key]

    def _bibliography(self, keys: Sequence[str], dates_only: bool = False) -> Any:
        from citeproc import CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        return CitationStylesBibliography(self._style(dates_only), CiteProcJSON([self._items[k] for k in keys]), formatter.html)

    def _stored(self, kind: str, keys: Sequence[str], detail: object, make: Any) -> str:
        """``make()`` memoised per process (``memo``) and between builds (``store``)."""
        suffixes = tuple(self._suffixes.get(k, "") for k in keys)
        memo_key = (kind, self._style_sha, self._locale.signature, tuple(keys), suffixes, repr(detail))
        if memo_key in self._memo:
            return str(self._memo[memo_key])
        store_key = ""
        if self._store is not None:
            works = [json.dumps(self._items[k], sort_keys=True, ensure_ascii=False) for k in keys]
            store_key = hashlib.sha256(json.dumps([kind, self._style_sha, _citeproc_version(), self._locale.signature, works, repr(detail)]).encode()).hexdigest()
            hit = self._store.get(store_key)
            if hit is not None:
                self._memo[memo_key] = hit
                return hit
        html = str(make())
        self._memo[memo_key] = html
        if self._store is not None:
            self._store.put(store_key, html)
        return html

    def _cite_one(self, item: CiteItem, dates_only: bool) -> str:
        """One work's citation without the parentheses: "Gilbert, 2009a, p. 12", or with
        ``dates_only`` "2009a, p. 12"."""
        from citeproc import Citation, CitationItem
        from citeproc.source import Locator

        key = item.key.lower()

        def make() -> str:
            bib = self._bibliography([key], dates_only)
            citation = Citation([CitationItem(key, locator=Locator("page", item.locator)) if item.locator else CitationItem(key)])
            bib.register(citation)
            return str(bib.cite(citation, lambda _: None))

        text = self._stored("cite-dates" if dates_only else "cite", [key], item.locator, make)
        # The style's layout wraps every citation in "(" and ")".
        return text.removeprefix("(").removesuffix(")")

    def cite(self, items: Sequence[CiteItem]) -> str:
        """One parenthesis of citations as APA 7 (8.12) and the style's ``collapse="year"``
        print it: works in reference-list order, and one author's works under one name
        with their years in order, "(Gilbert, 2009a, 2009b, 2014; Neff, 2003)".

        citeproc-py neither sorts nor collapses citations, so each work is formatted
        alone, with and without its names, and the parenthesis is put together here: a
        work whose names print as the previous work's gives only its date and locator.
        """
        ordered = sorted(items, key=lambda i: apa_sort_key(self._items[i.key.lower()]))
        groups: list[tuple[str | None, list[str]]] = []  # (names as printed, citations)
        for item in ordered:
            full, date = self._cite_one(item, False), self._cite_one(item, True)
            names = full[: -len(date)].removesuffix(", ") if date and full.endswith(date) and len(full) > len(date) else None
            if names is not None and groups and groups[-1][0] == names:
                groups[-1][1].append(date)
            else:
                groups.append((names, [full]))
        return "(" + "; ".join(", ".join(cites) for _, cites in groups) + ")"

    def entry(self, key: str) -> str:
        """The reference entry of one work."""
        from citeproc import Citation, CitationItem

        key = key.lower()

        def make() -> str:
            bib = self._bibliography([key])
            bib.register(Citation([CitationItem(key)]))
            return str(bib.bibliography()[0])

        return self._stored("entry", [key], None, make)

    def entries(self, keys: Sequence[str] | None = None) -> list[str]:
        """Reference list entries (HTML) for ``keys`` (default: all cited), in APA order."""
        chosen = list(dict.fromkeys(k.lower() for k in keys)) if keys is not None else list(self._items)
        chosen.sort(key=lambda k: apa_sort_key(self._items[k]))
        return [self.entry(k) for k in chosen]
