"""Everything ``check`` verifies, without rendering: settings, sources, references, bodies."""

from __future__ import annotations

from dataclasses import dataclass

from .bibliography import References, load_references
from .errors import Problem
from .project import Project
from .sources import Library, check_body, load_library


@dataclass(frozen=True)
class Checked:
    library: Library
    references: References
    problems: tuple[Problem, ...]


def validate(project: Project, only: tuple[str, ...] = ()) -> Checked:
    """Load and check the library; ``only`` limits the body checks to some resources."""
    library, problems = load_library(project)
    references, ref_problems = load_references(project)
    problems += ref_problems
    known = set(library.ids)
    for resource_id in only:
        if resource_id not in known:
            problems.append(Problem("handouts", 0, f"no resource with id '{resource_id}'; see `python pipeline.py list`"))
    keys = references.keys()
    for handout in library.handouts:
        if not only or handout.id in only:
            problems += check_body(handout, project, keys)
    return Checked(library, references, tuple(sorted(set(problems))))
