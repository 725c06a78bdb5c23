"""The language registry (translations/languages.yaml) and per-language typesetting facts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import yamlio
from .errors import PressError, Problem
from .fonts import subset_spec_problem
from .project import Project

REGISTRY_FILE = "translations/languages.yaml"
FONTS_FILE = "styles/fonts.yaml"
# Scripts written without spaces between words: line-break opportunities are inserted.
NO_SPACE_SCRIPTS = ("Mymr", "Khmr", "Laoo", "Thai")
# Scripts whose words start with a capital in a list or menu.
CAPITALISED_SCRIPTS = ("Latn", "Cyrl", "Grek", "Armn")


@dataclass(frozen=True)
class Language:
    """One registry entry."""

    tag: str
    name: str
    script: str
    direction: str
    body_fonts: tuple[str, ...] = ()
    heading_fonts: tuple[str, ...] = ()
    line_height: float | None = None
    # Character sets the body face is cut down to before rendering (see fonts.body_subsets).
    subset: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        """A hash of the entry and its font stack, recorded as ``language:<tag>`` by what
        uses them: an edit to one script's stack rebuilds that script's documents only."""
        import hashlib

        return hashlib.sha256(repr(self).encode()).hexdigest()

    @property
    def babel_tag(self) -> str:
        return {"en": "en_GB", "zh-Hans": "zh_Hans_CN", "zh-Hant": "zh_Hant_TW"}.get(self.tag, self.tag.replace("-", "_"))

    @cached_property
    def native_name(self) -> str:
        from babel import Locale

        locale = Locale.parse(self.tag.replace("-", "_"))
        name = locale.get_display_name(locale) or self.name
        if locale.language == "zh":
            # CLDR's Chinese display pattern is "{0}（{1}）"; Babel joins with " (...)" always.
            name = name.replace(" (", "（").replace(")", "）")
        # A name at the start of a list item is capitalised in scripts that capitalise
        # words (CLDR's "uiListOrMenu" context). Not Georgian: Mkhedruli has no capitals
        # at the start of a word, and str.upper() would turn its first letter Mtavruli.
        return name[:1].upper() + name[1:] if self.script in CAPITALISED_SCRIPTS else name

    @property
    def is_source(self) -> bool:
        return self.tag == SOURCE_TAG

    @cached_property
    def counter_style(self) -> str:
        """The CSS counter style for page numbers and numbered lists: the language's own
        digits where CLDR says they are the default (Persian, Bengali, Burmese, ...)."""
        from babel import Locale

        system = Locale.parse(self.tag.replace("-", "_")).default_numbering_system
        return _COUNTER_STYLES.get(system, "decimal")

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    @property
    def needs_word_breaks(self) -> bool:
        return self.script in NO_SPACE_SCRIPTS


# CLDR numbering systems and the CSS counter styles that write the same digits.
_COUNTER_STYLES = {
    "arab": "arabic-indic", "arabext": "persian", "beng": "bengali", "deva": "devanagari", "mymr": "myanmar",
    "khmr": "khmer", "laoo": "lao", "thai": "thai", "tamldec": "tamil", "gujr": "gujarati", "guru": "gurmukhi",
    "mlym": "malayalam", "telu": "telugu", "knda": "kannada", "orya": "oriya", "tibt": "tibetan",
}
SOURCE_TAG = "en"
SOURCE_LANGUAGE = Language(SOURCE_TAG, "English", "Latn", "ltr", ("Noto Sans",), ("Noto Serif",))


@dataclass(frozen=True)
class Registry:
    languages: tuple[Language, ...]

    @property
    def source(self) -> Language:
        return self.languages[0]

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(lang.tag for lang in self.languages)

    def get(self, tag: str) -> Language:
        for lang in self.languages:
            if lang.tag == tag:
                return lang
        raise KeyError(tag)


def load_registry(project: Project) -> Registry:
    """Read the registry and the font stacks; every problem is reported with its line."""
    from babel import Locale, UnknownLocaleError

    path = project.root / REGISTRY_FILE
    if not path.is_file():
        return Registry((SOURCE_LANGUAGE,))
    problems: list[Problem] = []
    located, found = yamlio.load(yamlio.read_text(project.root, REGISTRY_FILE, "restore it from the repository"), REGISTRY_FILE)
    fonts_text = yamlio.read_text(project.root, FONTS_FILE, "every language's font stack is read from it; restore it from the repository")
    fonts_located, fonts_found = yamlio.load(fonts_text, FONTS_FILE)
    problems += found + fonts_found
    if located is None or fonts_located is None:
        raise PressError(problems)
    fonts = fonts_located.value or {}
    scripts: dict[str, dict[str, Any]] = fonts.get("scripts", {})
    per_language: dict[str, dict[str, Any]] = fonts.get("languages", {})
    languages: list[Language] = []
    seen: set[str] = set()
    entries = located.value if isinstance(located.value, list) else []
    for entry, line in zip(entries, located.item_lines, strict=False):
        if not isinstance(entry, dict) or not {"tag", "name", "script", "direction"} <= set(entry):
            problems.append(Problem(REGISTRY_FILE, line, "each language needs tag, name, script and direction"))
            continue
        tag = str(entry["tag"])
        if tag in seen:
            problems.append(Problem(REGISTRY_FILE, line, f"language '{tag}' is listed twice"))
            continue
        seen.add(tag)
        try:
            Locale.parse(tag.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            problems.append(Problem(REGISTRY_FILE, line, f"Babel does not know the language '{tag}'; use a CLDR tag"))
        if entry["direction"] not in ("ltr", "rtl"):
            problems.append(Problem(REGISTRY_FILE, line, "direction must be ltr or rtl"))
        stack = per_language.get(tag) or scripts.get(str(entry["script"]))
        if stack is None:
            problems.append(Problem(REGISTRY_FILE, line, f"no font stack for script '{entry['script']}' in {FONTS_FILE}"))
            continue
        height = stack.get("line_height")
        subset = stack.get("subset") or []
        if not isinstance(subset, list):
            bad = [(str(subset), "subset must be a list, e.g. [gb2312]")]
        else:
            bad = [(str(item), why) for item in subset if (why := subset_spec_problem(item))]
        if bad:
            # The located loader gives top-level lines only: find the entry's own line.
            rows = fonts_text.splitlines()
            for item, why in bad:
                at = next((n for n, row in enumerate(rows, 1) if "subset" in row and item in row), fonts_located.key_lines.get("scripts", 1))
                problems.append(Problem(FONTS_FILE, at, why))
            continue
        languages.append(
            Language(tag, str(entry["name"]), str(entry["script"]), str(entry["direction"]), tuple(stack["body"]), tuple(stack["headings"]), float(height) if height else None, tuple(subset))
        )
    if problems:
        raise PressError(dict.fromkeys(problems))  # languages sharing a stack share its problems
    return Registry(tuple(languages))
