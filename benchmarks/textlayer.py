"""The text layer, language by language: what Poppler (pdftotext) and PDFium extract from
each language's relaxed-breathing PDF, measured against the kept HTML it was made from.

    .venv/bin/python benchmarks/textlayer.py dist                 # one build
    .venv/bin/python benchmarks/textlayer.py /tmp/dist0 dist      # before and after, side by side
    .venv/bin/python benchmarks/textlayer.py dist --lang my --details
    .venv/bin/python benchmarks/textlayer.py dist --time --lang ar --lang ur --lang en

Each DIST is a build's dist/ folder (handouts/<lang>/<id>.pdf and html/<lang>/<id>.html,
so built with --keep-html). Per extractor the table gives the share of letter pairs in
the extracted text that never occur in the source (tests/readers/text.py: at most 0.5 %
passes) and how many of the source's paragraphs, list items and headings are not a
stretch of the extracted text; "+N" counts the paragraphs PDFium gives out of order only
because it reverses the parts of a Latin run inside right-to-left text (see
``pdfium_reorders``), which are measured by their letter pairs. The measure is the one
tests/test_readers.py applies.

With --time, each language's kept HTML is rendered instead, three times in each of two
warm processes: one with press/textlayer.py installed, one without (both with
press/pdfua.py), and the best times, their ratio and the PDF sizes are printed: what the
text layer costs, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from readers import EXTRACTORS, MAX_FOREIGN_PAIRS, TextLayer, text_layer

RESOURCE = "relaxed-breathing"


def measure(dist: Path, lang: str) -> dict[str, TextLayer] | None:
    pdf = dist / "handouts" / lang / f"{RESOURCE}.pdf"
    html = dist / "html" / lang / f"{RESOURCE}.html"
    if not pdf.is_file() or not html.is_file():
        return None
    return {name: text_layer(pdf, html, name) for name in EXTRACTORS}


def cell(layer: TextLayer | None) -> str:
    if layer is None:
        return f"{'-':>17}"
    mark = " " if layer.pairs.share <= MAX_FOREIGN_PAIRS and not layer.missing else "*"
    reordered = f"+{len(layer.reordered)}" if layer.reordered else ""
    return f"{layer.pairs.share:>7.2%} {len(layer.missing):>3}{reordered:<2}/{layer.paragraphs:<3}{mark}"


_TIMED = """
import json, os, sys, time
os.environ["SOURCE_DATE_EPOCH"] = "0"
sys.path.insert(0, sys.argv[1])
from press import pdfua, textlayer
if sys.argv[2] == "with":
    textlayer.install()
pdfua.install()
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
fonts = FontConfiguration()
out = {}
for html in sys.argv[3:]:
    best, size = None, 0
    for _ in range(3):
        start = time.perf_counter()
        data = HTML(filename=html).render(font_config=fonts, pdf_forms=True, pdf_tags=True, pdf_variant="pdf/ua-1").write_pdf(
            pdf_forms=True, pdf_tags=True, pdf_variant="pdf/ua-1")
        took = time.perf_counter() - start
        best, size = min(best or took, took), len(data)
    out[html] = [best, size]
print(json.dumps(out))
"""


def timed(dist: Path, langs: list[str]) -> int:
    """Render each language's kept HTML with and without the text layer; print the cost."""
    root = Path(__file__).resolve().parents[1]
    htmls = [str(dist / "html" / lang / f"{RESOURCE}.html") for lang in langs]
    runs = {}
    for which in ("without", "with"):
        done = subprocess.run([sys.executable, "-c", _TIMED, str(root), which, *htmls], capture_output=True, text=True, check=True)
        runs[which] = json.loads(done.stdout)
    print(f"{'lang':<8} {'without':>9} {'with':>9} {'ratio':>6} {'KB without':>11} {'KB with':>8}")
    for lang, html in zip(langs, htmls, strict=True):
        (bare, bare_size), (ours, ours_size) = runs["without"][html], runs["with"][html]
        print(f"{lang:<8} {bare:>8.3f}s {ours:>8.3f}s {ours / bare:>5.2f}x {bare_size / 1024:>11.0f} {ours_size / 1024:>8.0f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dists", nargs="+", type=Path, help="dist/ folders of builds made with --keep-html")
    parser.add_argument("--lang", action="append", help="only these languages (repeatable)")
    parser.add_argument("--details", action="store_true", help="also print the foreign pairs and the missing paragraphs")
    parser.add_argument("--time", action="store_true", help="time rendering the kept HTML with and without the text layer")
    args = parser.parse_args()
    langs = args.lang or sorted({p.parent.name for dist in args.dists for p in (dist / "handouts").glob(f"*/{RESOURCE}.pdf")})
    if args.time:
        return timed(args.dists[-1], langs)
    heads = [f"{dist}: {name}" for dist in args.dists for name in EXTRACTORS]
    print("share of letter pairs not in the source, and paragraphs not found (+ those PDFium's")
    print("own ordering of a Latin run in right-to-left text explains) / paragraphs; * fails")
    print(f"{'lang':<8}" + "".join(f" {head[-17:]:>17}" for head in heads))
    failing = 0
    details = []
    for lang in langs:
        row = []
        for dist in args.dists:
            layers = measure(dist, lang)
            for name in EXTRACTORS:
                layer = layers[name] if layers else None
                row.append(cell(layer))
                if layer and args.details and (layer.pairs.foreign or layer.missing):
                    details.append(f"{lang} {dist} {name}: {layer.pairs}")
                    details.extend(f"    missing: {' '.join(p.split())[:80]}\n        {where}" for p, where in layer.missing)
        failing += any(c.endswith("*") for c in row[-len(EXTRACTORS):])
        print(f"{lang:<8}" + "".join(f" {c}" for c in row))
    print(f"{failing} of {len(langs)} languages fail in {args.dists[-1]}")
    if details:
        print("\n" + "\n".join(details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
