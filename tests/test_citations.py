"""In-text citations read back from the PDFs as APA 7 prints them: one author's works
combined in one parenthesis, and in a pack the year letters of the pack's appendix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import pdf_text

pytestmark = pytest.mark.slow

# A parenthesis that cites: "(Gilbert, 2009a, p. 12, 2014; Goss & Allan, 2010)".
_PARENTHESIS = re.compile(r"\(([^()]*?(?:\d{4}[a-z]?|n\. ?d\.|s\. ?f\.)[^()]*?)\)")
_DATE = re.compile(r"^(\d{4})([a-z]?)$|^(n\. ?d\.|s\. ?f\.)$")
# A reference entry's start: "Gilbert, P. (2009b)." (author lists are cut to the first name).
_ENTRY = re.compile(r"(?:^|\s)([A-Z][\w'’-]+), (?:[A-Z]\.[ -]?)+(?:,|\s).{0,200}?\((\d{4})([a-z]?)\)\.")


def _groups(parenthesis: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each author group of one parenthesis: its names and its (year, letter) dates."""
    found = []
    for group in parenthesis.split("; "):
        parts = [p.strip() for p in group.split(", ")]
        first_date = next((i for i, p in enumerate(parts) if _DATE.match(p)), None)
        if not first_date:
            continue  # not a citation ("(see page 2)", "(PTSD, 2013 study)")
        names = ", ".join(parts[:first_date])
        dates = [(m.group(1) or m.group(3), m.group(2) or "") for p in parts[first_date:] if (m := _DATE.match(p))]
        found.append((names, dates))
    return found


def _read(pdf: Path) -> str:
    return " ".join(pdf_text(pdf).replace("\u00a0", " ").split())


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_uncombined_same_author_citation_anywhere(full_library: Path, lang: str) -> None:
    pdfs = sorted((full_library / "dist/handouts" / lang).glob("*.pdf")) + sorted((full_library / "dist/packs" / lang).glob("*.pdf"))
    assert len(pdfs) > 20
    combined = 0
    for pdf in pdfs:
        for parenthesis in _PARENTHESIS.findall(_read(pdf)):
            groups = _groups(parenthesis)
            names = [n for n, _ in groups]
            assert len(names) == len(set(names)), f"{pdf.name}: ({parenthesis}) cites one author in two places"
            for name, dates in groups:
                years = [(y, letter) for y, letter in dates if y[0].isdigit()]
                assert years == sorted(years), f"{pdf.name}: ({parenthesis}) years of {name} out of order"
                combined += len(dates) > 1
    assert combined >= 3, "no combined citation found: the reading is broken"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pack_citations_use_the_appendix_letters(full_library: Path, lang: str) -> None:
    pdf = full_library / "dist/packs" / lang / "cft-client.pdf"
    text = _read(pdf)
    lettered = {(family, year, letter) for family, year, letter in _ENTRY.findall(text) if letter}
    assert ("Gilbert", "2009", "a") in lettered and ("Gilbert", "2009", "b") in lettered, sorted(lettered)
    cited: set[tuple[str, str, str]] = set()
    for parenthesis in _PARENTHESIS.findall(text):
        for names, dates in _groups(parenthesis):
            family = names.split(" ")[0].rstrip(",")
            cited.update((family, year, letter) for year, letter in dates)
    assert ("Gilbert", "2009", "b") in cited
    # No citation of a year the appendix letters goes without its letter.
    years_with_letters = {(family, year) for family, year, _ in lettered}
    bare = sorted(c for c in cited if not c[2] and (c[0], c[1]) in years_with_letters)
    assert not bare, f"cited without the appendix's letter: {bare}"
    # And every lettered citation is a letter the appendix prints.
    assert {c for c in cited if c[2]} <= lettered


def test_a_handout_alone_cites_without_letters_it_does_not_need(full_library: Path) -> None:
    text = _read(full_library / "dist/handouts/en/introducing-compassion-focused-therapy.pdf")
    assert "(Gilbert, 2009, 2014)" in text
    assert "(Gilbert, 2009; Gilbert, 2014)" not in text
    motivational = _read(full_library / "dist/handouts/en/motivational-systems.pdf")
    assert "(Gilbert, 2009a, 2009b)" in motivational
