"""What composing a document needs besides its source, as one value handed to every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .languages import SOURCE_LANGUAGE, Language
from .project import Project
from .references import References
from .sources import Library


@dataclass(frozen=True)
class Context:
    """What composing needs besides the handout: project, library, references, options."""

    project: Project
    library: Library
    references: References
    language: Language = SOURCE_LANGUAGE
    paper: str = "a4"
    allow_incomplete: bool = False
    # Parsed CSL styles, formatted references and compiled templates, shared by the
    # documents one process composes.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False)
