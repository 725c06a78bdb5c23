"""YAML loading that keeps line numbers and never guesses types from dates.

PyYAML's safe loader turns ``2026-02-30`` into an exception without a location, so the
timestamp resolver is removed: dates stay strings and are parsed by the caller, which knows
the line and can say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import PressError, Problem

# libyaml's parser when PyYAML was built with it: several times faster than pure Python.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loader without implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Located:
    """A loaded YAML value with the line of each mapping key and sequence item."""

    value: Any
    key_lines: dict[str, int]
    item_lines: tuple[int, ...]


def read_text(root: Path, rel: str, if_missing: str) -> str:
    """The UTF-8 text of a project file; a missing or undecodable file is a located
    error (``if_missing`` says what to do), never a traceback."""
    path = root / rel
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PressError([Problem(rel, 0, f"file is missing; {if_missing}")]) from None
    except OSError as exc:
        raise PressError([Problem(rel, 0, f"cannot be read ({exc.strerror})")]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PressError([Problem(rel, line, f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save it with UTF-8 encoding")]) from None


def load(text: str, path: str, first_line: int = 1) -> tuple[Located | None, list[Problem]]:
    """Parse ``text`` (which starts at ``first_line`` of ``path``); return value and problems."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        what = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
            what += f" ({exc.context} from line {first_line + exc.context_mark.line})"
        return None, [Problem(path, line, f"malformed YAML: {what}; check indentation and quoting")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, first_line, f"malformed YAML: {exc}")]
    if node is None:
        return Located(None, {}, ()), []
    key_lines: dict[str, int] = {}
    item_lines: tuple[int, ...] = ()
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            key_lines[str(key_node.value)] = first_line + key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        item_lines = tuple(first_line + item.start_mark.line for item in node.value)
    try:
        value = _Loader(text).get_single_data()
    except yaml.YAMLError as exc:  # constructor errors (e.g. unhashable keys)
        return None, [Problem(path, first_line, f"malformed YAML: {exc}")]
    return Located(value, key_lines, item_lines), []


def item_key_lines(text: str, first_line: int = 1) -> list[dict[str, int]]:
    """For a YAML sequence of mappings, the line of each key in each item."""
    node = yaml.compose(text, Loader=_Loader)
    result: list[dict[str, int]] = []
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            lines: dict[str, int] = {}
            if isinstance(item, yaml.MappingNode):
                for key_node, _ in item.value:
                    lines[str(key_node.value)] = first_line + key_node.start_mark.line
            else:
                lines[""] = first_line + item.start_mark.line
            result.append(lines)
    return result
