"""What variants cost: a full build with all three variants against the client version
alone, and each variant's compose-and-render cost per page against the client version's.

    .venv/bin/python benchmarks/variants.py                      # en, ar, zh-Hans, hi (about 6 minutes)
    .venv/bin/python benchmarks/variants.py --lang en --lang es  # other languages

Every build starts from an empty dist/ in a fresh copy of the shipped library, with two
workers, so all of them are measured in the same run on the same machine. A build's pages
are those it rendered: its handouts, pack parts and pack skeletons. The cost per page is
measured apart, in one process, over the same documents in every variant.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKERS = 2


def copy_library(dest: Path) -> Path:
    root = dest / "library"
    root.mkdir(parents=True)
    shutil.copy(REPO / "pipeline.yaml", root)
    for folder in ("handouts", "styles", "translations"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def build(root: Path, languages: list[str], variants: list[str]) -> tuple[float, int, int]:
    """Seconds, outputs rendered and pages rendered of a build from an empty dist/."""
    shutil.rmtree(root / "dist", ignore_errors=True)
    args = [a for lang in languages for a in ("--lang", lang)] + [a for v in variants for a in ("--variant", v)]
    started = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "pipeline.py"), "build", "--project", str(root), "--jobs", str(WORKERS), *args], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    outputs, pages = _count(root)
    return seconds, outputs, pages


def _count(root: Path) -> tuple[int, int]:
    """Rendered outputs and their pages: every handout, part and skeleton PDF written
    (packs are assembled from those, not rendered)."""
    from pypdf import PdfReader

    outputs = pages = 0
    for folder in ("dist/handouts", "dist/.press/parts", "dist/.press/skeletons"):
        for pdf in (root / folder).rglob("*.pdf"):
            outputs += 1
            pages += len(PdfReader(pdf).pages)
    return outputs, pages


def per_page(root: Path, languages: list[str], rounds: int = 2) -> dict[str, tuple[float, int]]:
    """Compose-and-render seconds and pages per variant, in this process with one warm
    renderer, over the same documents: every resource with professional passages, in
    each language its professional translation is complete (so each variant renders the
    same resources). Best of ``rounds`` per document; no build overhead is counted."""
    sys.path.insert(0, str(REPO))
    from press.catalogs import status_of
    from press.jobs import HandoutJob, Rendition, run_handout_job
    from press.project import load_project
    from press.render import Renderer
    from press.sources import load_library
    from press.targets import Target
    from press.variants import VARIANTS

    project = load_project(root)
    library, _ = load_library(project)
    renderer = Renderer()
    totals = {name: [0.0, 0] for name in VARIANTS}
    for lang in languages:
        for h in library.handouts:
            if not h.passages or (lang != "en" and status_of(project, library, lang, h.id).state != "complete"):
                continue
            for name, variant in VARIANTS.items():
                target = Target(h, lang, "", variant=variant)
                best = float("inf")
                pages = 0
                for n in range(rounds):
                    job = HandoutJob(str(root), f"bench-{lang}-{h.id}-{name}-{n}", h.id, lang, "a4", False, (Rendition(name, False, target.html_path, False),))
                    started = time.perf_counter()
                    (result,) = run_handout_job(job, renderer.render)
                    best = min(best, time.perf_counter() - started)
                    assert result.render is not None, result.problems
                    pages = result.render.pages
                totals[name][0] += best
                totals[name][1] += pages
    return {name: (seconds, int(pages)) for name, (seconds, pages) in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", action="append", dest="languages", help="a language to build (repeatable)")
    options = parser.parse_args()
    languages = options.languages or ["en", "ar", "zh-Hans", "hi"]
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_library(Path(tmp))
        build(root, ["en"], ["client"])  # warm the page cache and the made fonts' folder
        runs = {}
        for name, variants in (("client", ["client"]), ("all three", ["client", "professional", "large-print"])):
            runs[name] = build(root, languages, variants)
            seconds, outputs, pages = runs[name]
            print(f"full build, {name:>9}: {seconds:7.1f} s, {outputs:4d} documents rendered, {pages:5d} pages", flush=True)
        costs = per_page(root, languages)
    base_seconds = runs["client"][0]
    print(f"\nlanguages: {', '.join(languages)}; {WORKERS} workers")
    print(f"full build, all three variants / client only: {runs['all three'][0] / base_seconds:.2f}x "
          f"({runs['all three'][2] / runs['client'][2]:.2f}x the pages)")
    client_seconds, client_pages = costs["client"]
    for name, (seconds, pages) in costs.items():
        print(f"per page, {name:>12}: {1000 * seconds / pages:6.1f} ms over {pages:4d} pages; "
              f"{seconds / pages / (client_seconds / client_pages):.2f}x the client version's")


if __name__ == "__main__":
    main()
