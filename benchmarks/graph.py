"""How the build graph scales: no-op and one-edit builds of generated libraries.

    .venv/bin/python benchmarks/graph.py                 # 3,000 and 20,000 outputs (about 25 minutes)
    .venv/bin/python benchmarks/graph.py --sizes 3000    # one size only

Each library is N/20 one-page resources in 20 Latin-script languages (pseudo-translations:
the English text as the translation, so every catalog is complete). It is built once in
full, then measured: a no-op build (best of three), and one edited resource (its English
paragraph and its 19 catalogs changed, as after a translated edit), which must rebuild
exactly that resource's 20 outputs. The shipped library's no-op is measured in the same
run as the baseline, and every figure is also given per output and as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
WORKERS = 2
LANGUAGES = ("en", "sq", "bs", "hr", "cs", "da", "nl", "fi", "fr", "de", "hu", "id", "it", "ms", "pl", "pt", "ro", "es", "sv", "tr")
PO_HEADER = (
    'msgid ""\nmsgstr ""\n"Language: {lang}\\n"\n"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=utf-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n\n'
)


def body(i: int, extra: str = "") -> str:
    return (
        f"## Why it helps\n\nSlow breathing tells the body it is safe, resource {i}.{extra}\n\n"
        "## Try it\n\n1. Breathe in through your nose.\n2. Breathe out a little longer.\n"
    )


def messages(i: int, extra: str = "") -> list[str]:
    return [f"Generated Resource {i}", "A generated one-page resource.", "Why it helps",
            f"Slow breathing tells the body it is safe, resource {i}.{extra}", "Try it",
            "Breathe in through your nose.", "Breathe out a little longer."]


def write_resource(root: Path, i: int, extra: str = "") -> None:
    rid = f"gen-{i:05d}"
    (root / "handouts" / f"{rid}.md").write_text(
        f"---\nid: {rid}\nkind: exercise\ntitle: Generated Resource {i}\nsummary: A generated one-page resource.\n"
        f"audience: client\nedition: 1\npublished: 2026-11-01\nreview_due: 2028-11-01\nthemes: [benchmark]\n---\n{body(i, extra)}",
        encoding="utf-8",
    )
    for lang in LANGUAGES[1:]:
        # Written directly rather than through `i18n update`: 19,000 catalogs through
        # Babel take longer than the measurements.
        entries = "".join(f'msgctxt "{rid}"\nmsgid "{m}"\nmsgstr "{m}"\n\n' for m in messages(i, extra))
        (root / "translations" / lang / f"{rid}.po").write_text(PO_HEADER.format(lang=lang) + entries, encoding="utf-8")


def generate(dest: Path, outputs: int) -> Path:
    root = dest / f"graph-{outputs}"
    (root / "handouts").mkdir(parents=True)
    shutil.copytree(REPO / "styles", root / "styles")
    shutil.copy(REPO / "handouts/references.yaml", root / "handouts")
    registry = [line for line in (REPO / "translations/languages.yaml").read_text().splitlines() if line.startswith("- ")]
    wanted = [next(line for line in registry if f"tag: {lang}," in line) for lang in LANGUAGES]
    (root / "translations").mkdir()
    (root / "translations/languages.yaml").write_text("\n".join(wanted) + "\n")
    for lang in LANGUAGES[1:]:
        (root / "translations" / lang).mkdir()
    settings = (REPO / "pipeline.yaml").read_text().split("\nreleases:")[0]
    (root / "pipeline.yaml").write_text(settings + "\n")
    for i in range(outputs // len(LANGUAGES)):
        write_resource(root, i)
    return root


def pipeline(root: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([PY, str(REPO / "pipeline.py"), *args, "--project", str(root)], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stderr + done.stdout


def noop(root: Path) -> float:
    return min(pipeline(root, "build")[0] for _ in range(3))


def measure(work: Path, outputs: int, baseline: float) -> dict[str, object]:
    root = generate(work, outputs)
    full, _ = pipeline(root, "build", "--jobs", str(WORKERS))
    built = len(list((root / "dist/handouts").rglob("*.pdf")))
    idle = noop(root)
    write_resource(root, 0, " Notice the pause.")
    edit, said = pipeline(root, "build", "--jobs", str(WORKERS))
    counts = re.search(r"built (\d+), up to date (\d+)", said)
    return {
        "outputs": built,
        "full_build_s": round(full, 1),
        "ms_per_output_rendered": round(1000 * full / built, 1),
        "noop_s": round(idle, 3),
        "noop_us_per_output": round(1e6 * idle / built, 1),
        "noop_vs_sample_library": round(idle / baseline, 2),
        "one_edit_s": round(edit, 2),
        "one_edit_built": int(counts.group(1)) if counts else None,
        "one_edit_up_to_date": int(counts.group(2)) if counts else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[3000, 20000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sample = work / "sample"
        sample.mkdir()
        for name in ("pipeline.yaml",):
            shutil.copy(REPO / name, sample)
        for folder in ("handouts", "styles", "translations"):
            shutil.copytree(REPO / folder, sample / folder)
        pipeline(sample, "build", "--jobs", str(WORKERS))
        outputs = sum(1 for _ in (sample / "dist").rglob("*.pdf"))
        baseline = noop(sample)
        results: dict[str, object] = {"sample_library": {"outputs_with_parts": outputs, "noop_s": round(baseline, 3)}}
        for size in args.sizes:
            results[str(size)] = measure(work, size, baseline)
        sizes = [results[str(s)] for s in args.sizes]
        if len(sizes) >= 2:
            small, large = sizes[0], sizes[-1]
            assert isinstance(small, dict) and isinstance(large, dict)
            marginal = (float(large["noop_s"]) - float(small["noop_s"])) / (int(large["outputs"]) - int(small["outputs"]))
            results["projection_200000"] = {
                "noop_us_per_output_marginal": round(1e6 * marginal, 1),
                "noop_s": round(float(large["noop_s"]) + marginal * (200_000 - int(large["outputs"])), 1),
                "full_build_h_on_2_cores": round(float(large["ms_per_output_rendered"]) * 200_000 / 3.6e6, 1),
            }
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
