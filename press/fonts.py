"""Fonts: which files a language's stack resolves to, and whether they cover its text."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .cache import MADE_FONTS_DIR, atomic_write
from .errors import Problem

# Invisible characters that need no glyph: joiners, direction marks, word breaks.
_IGNORED = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD, 0x061C}


@dataclass
class FontCoverage:
    """Resolves font families to files with fontconfig and reads their character maps
    with fontTools; both are cached, since CJK collections are large."""

    files: dict[str, tuple[Path, int] | None] = field(default_factory=dict)
    cmaps: dict[tuple[Path, int], frozenset[int]] = field(default_factory=dict)

    def resolve(self, family: str, style: str = "Regular") -> tuple[Path, int] | None:
        """The file (and face index) fontconfig uses for a family; None if not installed."""
        pattern = f"{family}:style={style}"
        if pattern not in self.files:
            out = subprocess.run(
                ["fc-match", "--format=%{family}\t%{file}\t%{index}", pattern],
                capture_output=True, text=True, check=False,
            ).stdout
            parts = out.split("\t")
            # fc-match always answers with *some* font; only an exact family counts.
            if len(parts) == 3 and family.lower() in (f.strip().lower() for f in parts[0].split(",")):
                self.files[pattern] = (Path(parts[1]), int(parts[2] or 0))
            else:
                self.files[pattern] = None
        return self.files[pattern]

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


# Form fields embed their font whole (a full Noto Sans is 500 KB; a CJK face 15 MB), so
# typed text uses a small subset of the language's body face: the script's own block
# plus Latin letters, digits and punctuation. CJK sheets use the Latin subset; viewers
# substitute a system face for typed Chinese, Japanese or Korean.
_LATIN = [*range(0x20, 0x7F), *range(0xA0, 0x250), 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AC]
_SCRIPT_RANGES: dict[str, list[int]] = {
    "Cyrl": [*range(0x400, 0x530)], "Grek": [*range(0x370, 0x400)], "Arab": [*range(0x600, 0x700), *range(0xFB50, 0xFC00)],
    "Hebr": [*range(0x590, 0x600)], "Ethi": [*range(0x1200, 0x1380)], "Armn": [*range(0x530, 0x590)],
    "Geor": [*range(0x10A0, 0x1100)], "Deva": [*range(0x900, 0x980)], "Beng": [*range(0x980, 0xA00)],
    "Gujr": [*range(0xA80, 0xB00)], "Guru": [*range(0xA00, 0xA80)], "Taml": [*range(0xB80, 0xC00)],
    "Mlym": [*range(0xD00, 0xD80)], "Sinh": [*range(0xD80, 0xE00)], "Mymr": [*range(0x1000, 0x10A0)],
    "Khmr": [*range(0x1780, 0x1800)], "Laoo": [*range(0xE80, 0xF00)], "Thai": [*range(0xE00, 0xE80)],
}
_CJK = ("Hans", "Hant", "Jpan", "Kore")
# Part of every made font's file name: bump it when the way fonts are made changes.
SUBSET_SCHEMA = "1"


def _made_key(tool_version: str, faces: list[tuple[int, tuple[Path, int]]], points: list[int]) -> str:
    """The hash a made font's file and family names carry: what it was made with and from.
    System font files change only with their package, which rewrites them, so a face is
    identified by path, index, size and mtime rather than by hashing megabytes."""
    identity = [(weight, str(path), index, path.stat().st_size, path.stat().st_mtime_ns) for weight, (path, index) in faces]
    return hashlib.sha256(json.dumps([SUBSET_SCHEMA, tool_version, identity, points]).encode()).hexdigest()[:10]


def field_font(root: Path, script: str, family: str, coverage: FontCoverage) -> tuple[str, str]:
    """The field font for a script, made once with fontTools: its project-relative path and
    CSS family name. Both carry a hash of the source face and the ranges, so a font package
    upgrade makes a new subset (and rebuilds the sheets that use it) rather than leaving a
    stale one in place."""
    from fontTools import version as fonttools_version

    if script in _CJK or script not in _SCRIPT_RANGES:
        script, family = "Latn", "Noto Sans"
    face = coverage.resolve(family)
    if face is None:
        raise FileNotFoundError(f"font '{family}' is not installed")
    points = _LATIN + _SCRIPT_RANGES.get(script, [])
    key = _made_key(fonttools_version, [(400, face)], points)
    rel = f"{MADE_FONTS_DIR}fields-{script}-{key}.ttf"
    family_name = f"Handout Fields {script} {key}"
    path = root / rel
    if path.is_file():
        return rel, family_name
    from fontTools import subset  # only when a subset is made: importing it takes 0.3 s
    from fontTools.ttLib import TTFont

    # recalcTimestamp=False keeps the source font's dates: the same fonts give the same bytes.
    font = TTFont(str(face[0]), fontNumber=face[1], recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]  # keep shaping for Arabic and Indic scripts
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=points)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    atomic_write(path, buffer.getvalue())
    return rel, family_name


# A CJK face holds some 65,000 glyphs in 16 MB. WeasyPrint subsets the face it is given
# for every PDF, and a subset of so large a face keeps a slot for every glyph up to the last
# one used: most of a Chinese document's rendering time, and most of its bytes. So the body
# face of a script with a `subset` in styles/fonts.yaml is first cut, once, down to a fixed
# character set (a legacy national standard such as GB 2312 holds the characters everyday
# text uses) and given to WeasyPrint with @font-face. The set is declared, never taken from
# the translations: a new translation must not change every other document's font. A
# character outside it falls through to the installed face, which comes next in the stack.
_RANGE = re.compile(r"U\+([0-9A-Fa-f]{4,6})-([0-9A-Fa-f]{4,6})")
_ALWAYS = [*_LATIN, *range(0x2000, 0x2070)]


def subset_spec_problem(item: object) -> str | None:
    """Why one entry of a stack's `subset` list is not usable, or None."""
    if not isinstance(item, str):
        return f"subset entries are codec names or ranges like U+AC00-D7A3, not {item!r}"
    if _RANGE.fullmatch(item):
        return None
    import codecs

    try:
        codecs.lookup(item)
    except LookupError:
        return f"subset entry '{item}' is neither a Python codec name (gb2312, big5, euc_jp, euc_kr) nor a range like U+AC00-D7A3"
    return None


@cache
def charset(spec: tuple[str, ...]) -> frozenset[int]:
    """The code points a subset keeps: Latin letters, digits and punctuation, general
    punctuation, every character each named legacy encoding writes in one or two bytes, and
    the listed ranges."""
    points = set(_ALWAYS)
    for item in spec:
        found = _RANGE.fullmatch(item)
        if found:
            points.update(range(int(found[1], 16), int(found[2], 16) + 1))
            continue
        for lead in range(0x81, 0xFF):
            for trail in range(0x40, 0xFF):
                try:
                    char = bytes((lead, trail)).decode(item)
                except UnicodeDecodeError:
                    continue
                if len(char) == 1:
                    points.add(ord(char))
    return frozenset(points)


@dataclass(frozen=True)
class SubsetFace:
    """One weight of a cut-down body face: its CSS family name and project-relative file."""

    family: str
    weight: int
    rel: str


def body_subsets(root: Path, family: str, spec: tuple[str, ...], coverage: FontCoverage) -> tuple[SubsetFace, ...]:
    """The regular and bold faces of ``family`` cut down to ``charset(spec)``, made when
    missing. The family name and file names carry a hash of everything that shapes the
    subset (source files, characters, HarfBuzz's version), so a changed font gets a new
    name: a worker's font configuration keeps every @font-face it has seen."""
    import uharfbuzz

    faces: list[tuple[int, tuple[Path, int]]] = []
    for weight, style in ((400, "Regular"), (700, "Bold")):
        face = coverage.resolve(family, style)
        if face is not None and all(face != seen for _, seen in faces):
            faces.append((weight, face))
    if not faces:
        raise FileNotFoundError(f"font '{family}' is not installed")
    from fontTools import version as fonttools_version

    points = sorted(charset(spec))
    # Both tools shape the file (HarfBuzz cuts, fontTools renumbers), and the method is in
    # the key too: a face cut before renumbering is never taken for a renumbered one.
    key = _made_key(f"uharfbuzz {uharfbuzz.__version__}, fontTools {fonttools_version}, {_CUT_METHOD}", faces, points)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", family).strip("-")
    out = []
    for weight, face in faces:
        rel = f"{MADE_FONTS_DIR}{slug}-{weight}-{key}.otf"
        if not (root / rel).is_file():
            _cut(face, points, root / rel)
        out.append(SubsetFace(f"{family} {key}", weight, rel))
    return tuple(out)


# Names the way _cut makes a face; part of its key, so change it when the method changes.
_CUT_METHOD = "hb-subset, cid=gid"


def _cut(face: tuple[Path, int], points: list[int], dest: Path) -> None:
    """Subset with HarfBuzz (0.2 s for a CJK face; fontTools takes 5 s), then renumber
    (0.4 s). HarfBuzz's default options keep the layout features shaping needs (locl,
    vert, halt, ...) and names."""
    import uharfbuzz

    source = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(face[0])), face[1])
    wanted = uharfbuzz.SubsetInput()
    wanted.unicode_set.update(points)
    subset = uharfbuzz.subset(source, wanted)
    if subset is None:
        raise ValueError(f"HarfBuzz could not subset '{face[0]}'")
    atomic_write(dest, cid_is_gid(subset.blob.data))


def cid_is_gid(data: bytes) -> bytes:
    """A CID-keyed CFF face renumbered so that every glyph's CID equals its glyph id.

    HarfBuzz keeps each glyph's original CID in the cut face's charset (glyph 3,000 may be
    CID 40,000). WeasyPrint embeds the face as CIDFontType0C and writes glyph ids into the
    content stream, and a CIDFontType0 has no CIDToGIDMap: a reader that follows the
    specification (MuPDF, Ghostscript) looks each code up as a CID in the charset and
    draws the wrong glyph or none. Poppler and PDFium happen to use the code as a glyph id.

    Only the charset changes. Glyph ids stay as they are, so every other table (cmap,
    GSUB, GPOS, hmtx, vmtx, VORG) is copied byte for byte, and in the CFF table the
    CharStrings (written in charset order, each glyph at its index), FDSelect (indexed by
    glyph id) and the subroutines are kept; CIDCount shrinks to the glyph count. Faces
    that are not CID-keyed, or are already numbered so, come back unchanged."""
    from fontTools.ttLib import TTFont

    # lazy: only the CFF table is parsed; recalcBBoxes off, so no glyph is decompiled and
    # head (whose checksum adjustment alone changes) is not recompiled with new dates.
    font = TTFont(io.BytesIO(data), lazy=True, recalcBBoxes=False, recalcTimestamp=False)
    if "CFF " not in font:
        return data
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return data
    names = [".notdef", *(f"cid{gid:05d}" for gid in range(1, len(top.charset)))]
    if top.charset == names:
        return data
    strings = top.CharStrings
    # Read from a file, CharStrings maps each name to its glyph's index in the CharStrings
    # INDEX, which is its glyph id; give every index its new name.
    if not strings.charStringsAreIndexed or [strings.charStrings[name] for name in top.charset] != list(range(len(names))):
        raise ValueError("unexpected CFF layout: CharStrings are not in glyph order")
    strings.charStrings = {name: gid for gid, name in enumerate(names)}
    top.charset = names
    top.CIDCount = len(names)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
