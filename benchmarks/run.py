"""Handout Press benchmarks: one command, ratios measured in the same run.

    .venv/bin/python benchmarks/run.py            # the library in en and zh-Hans, packs, no-op, one edit
    .venv/bin/python benchmarks/run.py --large    # also a generated library of up to 1,000 resources x 3 languages

Every figure is wall-clock time on this machine, and every comparison is a ratio of two
measurements taken in the same run, so a noisy machine shifts both sides alike.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
WORKERS = 2


def pipeline(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([PY, str(REPO / "pipeline.py"), *args[:1], "--project", str(root), *args[1:]], check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def copy_library(dest: Path, packs: bool = True) -> Path:
    root = dest / "library"
    root.mkdir(parents=True)
    shutil.copy(REPO / "pipeline.yaml", root)
    shutil.copytree(REPO / "handouts", root / "handouts")
    shutil.copytree(REPO / "styles", root / "styles")
    shutil.copytree(REPO / "translations", root / "translations")
    if not packs:
        (root / "handouts/packs.yaml").unlink()
    return root


def _bare_worker(paths: list[str]) -> list[tuple[str, float, int]]:
    """Bare WeasyPrint in one process: shared FontConfiguration, no pipeline around it."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    out = []
    for path in paths:
        started = time.perf_counter()
        pdf = HTML(filename=path).write_pdf(font_config=fonts, pdf_forms=True, pdf_tags=True)
        out.append((path, time.perf_counter() - started, len(pdf)))
    return out


def bare_inprocess(html: list[Path]) -> tuple[float, list[tuple[str, float, int]]]:
    """The same HTML rendered by WORKERS processes that import WeasyPrint once each."""
    chunks = [[str(p) for p in html[i::WORKERS]] for i in range(WORKERS)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        results = pool.map(_bare_worker, chunks)
    return time.perf_counter() - started, [r for chunk in results for r in chunk]


def naive_commands(html: list[Path], out: Path) -> float:
    """The naive way: the `weasyprint` command on each kept HTML file, WORKERS at a time."""
    weasyprint = str(Path(PY).with_name("weasyprint"))
    out.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> None:
        subprocess.run([weasyprint, str(path), str(out / f"{path.parent.name}-{path.stem}.pdf")], check=True, capture_output=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(one, html))
    return time.perf_counter() - started


def library_benchmarks(work: Path) -> dict[str, object]:
    results: dict[str, object] = {}
    root = copy_library(work / "handouts-only", packs=False)
    langs = ["--lang", "en", "--lang", "zh-Hans"]
    pipeline(root, "build", *langs, "--jobs", str(WORKERS), "--keep-html")  # warm the disk cache, write HTML
    html = sorted((root / "dist/html").rglob("*.html"))
    results["documents"] = len(html)
    full = min(pipeline(root, "build", *langs, "--force", "--jobs", str(WORKERS)) for _ in range(2))
    naive = naive_commands(html, work / "naive")
    bare, per_doc = bare_inprocess(html)
    results["full_build_s"] = round(full, 2)
    results["naive_weasyprint_command_s"] = round(naive, 2)
    results["bare_inprocess_weasyprint_s"] = round(bare, 2)
    results["speedup_over_naive"] = round(naive / full, 2)
    results["overhead_over_bare"] = f"{100 * (full / bare - 1):.1f}%"
    times = {lang: [t for p, t, _ in per_doc if f"/{lang}/" in p] for lang in ("en", "zh-Hans")}
    sizes = {lang: [s for p, _, s in per_doc if f"/{lang}/" in p] for lang in ("en", "zh-Hans")}
    results["mean_render_s"] = {lang: round(statistics.mean(v), 3) for lang, v in times.items()}
    results["zh_Hans_over_en_time"] = round(statistics.mean(times["zh-Hans"]) / statistics.mean(times["en"]), 2)
    results["mean_pdf_kb"] = {lang: round(statistics.mean(v) / 1024, 1) for lang, v in sizes.items()}
    # No-op and one-edit rebuilds on the full library with packs, every language.
    full_root = copy_library(work / "full")
    started = time.perf_counter()
    pipeline(full_root, "build", "--jobs", str(WORKERS))
    results["full_build_all_languages_with_packs_s"] = round(time.perf_counter() - started, 2)
    results["outputs_all_languages"] = len(list((full_root / "dist").rglob("*.pdf"))) - len(list((full_root / "dist/.press").rglob("*.pdf")))
    results["noop_build_s"] = round(min(pipeline(full_root, "build") for _ in range(3)), 3)
    source = full_root / "handouts/relaxed-breathing.md"
    text = source.read_text()
    source.write_text(text.replace("Sit comfortably", "Sit or lie comfortably", 1) if "Sit comfortably" in text else text + "\n")
    results["one_edit_rebuild_s"] = round(pipeline(full_root, "build", "--jobs", str(WORKERS)), 2)
    source.write_text(text)
    pipeline(full_root, "build", "--jobs", str(WORKERS))
    return results


def pack_benchmarks(work: Path) -> dict[str, object]:
    """Assembling the English packs against rendering their resources from scratch."""
    root = copy_library(work / "packs")
    pipeline(root, "build", "--lang", "en", "--jobs", "1")
    for pdf in (root / "dist/packs/en").glob("*.pdf"):
        pdf.unlink()
    started = time.perf_counter()
    pipeline(root, "build", "--lang", "en", "--jobs", "1")  # only the packs are out of date
    assembly = time.perf_counter() - started
    noop = pipeline(root, "build", "--lang", "en", "--jobs", "1")
    import yaml

    packs = yaml.safe_load((root / "handouts/packs.yaml").read_text())
    html = [root / "dist/html/en" / f"{r}.html" for pack in packs for r in pack["resources"]]
    pipeline(root, "build", "--lang", "en", "--jobs", "1", "--keep-html")
    started = time.perf_counter()
    _bare_worker([str(p) for p in html])  # one process, like the pack stage
    scratch = time.perf_counter() - started
    return {
        "packs": len(packs),
        "pack_resources": len(html),
        "assembly_s_excluding_process_start": round(assembly - noop, 2),
        "render_resources_from_scratch_s": round(scratch, 2),
        "assembly_over_scratch": round((assembly - noop) / scratch, 2),
        "pack_kb": {p.stem: round(p.stat().st_size / 1024) for p in sorted((root / "dist/packs/en").glob("*.pdf"))},
    }


def generated_library(dest: Path, count: int) -> Path:
    """A library of ``count`` one-page resources in en, es and fr (pseudo-translations)."""
    root = dest / f"gen-{count}"
    (root / "handouts").mkdir(parents=True)
    shutil.copytree(REPO / "styles", root / "styles")
    shutil.copy(REPO / "handouts/references.yaml", root / "handouts")
    (root / "translations").mkdir()
    (root / "translations/languages.yaml").write_text(
        "- {tag: en, name: English, script: Latn, direction: ltr}\n- {tag: es, name: Spanish, script: Latn, direction: ltr}\n- {tag: fr, name: French, script: Latn, direction: ltr}\n"
    )
    (root / "pipeline.yaml").write_text((REPO / "pipeline.yaml").read_text())
    body = (REPO / "handouts/relaxed-breathing.md").read_text().split("---", 2)[2]
    for i in range(count):
        rid = f"generated-{i:04d}"
        (root / "handouts" / f"{rid}.md").write_text(
            f"---\nid: {rid}\nkind: exercise\ntitle: Generated Resource {i}\nsummary: A generated resource for benchmarks.\n"
            f"audience: client\nedition: 1\npublished: 2026-11-01\nreview_due: 2028-11-01\nthemes: [benchmark]\n---\n{body}"
        )
    subprocess.run([PY, str(REPO / "pipeline.py"), "i18n", "update", "--project", str(root), "--lang", "es", "--lang", "fr"], check=True, capture_output=True)
    from babel.messages.pofile import read_po, write_po

    for po in (root / "translations").glob("*/*.po"):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id:
                message.string = str(message.id)  # a pseudo-translation: same text, same layout
        with po.open("wb") as handle:
            write_po(handle, catalog, width=0)
    return root


def large_benchmarks(work: Path) -> dict[str, object]:
    results: dict[str, object] = {}
    for count in (100, 1000):
        root = generated_library(work, count)
        started = time.perf_counter()
        pipeline(root, "build", "--jobs", str(WORKERS))
        elapsed = time.perf_counter() - started
        outputs = len(list((root / "dist/handouts").rglob("*.pdf")))
        noop = pipeline(root, "build")
        results[f"{count}_resources"] = {
            "outputs": outputs,
            "build_s": round(elapsed, 1),
            "ms_per_output": round(1000 * elapsed / outputs, 1),
            "noop_build_s": round(noop, 2),
        }
    results["peak_worker_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", action="store_true", help="also run the generated 1,000-resource library")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="press-bench-") as tmp:
        work = Path(tmp)
        results = {"library": library_benchmarks(work), "packs": pack_benchmarks(work)}
        if args.large:
            results["generated"] = large_benchmarks(work)
    results["machine"] = {"cores": os.cpu_count(), "workers": WORKERS, "python": sys.version.split()[0]}
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
