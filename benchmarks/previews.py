"""What the catalog's first-page previews cost, against rendering the PDFs they show.

    .venv/bin/python benchmarks/previews.py                      # en and ar, client versions
    .venv/bin/python benchmarks/previews.py --lang en --lang zh-Hans

In a fresh copy of the shipped library: a full build (PDFs, packs, previews, catalog),
then, three times each, a no-op build and a build with dist/previews removed (every
preview remade, nothing else). The preview cost is the second less the first; it is
printed per preview and against the full build's time, all from the same run.
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


def timed_build(root: Path, args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(REPO / "pipeline.py"), "build", "--project", str(root), "--jobs", str(WORKERS), *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", action="append", default=[])
    options = parser.parse_args()
    languages = options.lang or ["en", "ar"]
    args = [a for lang in languages for a in ("--lang", lang)] + ["--variant", "client"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "library"
        root.mkdir()
        shutil.copy(REPO / "pipeline.yaml", root)
        for folder in ("handouts", "styles", "translations"):
            shutil.copytree(REPO / folder, root / folder)
        full = timed_build(root, args)
        previews = sorted((root / "dist/previews").rglob("*.png"))
        sizes = [p.stat().st_size for p in previews]
        noop, remade = [], []
        for _ in range(3):
            noop.append(timed_build(root, args))
            shutil.rmtree(root / "dist/previews")
            remade.append(timed_build(root, args))
        cost = min(remade) - min(noop)
        page = (root / "dist/index.html").stat().st_size
    print(f"languages: {', '.join(languages)}; {len(previews)} previews, {sum(sizes) / 1024:.0f} KB ({sum(sizes) / len(sizes) / 1024:.1f} KB each, largest {max(sizes) / 1024:.1f} KB)")
    print(f"full build: {full:.2f} s; catalog page {page / 1024:.0f} KB")
    print(f"no-op build: {min(noop):.2f} s (of {', '.join(f'{t:.2f}' for t in noop)})")
    print(f"every preview remade: {min(remade):.2f} s (of {', '.join(f'{t:.2f}' for t in remade)})")
    print(f"previews: {cost:.2f} s, {1000 * cost / len(previews):.1f} ms each, {cost / full:.3f}x the full build")


if __name__ == "__main__":
    main()
