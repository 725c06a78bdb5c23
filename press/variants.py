"""Variants: the renditions one source makes. The client version (every resource), the
professional version (resources with ``::: professional`` passages: those passages too),
and large print (client resources and packs: the client version in clear print).

A variant is plain data; which passages it shows and which stylesheet it adds decide
everything else, so a new rendition is one more entry here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .errors import PressError, Problem

PASSAGE = "professional"  # the one container name of the handout dialect
_OPEN_RE = re.compile(r"^:::\s*professional\s*$")
_CLOSE_RE = re.compile(r"^:::\s*$")
_FENCE_RE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class Variant:
    name: str
    suffix: str  # before ".pdf" in the output's name
    professional: bool  # shows the professional passages
    large_print: bool
    audience: str | None  # only resources and packs for this audience; None: every one

    def applies_to(self, audience: str, has_passages: bool, archived: bool = False) -> bool:
        """Whether a resource gets this variant. An archived edition is kept for reference
        in its one standard version."""
        if self.professional and not has_passages:
            return False  # the professional version would be the client version again
        if self.large_print and archived:
            return False
        return self.audience is None or self.audience == audience

    @property
    def content(self) -> str:
        """What the body shows: variants with equal content share a composition."""
        return "professional" if self.professional else "client"


CLIENT = Variant("client", "", professional=False, large_print=False, audience=None)
PROFESSIONAL = Variant("professional", ".professional", professional=True, large_print=False, audience=None)
LARGE_PRINT = Variant("large-print", ".large-print", professional=False, large_print=True, audience="client")
VARIANTS = {v.name: v for v in (CLIENT, PROFESSIONAL, LARGE_PRINT)}
DEFAULT = tuple(VARIANTS)


def get(name: str) -> Variant:
    return VARIANTS[name]


def unknown(names: tuple[str, ...] | list[str], where: str, line: int = 0) -> list[Problem]:
    """A located problem for every name that is not a variant."""
    known = ", ".join(VARIANTS)
    return [Problem(where, line, f"unknown variant '{name}'; use one of: {known}") for name in names if name not in VARIANTS]


def choose(names: tuple[str, ...], where: str) -> tuple[Variant, ...]:
    problems = unknown(names, where)
    if problems:
        raise PressError(problems)
    return tuple(VARIANTS[n] for n in dict.fromkeys(names))


def handout_output(language: str, resource: str, variant: Variant) -> str:
    return f"dist/handouts/{language}/{resource}{variant.suffix}.pdf"


def pack_output(language: str, pack: str, variant: Variant) -> str:
    return f"dist/packs/{language}/{pack}{variant.suffix}.pdf"


def passages(body: str) -> tuple[tuple[int, int], ...]:
    """The 0-based body lines (first, last) of each ``::: professional`` passage, found
    line by line (outside fenced blocks) so that planning never needs a Markdown parser;
    ``check`` verifies that markdown-it finds the same passages. An unclosed passage
    runs to the end, as markdown-it reads it."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    fence: str | None = None
    lines = body.split("\n")
    for i, line in enumerate(lines):
        marker = _FENCE_RE.match(line)
        if marker and (fence is None or marker.group(1) == fence):
            fence = None if fence else marker.group(1)
            continue
        if fence:
            continue
        if start is None and _OPEN_RE.match(line):
            start = i
        elif start is not None and _CLOSE_RE.match(line):
            found.append((start, i))
            start = None
    if start is not None:
        found.append((start, len(lines) - 1))
    return tuple(found)


def client_body(body: str, spans: tuple[tuple[int, int], ...]) -> str:
    """The body without its professional passages."""
    if not spans:
        return body
    lines = body.split("\n")
    dropped = {i for first, last in spans for i in range(first, last + 1)}
    return "\n".join(line for i, line in enumerate(lines) if i not in dropped)


def source_digest(file_digest: str, front: str, body: str, spans: tuple[tuple[int, int], ...], variant: Variant) -> str:
    """What a variant's output depends on in its source: the whole file for a version
    that shows every passage; else the front matter and the body without the passages,
    so editing a professional passage leaves client and large-print outputs alone."""
    if variant.professional or not spans:
        return file_digest
    return hashlib.sha256((front + "\0" + client_body(body, spans)).encode()).hexdigest()


def part_variant(pack_variant: Variant, has_passages: bool) -> Variant:
    """The rendition of a resource inside a pack of this variant: a professional pack
    holds the client version of a resource that has no professional passages."""
    return CLIENT if pack_variant.professional and not has_passages else pack_variant


def for_pack(variant: Variant, audience: str) -> bool:
    """Professional packs for professional-audience packs, large print for client ones."""
    return variant.audience == audience if variant.large_print else (not variant.professional or audience == "professional")
