"""First-page previews for the catalog page: a small PNG of each resource and pack in each
language, made from its built PDF, so that staff can recognise a sheet by its look.

One preview per resource (or pack) and language, from its client version where there is
one (else the first variant built). Poppler's ``pdftoppm`` draws the page; Pillow reduces
it to a 32-colour palette, which keeps a preview near 10 KB and the page quick from a USB
stick. Both are deterministic, so the same PDF gives the same bytes. A preview is a target
like any other: its key is its PDF's hash and the tools' versions, so it is remade only
when its PDF changes, and removed with it.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from .cache import InputHasher, outdated, verdict
from .errors import PressError, Problem
from .store import Records
from .variants import VARIANTS

PREVIEW_DIR = "previews"
# Long side in pixels: twice the 150 CSS pixels the catalog shows, for sharp phone screens.
PREVIEW_SIZE = 300
PREVIEW_COLOURS = 32


def chosen_pdfs(present: Iterable[str]) -> dict[str, str]:
    """Preview path -> the PDF it is made from, both relative to dist/ (or a bundle): per
    resource and language, the first variant in VARIANTS' order (the client version)."""
    found: dict[str, tuple[int, str]] = {}
    for rel in sorted(present):
        folder, lang, name = rel.split("/")[-3:]
        rank, stem = _variant_of(name.removesuffix(".pdf"))
        preview = f"{PREVIEW_DIR}/{folder}/{lang}/{stem}.png"
        if preview not in found or rank < found[preview][0]:
            found[preview] = (rank, rel)
    return {preview: rel for preview, (_, rel) in found.items()}


def _variant_of(stem: str) -> tuple[int, str]:
    """The variant's place in VARIANTS and the resource id of an output's file stem."""
    for rank, variant in enumerate(VARIANTS.values()):
        if variant.suffix and stem.endswith(variant.suffix):
            return rank, stem.removesuffix(variant.suffix)
    return 0, stem  # the client version has no suffix


def preview_versions() -> str:
    """What a preview's bytes depend on besides its PDF: Poppler and Pillow."""
    try:
        poppler = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "poppler-utils"], capture_output=True, text=True, check=False).stdout
    except OSError:
        poppler = ""
    return f"poppler-utils={poppler or 'unknown'};pillow={metadata.version('pillow')};size={PREVIEW_SIZE};colours={PREVIEW_COLOURS}"


def render_preview(pdf: Path) -> bytes:
    """The first page of ``pdf`` as a small palette PNG."""
    from PIL import Image

    try:
        drawn = subprocess.run(
            ["pdftoppm", "-f", "1", "-l", "1", "-singlefile", "-scale-to", str(PREVIEW_SIZE), "-png", str(pdf)],
            capture_output=True, check=True,
        ).stdout
    except FileNotFoundError as err:
        raise PressError([Problem(str(pdf), 0, "pdftoppm (Debian package poppler-utils) is needed for catalog previews; run `make setup`")]) from err
    except subprocess.CalledProcessError as err:
        raise PressError([Problem(str(pdf), 0, f"pdftoppm could not draw the first page: {err.stderr.decode(errors='replace').strip()}")]) from err
    with Image.open(io.BytesIO(drawn)) as image:
        palette = image.convert("RGB").quantize(colors=PREVIEW_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def make_previews(root: Path, records: Records, hasher: InputHasher, present: set[str], jobs: int, say: Callable[[str], None] | None = None) -> set[str]:
    """Bring dist/previews up to date with the PDFs in ``present`` (paths under dist/);
    remove previews whose PDF is gone. Returns the preview paths, relative to dist/."""
    wanted = {f"dist/{preview}": f"dist/{pdf}" for preview, pdf in chosen_pdfs(present).items()}
    versions = preview_versions()
    todo: list[tuple[str, str, dict[str, str]]] = []
    for output, pdf in sorted(wanted.items()):
        record = records.records.get(pdf)
        static = {"pdf": record.output_sha if record is not None else "", "tools": versions}
        reason = outdated(records, hasher, root, output, static)
        if say is not None:
            say(verdict(output, reason))
        if reason is not None:
            todo.append((output, pdf, static))
    # pdftoppm runs in its own process: threads are enough to keep every core busy.
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for (output, _pdf, static), data in zip(todo, pool.map(lambda item: render_preview(root / item[1]), todo), strict=True):
            records.store(root, output, data, static, {})
    for output in records.outputs("preview"):
        if output not in wanted:
            (root / output).unlink(missing_ok=True)
            records.forget(output)
            if say is not None:
                say(f"{output}: removed, its PDF is gone")
    return {output.removeprefix("dist/") for output in wanted}
