"""APA 7 formatting through CSL, on the shipped references."""

from __future__ import annotations

import re

from conftest import REPO
from press.bibliography import Formatter, load_references, year_suffixes
from press.markdown import CiteItem, parse_citation
from press.project import load_project


def _formatter(keys: list[str]) -> Formatter:
    project = load_project(REPO)
    refs, problems = load_references(project)
    assert not problems
    return Formatter(refs, REPO / "styles/csl/apa.csl", "en", keys)


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&amp;", "&")


def test_shipped_references_are_exact_apa7() -> None:
    keys = ["neff2007a", "gilbert1989", "gilbert2005", "gilbert2009", "goss2010", "fennell1997"]
    f = _formatter(keys)
    entries = {k: _plain(f.entry(k)) for k in keys}
    assert entries["neff2007a"] == (
        "Neff, K. D., Kirkpatrick, K. L., & Rude, S. S. (2007). Self-compassion and adaptive psychological "
        "functioning. Journal of Research in Personality, 41(1), 139–154. https://doi.org/10.1016/j.jrp.2006.03.004"
    )
    assert entries["gilbert1989"] == "Gilbert, P. (1989). Human nature and suffering. Lawrence Erlbaum Associates."
    assert entries["gilbert2005"] == (
        "Gilbert, P. (2005). Compassion and cruelty: A biopsychosocial approach. In P. Gilbert (Ed.), "
        "Compassion: Conceptualisations, research and use in psychotherapy (pp. 9–74). Routledge."
    )
    assert entries["gilbert2009"] == (
        "Gilbert, P. (2009). Introducing compassion-focused therapy. Advances in Psychiatric Treatment, "
        "15(3), 199–208. https://doi.org/10.1192/apt.bp.107.005264"
    )
    assert entries["goss2010"] == (
        "Goss, K., & Allan, S. (2010). Compassion focused therapy for eating disorders. International Journal "
        "of Cognitive Therapy, 3(2), 141–158. https://doi.org/10.1521/ijct.2010.3.2.141"
    )
    assert entries["fennell1997"] == (
        "Fennell, M. J. V. (1997). Low self-esteem: A cognitive perspective. Behavioural and Cognitive "
        "Psychotherapy, 25(1), 1–26."
    )
    # Journal titles and volumes are italic, as APA requires.
    assert "<i>Journal of Research in Personality</i>, <i>41</i>(1)" in f.entry("neff2007a")


def test_reference_list_is_alphabetical() -> None:
    f = _formatter(["neff2007a", "gilbert2009", "bracha2004", "gilbert1989"])
    firsts = [_plain(e).split(",")[0] for e in f.entries()]
    assert firsts == ["Bracha", "Gilbert", "Gilbert", "Neff"]
    assert "(1989)" in _plain(f.entries()[1])


def test_same_author_same_year_gets_suffixes_in_title_order() -> None:
    f = _formatter(["gilbert2009", "gilbert2009mind"])
    assert _plain(f.cite([CiteItem("gilbert2009")])) == "(Gilbert, 2009b)"
    assert _plain(f.cite([CiteItem("gilbert2009mind")])) == "(Gilbert, 2009a)"
    assert [_plain(e)[:20] for e in f.entries()] == ["Gilbert, P. (2009a).", "Gilbert, P. (2009b)."]
    # Without the other work in the list there is nothing to disambiguate.
    alone = _formatter(["gilbert2009"])
    assert _plain(alone.cite([CiteItem("gilbert2009")])) == "(Gilbert, 2009)"


def test_year_suffixes_ignore_leading_articles() -> None:
    items = [
        {"id": "b", "title": "Zebra findings", "author": [{"family": "X"}], "issued": {"date-parts": [[2000]]}},
        {"id": "a", "title": "The apple study", "author": [{"family": "X"}], "issued": {"date-parts": [[2000]]}},
        {"id": "c", "title": "Other", "author": [{"family": "Y"}], "issued": {"date-parts": [[2000]]}},
    ]
    assert year_suffixes(items) == {"a": "a", "b": "b"}


def test_in_text_citations() -> None:
    f = _formatter(["neff2007a", "gilbert2005", "goss2010"])
    assert _plain(f.cite([CiteItem("neff2007a")])) == "(Neff et al., 2007)"
    assert _plain(f.cite([CiteItem("goss2010")])) == "(Goss & Allan, 2010)"
    assert _plain(f.cite([CiteItem("gilbert2005", "12")])) == "(Gilbert, 2005, p. 12)"


def test_citation_syntax() -> None:
    assert parse_citation("@a") == (CiteItem("a"),)
    assert parse_citation("@a; @b-c, p. 4") == (CiteItem("a"), CiteItem("b-c", "4"))
    assert parse_citation("@a, pp. 9-74") == (CiteItem("a", "9-74"),)
    assert parse_citation("see @a") is None
    assert parse_citation("no citation") is None
