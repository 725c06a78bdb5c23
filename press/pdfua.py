"""PDF/UA-1 structure that WeasyPrint 70 leaves out (adapts the pinned version).

The renderer asks WeasyPrint for its ``pdf/ua-1`` variant (XMP with the title, language
and PDF/UA identifier; ``DisplayDocTitle``; tags). ``install()`` adds what a screen reader
and a checker still miss, each a small wrapper around one WeasyPrint function:

* Running headers, footers and page numbers (CSS margin boxes) become ``/Artifact``
  marked content. WeasyPrint gives their text MCIDs and then hangs the elements nowhere
  in the tree, so readers either read the footer on every page or meet orphaned content.
* Table header cells get ``/Scope`` (``/Row`` for ``scope="row"``, else ``/Column``).
* Checkboxes and radio buttons get an appearance for their off state as well as the on
  state, and empty text fields an appearance stream, so no viewer has to build them
  (``NeedAppearances`` is dropped once every text field has one).

Everything added is derived from the document alone, so the same input gives the same
bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_MARK = "_press_pdfua"


def install() -> None:
    """Wrap the WeasyPrint functions named above; idempotent."""
    import weasyprint.pdf as pdf_module
    from weasyprint.document import Page
    from weasyprint.pdf import tags
    from weasyprint.pdf.stream import Stream

    if getattr(Page.paint, _MARK, False):
        return
    _wrap_paint(Page)
    _wrap_marked(Stream)
    _wrap_tags(tags)
    _wrap_forms(pdf_module)


def _wrap_paint(page_class: Any) -> None:
    """Tell the page's stream which boxes sit in its margins before it is drawn."""
    from weasyprint.formatting_structure.boxes import MarginBox

    paint = page_class.paint

    def wrapped(self: Any, stream: Any, scale: float = 1) -> Any:
        margins = [box for box in self._page_box.children if isinstance(box, MarginBox)]
        stream._press_artifacts = frozenset(id(b) for margin in margins for b in margin.descendants(placeholders=True))
        return paint(self, stream, scale)

    setattr(wrapped, _MARK, True)
    page_class.paint = wrapped


def _wrap_marked(stream_class: Any) -> None:
    """Margin content is drawn as an artifact, outside the structure tree."""
    marked = stream_class.marked

    @contextmanager
    def wrapped(self: Any, box: Any, tag: str) -> Iterator[None]:
        if self._tags is not None and id(box) in getattr(self, "_press_artifacts", ()):
            with self.artifact():
                yield
        else:
            with marked(self, box, tag):
                yield

    stream_class.marked = wrapped


def _wrap_tags(tags: Any) -> None:
    """Leave margin boxes out of the tree (their content is artifacts now) and give header
    cells their scope. WeasyPrint's tree builder calls itself through the module, so the
    wrapper sees every box."""
    import pydyf
    from weasyprint.formatting_structure.boxes import MarginBox
    from weasyprint.layout.absolute import AbsolutePlaceholder

    build = tags._build_box_tree

    def wrapped(box: Any, parent: Any, pdf: Any, page_number: int, nums: Any, annotations: Any, marks: Any) -> Iterator[Any]:
        inner = box._box if isinstance(box, AbsolutePlaceholder) else box
        if isinstance(inner, MarginBox):
            return
        for element in build(box, parent, pdf, page_number, nums, annotations, marks):
            if element["S"] == "/TH" and getattr(inner, "element_tag", None) == "th":
                scope = "/Row" if inner.element.get("scope") == "row" else "/Column"
                attributes = element.get("A") or pydyf.Dictionary({"O": "/Table"})
                attributes["Scope"] = scope
                element["A"] = attributes
            yield element

    tags._build_box_tree = wrapped


def _wrap_forms(pdf_module: Any) -> None:
    """Appearance streams for the states WeasyPrint leaves to the viewer."""
    import pydyf

    add_forms = pdf_module.add_forms

    def wrapped(forms: Any, matrix: Any, pdf: Any, page: Any, resources: Any, stream: Any, font_map: Any) -> Any:
        before = len(page["Annots"]) if "Annots" in page else 0
        result = add_forms(forms, matrix, pdf, page, resources, stream, font_map)
        if "Annots" not in page or "AcroForm" not in pdf.catalog:
            return result
        for reference in list(page["Annots"])[before:]:
            field = pdf.objects[int(bytes(reference).split()[0])]
            if field.get("Subtype") != "/Widget":
                continue
            x1, y1, x2, y2 = (float(v) for v in field["Rect"])
            box = pydyf.Array((0, 0, abs(x2 - x1), abs(y2 - y1)))
            if field.get("FT") == "/Btn" and "AP" in field and "Off" not in field["AP"]["N"]:
                # Draws nothing, but not empty: an empty stream came out of qpdf's pack
                # merge as zero bytes of Flate data, which MuPDF reports.
                off = pydyf.Stream([b"q", b"Q"], {"Type": "/XObject", "Subtype": "/Form", "BBox": box})
                pdf.add_object(off)
                field["AP"]["N"]["Off"] = off.reference
            elif field.get("FT") == "/Tx" and "AP" not in field and not str(field.get("V", pydyf.String()).string):
                # An empty field's appearance: the marked content a viewer fills in.
                empty = pydyf.Stream([b"/Tx BMC", b"EMC"], {"Type": "/XObject", "Subtype": "/Form", "BBox": box})
                pdf.add_object(empty)
                field["AP"] = pydyf.Dictionary({"N": empty.reference})
        form = pdf.catalog["AcroForm"]
        if "NeedAppearances" in form and all(_has_appearance(pdf, ref) for ref in form["Fields"]):
            del form["NeedAppearances"]
        return result

    pdf_module.add_forms = wrapped


def _has_appearance(pdf: Any, reference: Any) -> bool:
    field = pdf.objects[int(bytes(reference).split()[0])]
    return "AP" in field or "Kids" in field
