"""The text layer, language by language: what Poppler (pdftotext) and PDFium extract from
each language's relaxed-breathing PDF, measured against the kept HTML it was made from.

    .venv/bin/python benchmarks/textlayer.py dist                 # one build
    .venv/bin/python benchmarks/textlayer.py /tmp/dist0 dist      # before and after, side by side
    .venv/bin/python benchmarks/textlayer.py dist --lang my --details

Each DIST is a build's dist/ folder (handouts/<lang>/<id>.pdf and html/<lang>/<id>.html,
so built with --keep-html). Per extractor the table gives the share of letter pairs in
the extracted text that never occur in the source (tests/readers/text.py: at most 0.5 %
passes) and how many of the source's paragraphs, list items and headings are not a
stretch of the extracted text. The measure is the one tests/test_readers.py applies.
"""

from __future__ import annotations

import argparse
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
    return f"{layer.pairs.share:>7.2%} {len(layer.missing):>3}/{layer.paragraphs:<3}{mark}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dists", nargs="+", type=Path, help="dist/ folders of builds made with --keep-html")
    parser.add_argument("--lang", action="append", help="only these languages (repeatable)")
    parser.add_argument("--details", action="store_true", help="also print the foreign pairs and the missing paragraphs")
    args = parser.parse_args()
    langs = args.lang or sorted({p.parent.name for dist in args.dists for p in (dist / "handouts").glob(f"*/{RESOURCE}.pdf")})
    heads = [f"{dist}: {name}" for dist in args.dists for name in EXTRACTORS]
    print("share of letter pairs not in the source, and paragraphs not found / paragraphs; * fails")
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
