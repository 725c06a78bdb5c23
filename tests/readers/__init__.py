"""Measuring built PDFs with readers we did not write: Poppler, MuPDF, Ghostscript, PDFium,
qpdf and pikepdf. Each check is a small function that returns the problems it found as
sentences naming the file, so a failing test says what is wrong where; the tests and
benchmarks/textlayer.py share them.

Nothing here depends on the engine (press/): it reads PDFs and the kept HTML only."""


from .pixels import MAX_DIFFERING, difference, qpdf_problems, render, render_problems
from .structure import (
    annotation_problems,
    artifact_problems,
    catalog_problems,
    metadata_problems,
    struct_problems,
    structure_problems,
)
from .text import (
    EXTRACTORS,
    MAX_FOREIGN_PAIRS,
    TextLayer,
    margin_texts,
    missing_paragraphs,
    pair_measure,
    pdfium_reorders,
    source_paragraphs,
    squeeze,
    text_layer,
    text_layer_problems,
)

__all__ = [
    "EXTRACTORS", "MAX_DIFFERING", "MAX_FOREIGN_PAIRS", "TextLayer", "annotation_problems", "artifact_problems", "catalog_problems",
    "difference", "margin_texts", "metadata_problems", "missing_paragraphs", "pair_measure", "pdfium_reorders", "qpdf_problems", "render",
    "render_problems", "source_paragraphs", "squeeze", "struct_problems", "structure_problems", "text_layer",
    "text_layer_problems",
]
