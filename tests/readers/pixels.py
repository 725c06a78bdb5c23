"""Page images from MuPDF, Ghostscript and PDFium compared with Poppler's, and qpdf's
syntax check."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageFilter

# --------------------------------------------------------------------------------------
# Rendering, and comparing page images
#
# Each reader draws page N at the same resolution in 8-bit grey; whatever it prints on
# stdout or stderr is its complaint about the file. MuPDF gets -N: Debian's build has no
# colour management and says so ("ICC support is not available") for every file, which
# is about the reader, not the PDF; -q drops its progress lines.

DPI = 60


@dataclass
class Rendered:
    reader: str
    image: Image.Image
    messages: str


def _run(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    messages = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        messages = f"exit {result.returncode}\n{messages}"
    return messages


_PDFIUM_SCRIPT = """
import sys, pypdfium2
document = pypdfium2.PdfDocument(sys.argv[1])
page = document[int(sys.argv[2]) - 1]
page.render(scale=float(sys.argv[3]) / 72, grayscale=True).to_pil().convert("L").save(sys.argv[4])
"""


def render(reader: str, pdf: Path, page: int, out: Path, dpi: int = DPI) -> Rendered:
    """Page ``page`` (from 1) of ``pdf`` drawn by ``reader`` into the folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    png = out / f"{pdf.parent.name}-{pdf.stem}-{page}-{reader}.png"
    if reader == "poppler":
        messages = _run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(png.with_suffix(""))])
    elif reader == "mupdf":
        messages = _run(["mutool", "draw", "-q", "-N", "-c", "gray", "-r", str(dpi), "-o", str(png), str(pdf), str(page)])
    elif reader == "ghostscript":
        # Text and graphics antialiased as the other readers do by default.
        messages = _run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", f"-r{dpi}", "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4",
                         f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={png}", str(pdf)])
    elif reader == "pdfium":
        # In its own process, so that whatever PDFium prints is caught like the others'.
        messages = _run([sys.executable, "-c", _PDFIUM_SCRIPT, str(pdf), str(page), str(dpi), str(png)])
    else:
        raise ValueError(f"unknown reader {reader!r}")
    image = Image.open(png).convert("L") if png.is_file() else Image.new("L", (1, 1), 255)
    return Rendered(reader, image, messages)


# The comparison. Readers rasterise glyph edges differently (antialiasing, hinting,
# stem darkening, a sub-pixel shift of the page origin) and may round the page size to a
# pixel either way, so the images are cropped to their common size, halved (box filter)
# and blurred (Gaussian, radius BLUR): what is left is the shape of the ink at 30 dpi,
# fine enough that a Chinese character drawn as another one still shows. A pixel
# differs when the two images are more than DIFF_LEVEL grey levels apart there. The
# share of differing pixels is taken over the inked pixels (darker than white by more
# than DIFF_LEVEL in either image), not over the page: a page of text is mostly paper,
# so a page-wide share would let a blank page pass under a few per cent.
#
# Measured on relaxed-breathing page 1 in the 20 CJK and complex-script languages and
# English, and on 33 other pages (handouts and packs, Latin, Cyrillic and others):
# MuPDF and PDFium differ from Poppler on at most 0.5 % of inked pixels, Ghostscript
# (heavier glyph edges) on at most 3.0 %. The CJK faces cut before renumbering, whose
# codes those readers take for CIDs: MuPDF draws them blank, 87-88 %; Ghostscript draws
# other characters of much the same weight in their place, 23-42 % on a page of
# Chinese, Japanese or Korean and 9.5 % on the mini project's zh-Hans page, where
# Latin text takes much of the ink (the hardest case to see); an all-white page, 100 %.
# MAX_DIFFERING is twice the worst good page and below the mildest broken one.
BLUR = 1.2
DIFF_LEVEL = 24
MAX_DIFFERING = 0.06


@dataclass(frozen=True)
class Difference:
    differing: int
    inked: int

    @property
    def share(self) -> float:
        return self.differing / self.inked if self.inked else 0.0


def _prepared(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    cropped = image.convert("L").crop((0, 0, *size))
    return cropped.reduce(2).filter(ImageFilter.GaussianBlur(BLUR))


def difference(reference: Image.Image, other: Image.Image) -> Difference:
    size = (min(reference.width, other.width), min(reference.height, other.height))
    a, b = _prepared(reference, size), _prepared(other, size)
    apart = ImageChops.difference(a, b).point(lambda v: 255 if v > DIFF_LEVEL else 0)
    ink = ImageChops.darker(a, b).point(lambda v: 255 if v < 255 - DIFF_LEVEL else 0)
    return Difference(apart.histogram()[255], ink.histogram()[255])


def render_problems(pdf: Path, page: int, out: Path, readers: tuple[str, ...] = ("mupdf", "ghostscript", "pdfium")) -> list[str]:
    """Each reader's complaints about the page, and pages that do not look like
    Poppler's."""
    reference = render("poppler", pdf, page, out)
    problems = [f"{pdf} page {page}: pdftoppm says: {reference.messages}"] if reference.messages else []
    for reader in readers:
        drawn = render(reader, pdf, page, out)
        if drawn.messages:
            problems.append(f"{pdf} page {page}: {reader} says: {_first_lines(drawn.messages)}")
        if abs(drawn.image.width - reference.image.width) > 2 or abs(drawn.image.height - reference.image.height) > 2:
            problems.append(f"{pdf} page {page}: {reader} draws {drawn.image.size} pixels, Poppler {reference.image.size}")
            continue
        apart = difference(reference.image, drawn.image)
        if apart.share > MAX_DIFFERING:
            problems.append(f"{pdf} page {page}: {reader}'s page differs from Poppler's on {apart.share:.1%} of inked pixels "
                            f"(at most {MAX_DIFFERING:.0%}); images in {out}")
    return problems


def _first_lines(messages: str, limit: int = 5) -> str:
    lines = messages.splitlines()
    more = f" ... ({len(lines) - limit} more lines)" if len(lines) > limit else ""
    return " | ".join(lines[:limit]) + more


# --------------------------------------------------------------------------------------
# qpdf


def qpdf_problems(pdf: Path) -> list[str]:
    """What ``qpdf --check`` finds wrong with the file's syntax, streams and xref; qpdf
    exits 0 when all is well, 3 with warnings, 2 with errors."""
    result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True, timeout=300)
    if result.returncode == 0:
        return []
    return [f"{pdf}: qpdf --check exit {result.returncode}: {_first_lines((result.stderr + result.stdout).strip())}"]


