"""Everything ``check`` verifies, without rendering: settings, sources, references, bodies."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import Problem
from .project import Project
from .references import References, load_references
from .sources import Handout, Library, check_body, load_library

if TYPE_CHECKING:
    from .citescope import CiteScopes
    from .store import Memo


@dataclass(frozen=True)
class Checked:
    library: Library
    references: References
    problems: tuple[Problem, ...]

    @functools.cached_property
    def scopes(self) -> CiteScopes:
        """What each handout and pack cites, for the year letters of pack parts."""
        from .citescope import CiteScopes

        return CiteScopes(self.library, self.references)


def validate(project: Project, only: tuple[str, ...] = (), catalogs: bool = False, memo: Memo | None = None) -> Checked:
    """Load and check the library; ``only`` limits the body checks to some resources.

    ``catalogs`` also checks the language registry and every translation catalog (what
    ``check`` does; a build checks the catalogs of what it renders, as it renders).
    A build passes the store's ``memo``: a source whose text, figures and cited keys are
    unchanged since it last passed is not parsed or checked again.
    """
    library, problems = load_library(project, memo)
    problems += _missing_styles(project)
    references, ref_problems = load_references(project)
    problems += ref_problems
    known = set(library.ids)
    for resource_id in only:
        if resource_id not in known:
            problems.append(Problem("handouts", 0, f"no resource with id '{resource_id}'; see `python pipeline.py list`"))
    from .packs import load_packs

    problems += load_packs(project, library)[1]
    keys = references.keys()
    keys_digest = hashlib.sha256("\0".join(sorted(keys)).encode()).hexdigest()
    for handout in library.handouts:
        if not only or handout.id in only:
            problems += _checked_body(handout, project, keys, keys_digest, memo)
    if catalogs:
        problems += check_catalogs(project, library)
    return Checked(library, references, tuple(sorted(set(problems))))


def _checked_body(handout: Handout, project: Project, keys: set[str], keys_digest: str, memo: Memo | None) -> list[Problem]:
    """check_body, or nothing when this body, its figures and the reference keys are as
    they were when it last passed (only a clean result is kept)."""
    if memo is None:
        return check_body(handout, project, keys)
    name = f"clean body:{handout.path}"
    figures = memo.recall(f"figures:{handout.path}", (handout.path,))
    if figures is not None and memo.recall(name, (handout.path, *figures), keys_digest):
        return []
    found = check_body(handout, project, keys)
    if not found:
        from .segments import figure_paths

        figures = tuple(f"handouts/{src}" for src in figure_paths(handout))
        memo.keep(f"figures:{handout.path}", (handout.path,), figures)
        memo.keep(name, (handout.path, *figures), True, keys_digest)
    return found


def _missing_styles(project: Project) -> list[Problem]:
    """The stylesheet and the CSL style every document is made with."""
    from .bibliography import STYLE_FILE
    from .project import LARGE_PRINT_STYLESHEET, STYLESHEETS

    return [
        Problem(rel, 0, f"missing: every document is made with it; restore it (git checkout -- {rel})")
        for rel in (*STYLESHEETS, LARGE_PRINT_STYLESHEET, STYLE_FILE)
        if not (project.root / rel).is_file()
    ]


def check_catalogs(project: Project, library: Library) -> list[Problem]:
    """Every catalog: readable, for a known resource, markup kept, glyphs covered."""
    from babel.messages.pofile import PoFileError, read_po

    from .catalogs import CSL_DOMAIN, PACKS_DOMAIN, UI_DOMAIN
    from .errors import PressError
    from .fonts import FontCoverage, check_text
    from .languages import load_registry
    from .translate import check_catalog

    problems: list[Problem] = []
    try:
        registry = load_registry(project)
    except PressError as exc:
        return list(exc.problems)
    coverage = FontCoverage()
    # A catalog belongs to a source file, even one whose front matter is broken right now.
    known = library.stems | {UI_DOMAIN, PACKS_DOMAIN, CSL_DOMAIN}
    folder = project.root / "translations"
    for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "templates") if folder.is_dir() else []:
        if lang_dir.name not in registry.tags:
            problems.append(Problem(project.relative(lang_dir), 0, f"'{lang_dir.name}' is not in translations/languages.yaml; add it there or rename the folder"))
            continue
        language = registry.get(lang_dir.name)
        try:
            from .reviews import load_reviews

            reviewed = load_reviews(project, language.tag)
        except PressError as exc:
            problems += exc.problems
        else:
            problems += [Problem(f"translations/{language.tag}/reviews.yaml", 0, f"a review of '{d}', which is no catalog here; delete it or fix its name") for d in reviewed if d not in known]
        covered, not_installed = coverage.covered(language.body_fonts)
        for family in not_installed:
            problems.append(Problem("styles/fonts.yaml", 0, f"font '{family}' for {language.tag} is not installed; install its Debian package"))
        for po in sorted(lang_dir.glob("*.po")):
            rel = project.relative(po)
            if po.stem not in known:
                problems.append(Problem(rel, 0, f"no resource '{po.stem}' in handouts/; delete the catalog or fix its name"))
                continue
            try:
                with po.open("rb") as handle:
                    catalog = read_po(handle, abort_invalid=True)
            except (PoFileError, UnicodeDecodeError, ValueError) as exc:
                problems.append(Problem(rel, getattr(exc, "lineno", 0) or 0, f"unreadable catalog: {exc}"))
                continue
            problems += check_catalog(catalog, rel, ui=po.stem in (UI_DOMAIN, CSL_DOMAIN))
            for message in catalog:
                if message.id and message.string and not message.fuzzy:
                    problems += check_text(str(message.string), covered, rel, message.lineno or 0, language.tag, language.body_fonts)
    return problems
