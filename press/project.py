"""Project settings: ``pipeline.yaml`` validated into frozen, typed objects."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from . import yamlio
from .errors import PressError, Problem
from .variants import DEFAULT as DEFAULT_VARIANTS

SETTINGS_FILE = "pipeline.yaml"
PAPER_SIZES = ("a4", "letter")


@dataclass(frozen=True)
class ReleaseProfile:
    """One clinic's or audience's release: what it ships, in which languages and paper.

    name:      profile name, used in bundle names (``<name>-<version>``).
    packs:     pack ids from handouts/packs.yaml.
    resources: individual resource ids shipped besides the packs.
    languages: language tags.
    paper:     a4 or letter.
    clinic:    optional clinic name for the catalog page; contact: optional contact line.
    variants:  the renditions shipped: client (default), professional, large-print.
    """

    name: str
    packs: tuple[str, ...]
    resources: tuple[str, ...]
    languages: tuple[str, ...]
    paper: str
    clinic: str
    contact: str
    line: int
    key_lines: tuple[tuple[str, int], ...] = ()
    variants: tuple[str, ...] = ("client",)

    def line_of(self, key: str) -> int:
        return dict(self.key_lines).get(key, self.line)


@dataclass(frozen=True)
class Settings:
    """Every key of ``pipeline.yaml``.

    organisation: who publishes the library; PDF author and footer.
    copyright:    copyright line printed in every footer.
    licence:      licence line printed in every footer.
    paper:        ``a4`` (default) or ``letter``.
    languages:    language tags to build, or ``all`` for every language in the registry
                  (translations/languages.yaml); ``en`` is the source language.
    executor:     ``local`` (default: worker processes on this machine) or the address of
                  a Dask scheduler, ``tcp://HOST:PORT``, whose workers render (--scheduler
                  overrides it).
    variants:     the renditions a plain build makes (``--variant`` overrides it):
                  ``client``, ``professional`` (resources with professional passages)
                  and ``large-print`` (client resources and packs); default all three.
    """

    organisation: str
    copyright: str
    licence: str
    paper: str = "a4"
    languages: tuple[str, ...] = ("en",)
    releases: tuple[ReleaseProfile, ...] = ()
    executor: str = "local"
    variants: tuple[str, ...] = DEFAULT_VARIANTS

    def digest(self, *keys: str) -> str:
        """Hash of the named settings, for build keys that depend on only some of them."""
        data = asdict(self)
        data.pop("releases", None)  # what is shipped does not change how a page looks
        data.pop("executor", None)  # nor where it is rendered: every worker makes the same bytes
        data.pop("variants", None)  # nor which renditions are made
        chosen = {k: data[k] for k in sorted(keys)} if keys else data
        return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()


# The stylesheets every document is made with (the composer links them; check requires them).
STYLESHEETS = ("styles/print.css",)
LARGE_PRINT_STYLESHEET = "styles/large-print.css"  # added after them for large print

_REQUIRED = ("organisation", "copyright", "licence")
_OPTIONAL = ("paper", "languages", "releases", "executor", "variants")
_RELEASE_KEYS = ("name", "packs", "resources", "languages", "paper", "clinic", "contact", "variants")


@dataclass(frozen=True)
class Project:
    """A project folder and its validated settings."""

    root: Path
    settings: Settings

    @property
    def handouts_dir(self) -> Path:
        return self.root / "handouts"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def relative(self, path: Path) -> str:
        """A path as shown to users and recorded in caches: relative, forward slashes."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def load_project(root: Path) -> Project:
    """Load and validate ``pipeline.yaml``; raise PressError listing every problem."""
    root = root.resolve()
    path = root / SETTINGS_FILE
    rel = SETTINGS_FILE
    if not path.is_file():
        raise PressError([Problem(rel, 0, f"no {SETTINGS_FILE} in {root}; run from the project folder or pass --project")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise PressError([Problem(rel, line, "file is not UTF-8; re-save it as UTF-8")]) from None
    located, problems = yamlio.load(text, rel)
    if located is None:
        raise PressError(problems)
    data = located.value
    if not isinstance(data, dict):
        raise PressError([Problem(rel, 1, "expected a mapping of settings (key: value)")])
    lines = located.key_lines
    for key in data:
        if key not in _REQUIRED + _OPTIONAL:
            hint = difflib.get_close_matches(str(key), _REQUIRED + _OPTIONAL, n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else f"known keys: {', '.join(_REQUIRED + _OPTIONAL)}"
            problems.append(Problem(rel, lines.get(str(key), 1), f"unknown setting '{key}'; {fix}"))
    for key in _REQUIRED:
        if key not in data:
            problems.append(Problem(rel, 1, f"missing setting '{key}'"))
        elif not isinstance(data[key], str) or not data[key].strip():
            problems.append(Problem(rel, lines[key], f"'{key}' must be a non-empty text"))
    paper = data.get("paper", "a4")
    if paper not in PAPER_SIZES:
        problems.append(Problem(rel, lines.get("paper", 1), f"paper must be one of {', '.join(PAPER_SIZES)}, not {paper!r}"))
    languages = data.get("languages", ["en"])
    if languages == "all":
        languages = ["all"]
    if not isinstance(languages, list) or not all(isinstance(x, str) and x for x in languages):
        problems.append(Problem(rel, lines.get("languages", 1), "languages must be 'all' or a list of language tags, e.g. [en, es]"))
        languages = ["en"]
    executor = data.get("executor", "local")
    if not isinstance(executor, str) or not (executor == "local" or valid_scheduler(executor)):
        problems.append(Problem(rel, lines.get("executor", 1), f"executor must be 'local' or a Dask scheduler address such as tcp://10.0.0.5:8786, not {executor!r}"))
        executor = "local"
    variants = _variants(data.get("variants", list(DEFAULT_VARIANTS)), lines.get("variants", 1), problems)
    releases = _releases(text, data.get("releases"), lines.get("releases", 1), problems)
    if problems:
        raise PressError(problems)
    settings = Settings(
        organisation=data["organisation"].strip(),
        copyright=data["copyright"].strip(),
        licence=data["licence"].strip(),
        paper=paper,
        languages=tuple(languages),
        releases=releases,
        executor=executor,
        variants=variants,
    )
    return Project(root=root, settings=settings)


def _variants(value: object, line: int, problems: list[Problem]) -> tuple[str, ...]:
    """A list of variant names, each known; problems are located at ``line``."""
    from .variants import unknown

    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(Problem(SETTINGS_FILE, line, f"variants must be a list of variant names, e.g. [{', '.join(DEFAULT_VARIANTS)}]"))
        return DEFAULT_VARIANTS
    found = unknown(value, SETTINGS_FILE, line)
    problems.extend(found)
    return DEFAULT_VARIANTS if found else tuple(dict.fromkeys(value))


def valid_scheduler(address: str) -> bool:
    """A Dask scheduler address: tcp://, a host and a port (TLS would need certificates
    this tool does not configure)."""
    return re.fullmatch(r"tcp://[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}", address) is not None


def _releases(text: str, raw: object, line: int, problems: list[Problem]) -> tuple[ReleaseProfile, ...]:
    """Release profiles; their packs, resources and languages are checked by release."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(Problem(SETTINGS_FILE, line, "releases must be a list of profiles (- name: ...)"))
        return ()
    import yaml

    node = yaml.compose(text)
    items = next((v for k, v in node.value if k.value == "releases"), None) if isinstance(node, yaml.MappingNode) else None
    profiles = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        item = items.value[i] if items is not None and i < len(items.value) else None
        at = item.start_mark.line + 1 if item is not None else line
        key_lines = tuple((k.value, k.start_mark.line + 1) for k, _ in item.value) if isinstance(item, yaml.MappingNode) else ()
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append(Problem(SETTINGS_FILE, at, "each release profile needs a name"))
            continue
        for key in entry:
            if key not in _RELEASE_KEYS:
                problems.append(Problem(SETTINGS_FILE, dict(key_lines).get(str(key), at), f"unknown release key '{key}'; allowed: {', '.join(_RELEASE_KEYS)}"))
        if entry["name"] in seen:
            problems.append(Problem(SETTINGS_FILE, at, f"release profile '{entry['name']}' is defined twice"))
        seen.add(entry["name"])
        lists = {}
        for key in ("packs", "resources", "languages"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append(Problem(SETTINGS_FILE, dict(key_lines).get(key, at), f"'{key}' must be a list of ids"))
                value = []
            lists[key] = tuple(value)
        paper = entry.get("paper", "a4")
        if paper not in PAPER_SIZES:
            problems.append(Problem(SETTINGS_FILE, dict(key_lines).get("paper", at), f"paper must be one of {', '.join(PAPER_SIZES)}"))
        variants = _variants(entry.get("variants", ["client"]), dict(key_lines).get("variants", at), problems)
        profiles.append(
            ReleaseProfile(entry["name"], lists["packs"], lists["resources"], lists["languages"] or ("en",), paper, str(entry.get("clinic", "")), str(entry.get("contact", "")), at, key_lines, variants)
        )
    return tuple(profiles)
