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
ROUNDS = 3  # interleaved rounds of full build, bare and naive; each way keeps its best


def pipeline(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([PY, str(REPO / "pipeline.py"), *args[:1], "--project", str(root), *args[1:]], check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def _process_tree() -> dict[int, int]:
    """pid -> parent pid for every process now running."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    return parents


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pipeline_memory(root: Path, *args: str) -> tuple[float, dict[str, float]]:
    """Run the pipeline and sample the peak resident memory of its processes: the build
    process itself, and the workers (grandchildren: the build starts a forkserver, which
    starts the workers). VmHWM is the kernel's own high-water mark, so sampling every
    0.1 s misses only what a worker adds in its last 0.1 s."""
    started = time.perf_counter()
    proc = subprocess.Popen([PY, str(REPO / "pipeline.py"), *args[:1], "--project", str(root), *args[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks = {"build_process_mb": 0.0, "worker_mb": 0.0}
    while proc.poll() is None:
        parents = _process_tree()
        for pid, parent in parents.items():
            if pid == proc.pid:
                peaks["build_process_mb"] = max(peaks["build_process_mb"], _peak_rss_mb(pid))
            elif parents.get(parent) == proc.pid:
                peaks["worker_mb"] = max(peaks["worker_mb"], _peak_rss_mb(pid))
        time.sleep(0.1)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, proc.args)
    return time.perf_counter() - started, {k: round(v, 1) for k, v in peaks.items()}


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


def per_document(html: list[Path]) -> dict[str, object]:
    """zh-Hans against en, document by document: one warm process renders each resource in
    both languages one after the other, twice, and keeps each document's best time."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    best: dict[Path, float] = {}
    sizes: dict[Path, int] = {}
    en = [p for p in html if p.parent.name == "en"]
    pairs = [(p, p.parent.parent / "zh-Hans" / p.name) for p in en if (p.parent.parent / "zh-Hans" / p.name).is_file()]
    HTML(filename=str(pairs[0][0])).write_pdf(font_config=fonts)  # load fonts before timing
    HTML(filename=str(pairs[0][1])).write_pdf(font_config=fonts)
    for _ in range(2):
        for pair in pairs:
            for path in pair:
                started = time.perf_counter()
                pdf = HTML(filename=str(path)).write_pdf(font_config=fonts, pdf_forms=True, pdf_tags=True)
                best[path] = min(best.get(path, 1e9), time.perf_counter() - started)
                sizes[path] = len(pdf)
    en_time = statistics.mean(best[a] for a, _ in pairs)
    zh_time = statistics.mean(best[b] for _, b in pairs)
    return {
        "mean_render_s": {"en": round(en_time, 3), "zh-Hans": round(zh_time, 3)},
        "zh_Hans_over_en_time": round(zh_time / en_time, 2),
        "mean_pdf_kb": {"en": round(statistics.mean(sizes[a] for a, _ in pairs) / 1024, 1), "zh-Hans": round(statistics.mean(sizes[b] for _, b in pairs) / 1024, 1)},
    }


def bare_inprocess(html: list[Path]) -> tuple[float, list[tuple[str, float, int]]]:
    """The same HTML rendered by WORKERS processes that import WeasyPrint once each."""
    chunks = [[str(p) for p in html[i::WORKERS]] for i in range(WORKERS)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(WORKERS) as pool:
        results = pool.map(_bare_worker, chunks)
    return time.perf_counter() - started, [r for chunk in results for r in chunk]


def naive_commands(html: list[Path], out: Path) -> float:
    """The naive way: the `weasyprint` command on each kept HTML file, WORKERS at a time,
    with the options that make the same PDFs (fillable fields, tags)."""
    weasyprint = str(Path(PY).with_name("weasyprint"))
    out.mkdir(parents=True, exist_ok=True)

    def one(path: Path) -> None:
        subprocess.run([weasyprint, "--pdf-forms", "--pdf-tags", str(path), str(out / f"{path.parent.name}-{path.stem}.pdf")], check=True, capture_output=True)

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
    # Rounds interleave the three ways, and each keeps its best round: a busy spell on a
    # shared machine then slows one round of every way rather than one way.
    rounds = []
    for _ in range(ROUNDS):
        full = pipeline(root, "build", *langs, "--force", "--jobs", str(WORKERS))
        bare, _ = bare_inprocess(html)
        naive = naive_commands(html, work / "naive")
        rounds.append((full, bare, naive))
    results["rounds_full_bare_naive_s"] = [[round(x, 2) for x in r] for r in rounds]
    # Each round's own ratios too: the two sides of one round ran minutes apart at most.
    results["speedup_over_naive_per_round"] = [round(r[2] / r[0], 2) for r in rounds]
    full, bare, naive = (min(r[i] for r in rounds) for i in range(3))
    results["full_build_s"] = round(full, 2)
    results["naive_weasyprint_command_s"] = round(naive, 2)
    results["bare_inprocess_weasyprint_s"] = round(bare, 2)
    results["speedup_over_naive"] = round(naive / full, 2)
    results["overhead_over_bare"] = f"{100 * (full / bare - 1):.1f}%"
    results.update(per_document(html))
    # No-op and one-edit rebuilds on the full library with packs, every language.
    full_root = copy_library(work / "full")
    started = time.perf_counter()
    pipeline(full_root, "build", "--jobs", str(WORKERS))
    results["full_build_all_languages_with_packs_s"] = round(time.perf_counter() - started, 2)
    results["outputs_all_languages"] = len(list((full_root / "dist").rglob("*.pdf"))) - len(list((full_root / "dist/.press").rglob("*.pdf")))
    results["noop_build_s"] = round(min(pipeline(full_root, "build") for _ in range(3)), 3)
    source = full_root / "handouts/relaxed-breathing.md"
    text = source.read_text()
    # Reword the first paragraph of the body, as an editor would.
    body = text.split("---", 2)[2]
    paragraph = next(line for line in body.splitlines() if line[:1].isupper() and len(line) > 40)
    source.write_text(text.replace(paragraph, paragraph.rstrip(".") + ", and that is normal.", 1))
    results["one_edit_rebuild_s"] = round(pipeline(full_root, "build", "--jobs", str(WORKERS)), 2)
    source.write_text(text)
    pipeline(full_root, "build", "--jobs", str(WORKERS))
    return results


def pack_benchmarks(work: Path) -> dict[str, object]:
    """Assembling the English packs against rendering their resources from scratch, both
    through the pipeline with the same workers; start-up is taken off both (a no-op build)."""
    import yaml

    root = copy_library(work / "packs")
    jobs = ["--lang", "en", "--jobs", str(WORKERS)]
    pipeline(root, "build", *jobs)
    packs = yaml.safe_load((root / "handouts/packs.yaml").read_text())
    resources = sorted({r for pack in packs for r in pack["resources"]})
    noop = min(pipeline(root, "build", *jobs) for _ in range(3))

    def assemble(cold: bool) -> float:
        for pdf in (root / "dist/packs/en").glob("*.pdf"):
            pdf.unlink()
        if cold:
            for pdf in (root / "dist/.press/skeletons/en").glob("*.pdf"):
                pdf.unlink()
        return pipeline(root, "build", *jobs) - noop  # only the packs are out of date

    warm = min(assemble(cold=False) for _ in range(3))
    cold = min(assemble(cold=True) for _ in range(3))
    scratch_root = copy_library(work / "packs-scratch", packs=False)
    pipeline(scratch_root, "build", *jobs)
    only = [a for r in resources for a in ("--only", r)]
    scratch_noop = min(pipeline(scratch_root, "build", *jobs, *only) for _ in range(3))
    scratch = min(pipeline(scratch_root, "build", *jobs, *only, "--force") for _ in range(2)) - scratch_noop
    return {
        "packs": len(packs),
        "pack_resources": len(resources),
        "render_resources_from_scratch_s": round(scratch, 2),
        "assembly_s": round(warm, 2),
        "assembly_over_scratch": round(warm / scratch, 2),
        "assembly_with_skeleton_render_s": round(cold, 2),
        "cold_assembly_over_scratch": round(cold / scratch, 2),
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
        elapsed, memory = pipeline_memory(root, "build", "--jobs", str(WORKERS))
        outputs = len(list((root / "dist/handouts").rglob("*.pdf")))
        noop = pipeline(root, "build")
        results[f"{count}_resources"] = {
            "outputs": outputs,
            "build_s": round(elapsed, 1),
            "ms_per_output": round(1000 * elapsed / outputs, 1),
            "noop_build_s": round(noop, 2),
            "peak_rss": memory,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", action="store_true", help="also run the generated 1,000-resource library")
    parser.add_argument("--only", choices=("library", "packs", "generated"), action="append", help="run only these parts (repeatable)")
    args = parser.parse_args()
    parts = args.only or ["library", "packs"] + (["generated"] if args.large else [])
    benchmarks = {"library": library_benchmarks, "packs": pack_benchmarks, "generated": large_benchmarks}
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="press-bench-") as tmp:
        for part in parts:
            results[part] = benchmarks[part](Path(tmp))
    results["machine"] = {"cores": os.cpu_count(), "workers": WORKERS, "python": sys.version.split()[0]}
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
