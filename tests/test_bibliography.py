"""APA 7 formatting through CSL, on the shipped references."""

from __future__ import annotations

import re

from conftest import REPO
from press.bibliography import CslLocale, Formatter, catalog_locale, shipped_locale, year_suffixes
from press.markdown import CiteItem, parse_citation
from press.project import load_project
from press.references import References, load_references
from press.refstore import FormattedStore


def _formatter(keys: list[str]) -> Formatter:
    project = load_project(REPO)
    refs, problems = load_references(project)
    assert not problems
    return Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("en-US"), keys)


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


def test_csl_locale_is_chosen_by_language_and_script() -> None:
    assert shipped_locale("en", "Latn") == "en-US"
    assert shipped_locale("es", "Latn") == "es-ES"
    assert shipped_locale("pt-BR", "Latn") == "pt-BR"
    assert shipped_locale("zh-Hans", "Hans") == "zh-CN"
    assert shipped_locale("zh-Hant", "Hant") == "zh-TW"
    assert shipped_locale("sr", "Cyrl") == "sr-Cyrl-RS"  # not the primary sr-Latn-RS
    assert shipped_locale("pa-Arab", "Arab") == "pa-PK"
    assert shipped_locale("pa", "Guru") is None  # pa-PK is Shahmukhi: catalog terms instead
    assert shipped_locale("am", "Ethi") is None


def test_languages_without_a_csl_locale_use_catalog_terms_and_cldr_months() -> None:
    project = load_project(REPO)
    refs, _ = load_references(project)
    web = next(k for k, v in refs.items.items() if "accessed" in v and "issued" not in v)
    terms = {"in": "Katika", "editor": "Mh.", "editor.plural": "Wah.", "page.plural": "uk.", "no-date": "b.t.", "retrieved": "Ilipatikana", "from": "kutoka"}
    locale = catalog_locale("sw", "sw", terms)
    assert not locale.shipped and locale.months[10] == "Novemba"
    f = Formatter(refs, REPO / "styles/csl/apa.csl", locale, ["gilbert2005", web])
    chapter = _plain(f.entry("gilbert2005"))
    assert "Katika P. Gilbert (Mh.), Compassion" in chapter
    assert "(uk. 9–74)" in chapter
    website = _plain(f.entry(web))
    assert "(b.t.)" in website and "Ilipatikana" in website and "Novemba" in website and "kutoka http" in website
    # An untranslated term falls back to CSL's English one.
    partial = Formatter(refs, REPO / "styles/csl/apa.csl", catalog_locale("sw", "sw", {"in": "Katika"}), ["gilbert2005"])
    assert "Katika P. Gilbert (Ed.)" in _plain(partial.entry("gilbert2005"))


def test_a_catalog_locale_never_takes_terms_from_a_dialect_in_another_script() -> None:
    # citeproc-py fills missing terms from the language's primary dialect; for Punjabi in
    # Gurmukhi that is Shahmukhi pa-PK, whose "article" is "لیکھ". English is the fallback.
    project = load_project(REPO)
    refs, _ = load_references(project)
    article = next(k for k, v in refs.items.items() if v.get("number") == "874")
    entry = _plain(Formatter(refs, REPO / "styles/csl/apa.csl", catalog_locale("pa", "pa", {"in": "ਵਿੱਚ"}), [article]).entry(article))
    assert "Article 874" in entry
    assert not any("\u0600" <= ch <= "\u06ff" for ch in entry), entry


def test_formatted_references_are_reused_only_for_identical_input() -> None:
    project = load_project(REPO)
    refs, _ = load_references(project)
    store = FormattedStore()
    first = Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("en-US"), ["gilbert2005"], store=store).entry("gilbert2005")
    assert len(store.new) == 1
    # A fresh process (empty memo) with the stored entries formats nothing again ...
    again = FormattedStore(store.take_new())
    assert Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("en-US"), ["gilbert2005"], store=again).entry("gilbert2005") == first
    assert again.new == {}
    # ... but a changed work, or another locale, is formatted anew.
    changed = References(refs.path, {**refs.items, "gilbert2005": {**refs.items["gilbert2005"], "publisher": "Brunner-Routledge"}})
    assert "Brunner-Routledge" in Formatter(changed, REPO / "styles/csl/apa.csl", CslLocale("en-US"), ["gilbert2005"], store=again).entry("gilbert2005")
    assert "En P. Gilbert" in Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("es-ES"), ["gilbert2005"], store=again).entry("gilbert2005")
    assert len(again.new) == 2


def test_one_authors_works_are_combined_in_one_parenthesis() -> None:
    """APA 7 (8.12): works in reference-list order; one author's works under one name,
    years in order, undated first, suffixes in order, locators kept with their year."""
    f = _formatter(["gilbert2009", "gilbert2014", "gilbert2009mind", "gilbert2005", "neff2007a", "neff2003", "neff2011", "neff-website", "goss2010"])
    assert _plain(f.cite([CiteItem("gilbert2014"), CiteItem("gilbert2009")])) == "(Gilbert, 2009b, 2014)"
    assert _plain(f.cite([CiteItem("gilbert2009"), CiteItem("gilbert2009mind")])) == "(Gilbert, 2009a, 2009b)"
    assert _plain(f.cite([CiteItem("neff2007a"), CiteItem("gilbert2014"), CiteItem("gilbert2005", "12")])) == "(Gilbert, 2005, p. 12, 2014; Neff et al., 2007)"
    # Neff alone and Neff with co-authors are different author lists: not combined.
    assert _plain(f.cite([CiteItem("neff2011"), CiteItem("neff2007a"), CiteItem("neff2003")])) == "(Neff, 2003, 2011; Neff et al., 2007)"
    assert _plain(f.cite([CiteItem("neff2003"), CiteItem("neff-website")])) == "(Neff, n.d., 2003)"
    assert _plain(f.cite([CiteItem("goss2010"), CiteItem("gilbert2014")])) == "(Gilbert, 2014; Goss & Allan, 2010)"


def test_citations_combine_in_other_languages_with_their_terms() -> None:
    project = load_project(REPO)
    refs, _ = load_references(project)
    keys = ["gilbert2009", "gilbert2014", "gilbert2009mind", "neff-website", "neff2003"]
    spanish = Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("es-ES"), keys)
    assert _plain(spanish.cite([CiteItem("gilbert2014"), CiteItem("gilbert2009mind", "12"), CiteItem("gilbert2009")])) == "(Gilbert, 2009a, p. 12, 2009b, 2014)"
    assert _plain(spanish.cite([CiteItem("neff2003"), CiteItem("neff-website")])) == "(Neff, s.\u00a0f., 2003)"
    arabic = Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("ar"), keys)
    assert _plain(arabic.cite([CiteItem("gilbert2014"), CiteItem("gilbert2009")])) == "(Gilbert, 2009b, 2014)"


def test_year_letters_follow_the_list_that_prints_them() -> None:
    """A pack part cites with the letters of the pack's appendix (its ``scope``)."""
    project = load_project(REPO)
    refs, _ = load_references(project)
    alone = Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("en-US"), ["gilbert2009"])
    in_pack = Formatter(refs, REPO / "styles/csl/apa.csl", CslLocale("en-US"), ["gilbert2009"], scope=["gilbert2009mind", "neff2003"])
    assert _plain(alone.cite([CiteItem("gilbert2009")])) == "(Gilbert, 2009)"
    assert _plain(in_pack.cite([CiteItem("gilbert2009")])) == "(Gilbert, 2009b)"
    assert _plain(in_pack.entry("gilbert2009")).startswith("Gilbert, P. (2009b).")


def test_article_numbers_print_as_apa_7_does() -> None:
    f = _formatter(["ma2017", "speed2018"])
    assert "Frontiers in Psychology, 8, Article 874. https://doi.org/" in _plain(f.entry("ma2017"))
    assert "Clinical Psychology: Science and Practice, 25(1), Article e12216." in _plain(f.entry("speed2018"))


def test_one_person_entered_two_ways_is_a_warning() -> None:
    from press.references import name_warnings

    refs, _ = load_references(load_project(REPO))
    assert name_warnings(refs) == []  # the shipped data writes every author one way
    items = {
        "a": {"id": "a", "author": [{"family": "Neff", "given": "Kristin D."}]},
        "b": {"id": "b", "author": [{"family": "Neff", "given": "Kristin"}]},
        "c": {"id": "c", "author": [{"family": "Emmons", "given": "Robert A."}]},
        "d": {"id": "d", "editor": [{"family": "Emmons", "given": "Michael"}]},
    }
    warnings = name_warnings(References("handouts/references.yaml", items, {"a": 4, "b": 12, "c": 20, "d": 28}))
    assert [str(w) for w in warnings] == [
        "handouts/references.yaml:12: warning: Neff is 'Kristin' in 'b' but 'Kristin D.' in 'a' (line 4); "
        "APA 7 (8.20) would print them as two authors; write the given names one way if they are one person"
    ]
