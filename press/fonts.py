"""Fonts: which files a language's stack resolves to, and whether they cover its text."""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Problem

# Invisible characters that need no glyph: joiners, direction marks, word breaks.
_IGNORED = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD, 0x061C}


@dataclass
class FontCoverage:
    """Resolves font families to files with fontconfig and reads their character maps
    with fontTools; both are cached, since CJK collections are large."""

    files: dict[str, tuple[Path, int] | None] = field(default_factory=dict)
    cmaps: dict[tuple[Path, int], frozenset[int]] = field(default_factory=dict)

    def resolve(self, family: str) -> tuple[Path, int] | None:
        """The file (and face index) fontconfig uses for a family; None if not installed."""
        if family not in self.files:
            out = subprocess.run(
                ["fc-match", "--format=%{family}\t%{file}\t%{index}", f"{family}:style=Regular"],
                capture_output=True, text=True, check=False,
            ).stdout
            parts = out.split("\t")
            # fc-match always answers with *some* font; only an exact family counts.
            if len(parts) == 3 and family.lower() in (f.strip().lower() for f in parts[0].split(",")):
                self.files[family] = (Path(parts[1]), int(parts[2] or 0))
            else:
                self.files[family] = None
        return self.files[family]

    def cmap(self, face: tuple[Path, int]) -> frozenset[int]:
        if face not in self.cmaps:
            from fontTools.ttLib import TTFont

            font = TTFont(str(face[0]), fontNumber=face[1], lazy=True)
            self.cmaps[face] = frozenset(font.getBestCmap() or {})
            font.close()
        return self.cmaps[face]

    def covered(self, families: tuple[str, ...]) -> tuple[frozenset[int], list[str]]:
        """Code points covered by a stack, and the families that are not installed."""
        points: set[int] = set()
        missing = []
        for family in families:
            face = self.resolve(family)
            if face is None:
                missing.append(family)
            else:
                points |= self.cmap(face)
        return frozenset(points), missing


def uncovered(text: str, covered: frozenset[int]) -> list[str]:
    """Characters of ``text`` that no font in the stack can draw."""
    seen = []
    for char in dict.fromkeys(text):
        point = ord(char)
        if point in covered or point in _IGNORED or char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        seen.append(char)
    return seen


def describe(char: str) -> str:
    return f"'{char}' (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')})"


def check_text(text: str, covered: frozenset[int], path: str, line: int, language: str, stack: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(path, line, f"character {describe(c)} is not covered by the {language} font stack ({', '.join(stack)}); use another character or add a font in styles/fonts.yaml")
        for c in uncovered(text, covered)
    ]
