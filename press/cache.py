"""Build records: one per output, saved only after the output is safely written.

A record holds the output's hash and the hash of everything that shaped it: the inputs
recorded while it was made (templates, CSS, figures, cited references), the settings it
read, tool versions and the cache schema. An output is rebuilt when any of these differ;
``explain`` says which.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Raised whenever what the engine writes changes for the same inputs (3: text layer,
# PDF/UA structure, renumbered CJK faces, tagged packs), so old records rebuild everything.
SCHEMA = 3
RECORDS_FILE = "dist/.press/records.json"


@dataclass
class Record:
    output_sha: str
    static: dict[str, str]  # key parts known before rendering (source, settings, versions)
    reads: dict[str, str]  # inputs recorded while rendering, with their hashes
    output_stat: tuple[int, int] = (0, 0)  # size and mtime: skip re-hashing an untouched output
    pages: int = 0  # page count, so packs can number pages without re-reading PDFs


@dataclass
class Records:
    """All records of a project; a missing or unreadable file means "build everything"."""

    path: Path
    records: dict[str, Record] = field(default_factory=dict)
    note: str = ""
    # Translation status by "<lang>/<resource>": the hashes of the source and the
    # catalog it was computed from, then the state and counts. Parsing a catalog costs
    # more than hashing it, and a no-op build of a large library needs every status.
    statuses: dict[str, list[object]] = field(default_factory=dict)
    _last_save: float = 0.0
    _dirty: bool = False  # changed since loaded or saved

    @classmethod
    def load(cls, root: Path) -> Records:
        path = root / RECORDS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, note="no build records yet")
        except (OSError, ValueError):
            return cls(path, note="build records unreadable; rebuilding everything")
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            return cls(path, note="build records from another version; rebuilding everything")
        try:
            records = {k: Record(**{**v, "output_stat": tuple(v.get("output_stat", (0, 0)))}) for k, v in data["outputs"].items()}
            statuses = dict(data.get("statuses", {}))
        except (TypeError, KeyError, ValueError):
            return cls(path, note="build records unreadable; rebuilding everything")
        return cls(path, records, statuses=statuses)

    def save_soon(self, every: float = 2.0) -> None:
        """Save at most every ``every`` seconds: rewriting all records after each of
        thousands of outputs would cost more than rendering them. An output whose record
        is not saved yet is simply rebuilt after a crash."""
        now = time.monotonic()
        if now - self._last_save >= every:
            self.save()

    def store(self, root: Path, output: str, data: bytes, static: dict[str, str], reads: dict[str, str], pages: int = 0) -> None:
        """Write an output atomically, then record it (never the other way round)."""
        path = root / output
        atomic_write(path, data)
        stat = path.stat()
        self.records[output] = Record(sha256(data), static, reads, (stat.st_size, stat.st_mtime_ns), pages)
        self._dirty = True
        self.save_soon()

    def set_status(self, key: str, status: list[object]) -> None:
        if self.statuses.get(key) != status:
            self.statuses[key] = status
            self._dirty = True

    def save_if_changed(self) -> None:
        """Write the records only if something changed: a no-op build writes nothing (and
        does not serialise a large library's records just to compare them)."""
        if self._dirty or not self.path.is_file():
            self.save()

    def _serialise(self) -> bytes:
        data = {
            "schema": SCHEMA,
            "outputs": {k: vars(r) for k, r in sorted(self.records.items())},
            "statuses": dict(sorted(self.statuses.items())),
        }
        return json.dumps(data, indent=1, sort_keys=True).encode()

    def save(self) -> None:
        atomic_write(self.path, self._serialise())
        self._last_save = time.monotonic()
        self._dirty = False


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename over it.

    A reader (or a killed build) sees the old file or the new one, never a part.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Fonts the build makes (CJK faces cut to a character set, form-field subsets) are named by
# a hash of everything that made them: source face, characters, tool version. Their name
# stands for their content, so it is what is recorded; hashing the 30 MB of cut CJK faces
# on every build would double the time of a build with nothing to do.
MADE_FONTS_DIR = "dist/.press/fonts/"


def named_by_hash(rel: str) -> str | None:
    """The recorded digest of a made font (a hash of its name), or None for other files."""
    return hashlib.sha256(rel.encode()).hexdigest() if rel.startswith(MADE_FONTS_DIR) else None


def file_digest(root: Path, rel: str) -> str | None:
    """The digest recorded for a project file (None if it is missing): a made font's name
    hash, any other file's content hash. A missing made font is made again by the render
    that needs it."""
    named = named_by_hash(rel)
    if named is not None:
        return named if (root / rel).is_file() else None
    try:
        return sha256((root / rel).read_bytes())
    except OSError:
        return None


def prune_made_fonts(root: Path, records: Records) -> list[str]:
    """Delete made fonts that no record reads any more: an upgraded font package or an
    edited character set leaves the old cut faces (3-8 MB each) behind otherwise."""
    used = {name for record in records.records.values() for name in record.reads if name.startswith(MADE_FONTS_DIR)}
    folder = root / MADE_FONTS_DIR
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        rel = MADE_FONTS_DIR + path.name
        if path.is_file() and not path.name.startswith(".") and rel not in used:
            path.unlink()
            removed.append(rel)
    return removed


class InputHasher:
    """Current hashes of recorded inputs; files are hashed once per build."""

    def __init__(self, root: Path, virtual: dict[str, str]) -> None:
        self.root = root
        self.virtual = virtual  # e.g. "reference:gilbert2009" -> hash of its CSL data
        self._files: dict[str, str] = {}

    def current(self, name: str) -> str | None:
        if ":" in name:
            return self.virtual.get(name)
        if name not in self._files:
            digest = file_digest(self.root, name)
            if digest is None:
                return None
            self._files[name] = digest
        return self._files[name]


def why_outdated(record: Record | None, static: dict[str, str], output: Path, hasher: InputHasher) -> str | None:
    """The reason an output must be rebuilt, or None when it is up to date."""
    if record is None:
        return "never built"
    if not output.is_file():
        return "output missing"
    for key in sorted(set(static) | set(record.static)):
        if static.get(key) != record.static.get(key):
            return f"{key} changed"
    for name, digest in sorted(record.reads.items()):
        if hasher.current(name) != digest:
            return f"{name} changed"
    stat = output.stat()
    if (stat.st_size, stat.st_mtime_ns) != tuple(record.output_stat) and sha256(output.read_bytes()) != record.output_sha:
        return "output was modified outside the build"
    return None
