"""The Jinja2 templates in styles/templates: an environment that records every template a
render used (with its hash, for the build key) and the CSS filters the templates use."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from .project import Project

TEMPLATES_DIR = "styles/templates"


class RecordingLoader(jinja2.FileSystemLoader):
    """Loads templates and remembers which file each name came from, with its hash."""

    def __init__(self, project: Project) -> None:
        super().__init__(str(project.root / TEMPLATES_DIR))
        self._project = project
        self.files: dict[str, tuple[str, str]] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        rel = self._project.relative(Path(filename))
        self.files[template] = (rel, hashlib.sha256(source.encode()).hexdigest())
        return source, filename, uptodate


class RecordingEnvironment(jinja2.Environment):
    """A Jinja2 environment that notes every template a render uses, cached or not.

    Templates are compiled once per process; ``extends`` and ``include`` still pass
    through ``_load_template``, so each render's dependencies are recorded as used.
    """

    def __init__(self, project: Project) -> None:
        self.recording_loader = RecordingLoader(project)
        super().__init__(
            loader=self.recording_loader,
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=True,  # a long-lived process (watch mode) sees edited templates
        )
        self.used: set[str] = set()
        self.filters["css_string"] = css_string
        self.filters["page_counter"] = page_counter

    def _load_template(self, name: str, globals: Any) -> jinja2.Template:
        self.used.add(name)
        return super()._load_template(name, globals)

    def render(self, name: str, reads: dict[str, str], **context: Any) -> str:
        self.used = set()
        html = self.get_template(name).render(**context)
        for used in sorted(self.used):
            rel, digest = self.recording_loader.files[used]
            reads[rel] = digest
        return html


def page_counter(pattern: str, style: str = "decimal") -> Any:
    """A CSS ``content`` value for "Page {page} of {pages}" in any word order and digits."""
    from markupsafe import Markup

    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", pattern):
        if piece == "{page}":
            parts.append(f"counter(page, {style})")
        elif piece == "{pages}":
            parts.append(f"counter(pages, {style})")
        elif piece:
            parts.append(str(css_string(piece)))
    return Markup(" ".join(parts) or '""')


def css_string(text: str) -> Any:
    """Quote text for a CSS ``content`` value inside a <style> element.

    The result is marked safe for Jinja: HTML escaping would corrupt CSS, so every
    character that could end the string or the style element is escaped the CSS way.
    """
    from markupsafe import Markup

    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ").replace("<", "\\3c ")
    return Markup('"' + out + '"')
