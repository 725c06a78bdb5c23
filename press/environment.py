"""What a build works out once, before it decides anything (Sphinx's environment, as
against its builders): the store and the hasher, the checked library and references, the
registry, the languages to build with their composing contexts, and the versions and
settings every key holds. Planning, rendering, packs and the catalog all read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .cache import InputHasher, sha256
from .context import Context
from .errors import PressError
from .languages import Language, Registry, load_registry
from .plan import build_languages
from .project import Project
from .reviews import review_digests
from .store import SCHEMA, Memo, Records
from .targets import BuildOptions
from .validate import Checked, validate
from .variants import Variant, choose
from .versions import tool_versions


@dataclass
class Environment:
    project: Project
    records: Records
    hasher: InputHasher
    checked: Checked
    registry: Registry
    languages: list[Language]
    contexts: dict[str, Context]  # per language tag; one memo (templates, CSL) shared by all
    paper: str
    versions: str
    settings_digest: str
    variants: tuple[Variant, ...]  # --variant, else pipeline.yaml's variants

    @classmethod
    def load(cls, project: Project, options: BuildOptions, say: Callable[[str], None]) -> Environment:
        """Open the store, check the library (what is unchanged since it last passed is
        not parsed again) and resolve the languages; a problem raises PressError."""
        records = Records.load(project.root)
        if records.note and options.explain:
            say(records.note)
        if not options.only and not options.packs:
            records.prefetch()  # a whole-library build asks for every row: one query each
        hasher = InputHasher(project.root, {}, records)
        versions = tool_versions()
        checked = validate(project, options.only, memo=Memo(records, hasher, f"{SCHEMA};{versions}"))
        if checked.problems:
            records.save_if_changed()  # what was parsed cleanly need not be parsed again
            raise PressError(checked.problems)
        paper = options.paper or project.settings.paper
        registry = load_registry(project)
        languages = build_languages(project, registry, options)
        memo: dict[object, object] = {}
        contexts = {lang.tag: Context(project, checked.library, checked.references, lang, paper, options.allow_incomplete, memo) for lang in languages}
        hasher.virtual |= {f"reference:{k}": sha256(checked.references.digest_of(k).encode()) for k in checked.references.items}
        hasher.virtual |= {f"language:{lang.tag}": lang.digest for lang in registry.languages}
        hasher.virtual |= review_digests(project, [lang.tag for lang in registry.languages[1:]], [*checked.library.ids, "packs", "ui"])
        settings_digest = project.settings.digest("organisation", "copyright", "licence")
        variants = choose(options.variants, "--variant") if options.variants else choose(project.settings.variants, "pipeline.yaml")
        return cls(project, records, hasher, checked, registry, languages, contexts, paper, versions, settings_digest, variants)
