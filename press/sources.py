"""Handout sources: find them, parse front matter with line numbers, validate bodies."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import markdown, worksheets, yamlio
from .errors import Problem
from .project import Project
from .variants import passages

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .store import Memo

KINDS = (
    "information-handout",
    "worksheet",
    "exercise",
    "formulation",
    "therapy-tool",
    "reading-list",
    "treatment-guide",
)
AUDIENCES = ("client", "professional")
REQUIRED = ("id", "kind", "title", "summary", "audience", "edition", "published", "review_due", "themes")
OPTIONAL = ("superseded_by",)
SAFE_SCHEMES = ("https", "http", "mailto")
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Handout:
    """One resource's validated front matter and its Markdown body."""

    id: str
    kind: str
    title: str
    summary: str
    audience: str
    edition: int
    published: dt.date
    review_due: dt.date
    themes: tuple[str, ...]
    superseded_by: str | None
    path: str  # relative to the project root
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    field_lines: tuple[tuple[str, int], ...] = ()
    passages: tuple[tuple[int, int], ...] = ()  # body lines of ``::: professional`` passages

    def line_of(self, key: str) -> int:
        return dict(self.field_lines).get(key, 1)

    @property
    def archived(self) -> bool:
        return self.superseded_by is not None

    @property
    def front(self) -> str:
        """The front matter's values, as one string (what a variant's key holds of them)."""
        return repr((self.id, self.kind, self.title, self.summary, self.audience, self.edition, self.published, self.review_due, self.themes, self.superseded_by))


def discover(project: Project) -> list[Path]:
    """Every handout source, sorted by file name so builds are deterministic."""
    return sorted(project.handouts_dir.glob("*.md"))


def read_text(path: Path, rel: str) -> tuple[str | None, list[Problem]]:
    """Read UTF-8 text, or report the line of the first undecodable byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Problem(rel, line, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it with UTF-8 encoding")]


def _split_front_matter(text: str, rel: str) -> tuple[str, str, int] | Problem:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return Problem(rel, 1, "missing front matter: the file must start with a '---' line, the YAML keys, then '---'")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return Problem(rel, 1, "front matter is not closed: add a '---' line after the YAML keys")


def _date(value: object) -> dt.date | None:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_handout(path: Path, project: Project) -> tuple[Handout | None, list[Problem]]:
    """Parse and validate one handout's front matter (the body is checked separately)."""
    rel = project.relative(path)
    text, problems = read_text(path, rel)
    if text is None:
        return None, problems
    split = _split_front_matter(text, rel)
    if isinstance(split, Problem):
        return None, [split]
    front, body, body_line = split
    located, problems = yamlio.load(front, rel, first_line=2)
    if located is None:
        return None, problems
    data, lines = located.value, located.key_lines
    if not isinstance(data, dict):
        return None, [Problem(rel, 2, "front matter must be YAML keys (id: ..., kind: ...)")]

    def at(key: str) -> int:
        return lines.get(key, 2)

    for key in data:
        if key not in REQUIRED + OPTIONAL:
            hint = difflib.get_close_matches(str(key), REQUIRED + OPTIONAL, n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else f"allowed keys: {', '.join(REQUIRED + OPTIONAL)}"
            problems.append(Problem(rel, at(str(key)), f"unknown front-matter key '{key}'; {fix}"))
    for key in REQUIRED:
        if key not in data:
            problems.append(Problem(rel, 2, f"missing front-matter key '{key}'"))
    if "id" in data:
        if not isinstance(data["id"], str) or not _ID_RE.match(data["id"]):
            problems.append(Problem(rel, at("id"), "id must be lowercase words joined by hyphens, e.g. relaxed-breathing"))
        elif data["id"] != path.stem:
            problems.append(Problem(rel, at("id"), f"id '{data['id']}' does not match the file name; rename the file to {data['id']}.md or set id: {path.stem}"))
    if "kind" in data and data["kind"] not in KINDS:
        hint = difflib.get_close_matches(str(data["kind"]), KINDS, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else f"use one of: {', '.join(KINDS)}"
        problems.append(Problem(rel, at("kind"), f"unknown kind '{data['kind']}'; {fix}"))
    if "audience" in data and data["audience"] not in AUDIENCES:
        problems.append(Problem(rel, at("audience"), f"audience must be one of: {', '.join(AUDIENCES)}"))
    for key in ("title", "summary"):
        if key in data and (not isinstance(data[key], str) or not data[key].strip()):
            problems.append(Problem(rel, at(key), f"'{key}' must be non-empty text"))
    edition = data.get("edition")
    if "edition" in data and (isinstance(edition, bool) or not isinstance(edition, int) or edition < 1):
        problems.append(Problem(rel, at("edition"), "edition must be a whole number, 1 or more"))
    dates: dict[str, dt.date] = {}
    for key in ("published", "review_due"):
        if key in data:
            parsed = _date(data[key])
            if parsed is None:
                problems.append(Problem(rel, at(key), f"'{key}' is not a real date: {data[key]!r}; write it as YYYY-MM-DD"))
            else:
                dates[key] = parsed
    if len(dates) == 2 and dates["review_due"] <= dates["published"]:
        problems.append(Problem(rel, at("review_due"), "review_due must be after published"))
    themes = data.get("themes", [])
    if "themes" in data and (not isinstance(themes, list) or not all(isinstance(t, str) and _ID_RE.match(t) for t in themes)):
        problems.append(Problem(rel, at("themes"), "themes must be a list of lowercase-hyphenated words, e.g. [relaxation, grounding]"))
    superseded_by = data.get("superseded_by")
    if superseded_by is not None and (not isinstance(superseded_by, str) or not _ID_RE.match(superseded_by)):
        problems.append(Problem(rel, at("superseded_by"), "superseded_by must be the id of the current edition's resource"))
    if problems:
        return None, problems
    handout = Handout(
        id=data["id"],
        kind=data["kind"],
        title=data["title"].strip(),
        summary=" ".join(data["summary"].split()),
        audience=data["audience"],
        edition=edition,  # type: ignore[arg-type]
        published=dates["published"],
        review_due=dates["review_due"],
        themes=tuple(themes),
        superseded_by=superseded_by,
        path=rel,
        body=body,
        body_line=body_line,
        field_lines=tuple(sorted(lines.items())),
        passages=passages(body),
    )
    return handout, []


def check_body(handout: Handout, project: Project, reference_keys: set[str]) -> list[Problem]:
    """Validate a body: no raw HTML, known citations, existing figures, safe links, worksheets."""
    problems: list[Problem] = []
    rel, offset = handout.path, handout.body_line
    sheet_lines: dict[str, int] = {}  # worksheet name -> line of the block using it
    # One parse that keeps raw HTML as tokens, so it can be reported; everything else
    # parses as it does without HTML (a no-op build checks every body, so once counts).
    tokens = markdown.make_parser(allow_html=True).parse(handout.body)
    anchors: list[tuple[str, int]] = []  # in-document link targets and their lines
    for token, line in markdown.walk(tokens):
        where = offset + line
        if token.type in ("html_block", "html_inline"):
            problems.append(Problem(rel, where, f"raw HTML is not allowed ({token.content.strip()[:40]!r}); use Markdown instead"))
        elif token.type == "citation":
            for item in token.meta["items"]:
                if item.key not in reference_keys:
                    hint = difflib.get_close_matches(item.key, sorted(reference_keys), n=1)
                    fix = f"did you mean '{hint[0]}'?" if hint else "add it to handouts/references.yaml"
                    problems.append(Problem(rel, where, f"unknown citation key '{item.key}'; {fix}"))
        elif token.type == "image":
            problems.extend(check_figure(str(token.attrs.get("src", "")), project, rel, where))
        elif token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            if href.startswith("#"):
                anchors.append((href[1:], where))
            elif urlsplit(href).scheme.lower() not in SAFE_SCHEMES:
                problems.append(Problem(rel, where, f"link '{href}' is not allowed; links must be https:// (or mailto:) addresses"))
        elif token.type == "container_passage_open":
            problems.extend(_check_passage(token, tokens, handout, where))
        elif token.type == "inline" and token.content.lstrip().startswith(":::") and _in_table(tokens, token):
            problems.append(Problem(rel, where, "a '::: professional' passage cannot start inside a table; end the table, then open the passage on its own line"))
        elif token.type == "fence" and token.info.strip() == "worksheet":
            for n, text in enumerate(token.content.split("\n")):
                if text.lstrip().startswith(":::"):
                    problems.append(Problem(rel, where + 1 + n, "a '::: professional' passage cannot be inside a ```worksheet block; close the block first (```) and put the passage after it"))
            sheet, found = worksheets.parse(token.content, rel, where + 1)
            problems.extend(found)
            if sheet is not None and sheet.name in sheet_lines:
                problems.append(Problem(rel, sheet.line, f"worksheet name '{sheet.name}' is already used at line {sheet_lines[sheet.name]}; each block needs its own name, or their PDF fields would be one"))
            elif sheet is not None:
                sheet_lines[sheet.name] = sheet.line
        elif token.type == "fence" and token.info.strip():
            problems.append(Problem(rel, where, f"unknown fenced block '{token.info.strip()}'; only ```worksheet blocks are supported"))
    slugs = markdown.heading_slugs(tokens)
    for target, where in anchors:
        if target not in slugs:
            hint = difflib.get_close_matches(target, slugs, n=1)
            fix = f"did you mean '#{hint[0]}'?" if hint else "link to a heading of this handout by its words in lower case joined by hyphens"
            problems.append(Problem(rel, where, f"link '#{target}' names no heading; {fix}"))
    return problems


def _check_passage(token: Token, tokens: list[Token], handout: Handout, where: int) -> list[Problem]:
    """A passage is ``::: professional`` at the top level of the body, closed by ``:::``."""
    from .variants import PASSAGE

    rel, name = handout.path, token.info.strip()
    if name != PASSAGE:
        return [Problem(rel, where, f"unknown passage '::: {name}'; the only kind is '::: {PASSAGE}' (shown in the professional version only)")]
    if token.level > 0:
        return [Problem(rel, where, "a '::: professional' passage must start at the beginning of a line, outside lists, quotes and other passages")]
    close = next(t for t in tokens[tokens.index(token) + 1 :] if t.type == "container_passage_close" and t.level == token.level)
    if not close.markup:
        return [Problem(rel, where, "'::: professional' is never closed; end the passage with a line holding only ':::'")]
    assert token.map is not None
    if (token.map[0], token.map[1]) not in handout.passages:
        return [Problem(rel, where, "this passage is not where a line-by-line reading finds it; put '::: professional' and ':::' on lines of their own, not indented")]
    return []


def _in_table(tokens: list[Token], token: Token) -> bool:
    index = tokens.index(token)
    depth = 0
    for previous in reversed(tokens[:index]):
        if previous.type == "table_close":
            depth += 1
        elif previous.type == "table_open":
            if depth == 0:
                return True
            depth -= 1
    return False


def check_figure(src: str, project: Project, rel: str, line: int) -> list[Problem]:
    """A figure must be a relative path to an existing file inside handouts/."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("/"):
        return [Problem(rel, line, f"figure '{src}' must be a relative path inside handouts/, e.g. figures/diagram.svg")]
    target = (project.handouts_dir / parts.path).resolve()
    if not target.is_relative_to(project.handouts_dir.resolve()):
        return [Problem(rel, line, f"figure '{src}' points outside handouts/; keep figures in handouts/figures/")]
    if not target.is_file():
        return [Problem(rel, line, f"missing figure '{src}'; add the file to handouts/{parts.path} or fix the path")]
    damaged = figure_damage(target)
    if damaged:
        return [Problem(rel, line, f"figure '{src}' cannot be read ({damaged}); export it again")]
    return []


def figure_damage(path: Path) -> str | None:
    """Why a figure file cannot be drawn, or None: a truncated PNG or a malformed SVG
    would otherwise be left out of the page with only a renderer warning."""
    if path.suffix.lower() == ".svg":
        from lxml import etree

        try:
            etree.fromstring(path.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            return f"malformed SVG: {exc.msg}, line {exc.lineno}"
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()  # decodes every byte: verify() alone misses truncated data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"not a readable image: {exc}"
    return None


@dataclass(frozen=True)
class Library:
    """All handouts of a project, by id, in file-name order."""

    handouts: tuple[Handout, ...]
    # Every source file's stem, parsed or not: a broken file is reported on its own, so
    # references to it (superseded_by, packs, catalogs) are not reported as unknown.
    stems: frozenset[str] = frozenset()

    def get(self, resource_id: str) -> Handout:
        return next(h for h in self.handouts if h.id == resource_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(h.id for h in self.handouts)


def load_library(project: Project, memo: Memo | None = None) -> tuple[Library, list[Problem]]:
    """Parse every handout's front matter; cross-check links between resources. With a
    ``memo``, a source unchanged since the last build is not parsed again."""
    handouts: list[Handout] = []
    problems: list[Problem] = []
    paths = discover(project)
    for path in paths:
        rel = f"handouts/{path.name}"
        remembered = memo.recall(f"source:{rel}", (rel,)) if memo is not None else None
        if remembered is None:
            remembered = parse_handout(path, project)
            if memo is not None:
                memo.keep(f"source:{rel}", (rel,), remembered)
        handout, found = remembered
        problems.extend(found)
        if handout is not None:
            handouts.append(handout)
    stems = frozenset(p.stem for p in paths)
    for h in handouts:
        if h.superseded_by is not None and h.superseded_by not in stems:
            problems.append(Problem(h.path, h.line_of("superseded_by"), f"superseded_by names an unknown resource '{h.superseded_by}'"))
    if not handouts and not problems:
        problems.append(Problem("handouts", 0, "no handouts found; add handouts/<id>.md files"))
    return Library(tuple(handouts), stems), problems
