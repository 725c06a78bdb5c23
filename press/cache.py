"""Hashes and the outdated check: what an input's digest is now (stat first, then the
content), why an output must be made again, atomic writes, and the fonts the build makes.
The records themselves are in the store (press/store.py)."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Record, Records


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
    used = records.reads_under(MADE_FONTS_DIR)
    folder = root / MADE_FONTS_DIR
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        rel = MADE_FONTS_DIR + path.name
        if path.is_file() and not path.name.startswith(".") and rel not in used:
            path.unlink()
            removed.append(rel)
    return removed


class InputHasher:
    """Current hashes of recorded inputs; each file is looked at once per build, and read
    only when its size or mtime differs from the store's (stat first, then hash)."""

    # A file changed within this long of being hashed could change again within one
    # mtime tick unseen: such a row is not trusted, and the file is hashed again.
    RACY_NS = 2_000_000_000

    def __init__(self, root: Path, virtual: dict[str, str], records: Records | None = None) -> None:
        self.root = root
        self.virtual = virtual  # e.g. "reference:gilbert2009" -> hash of its CSL data
        self.records = records
        self._files: dict[str, str | None] = {}

    def current(self, name: str) -> str | None:
        if ":" in name:
            return self.virtual.get(name)
        if name not in self._files:
            self._files[name] = self._digest(name)
        return self._files[name]

    def _digest(self, rel: str) -> str | None:
        named = named_by_hash(rel)
        path = os.path.join(self.root, rel)
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if named is not None:
            return named
        row = self.records.file_row(rel) if self.records is not None else None
        same = row is not None and row[:2] == (stat.st_size, stat.st_mtime_ns)
        if row is not None and same and row[2] - stat.st_mtime_ns > self.RACY_NS:
            return row[3]
        try:
            with open(path, "rb") as handle:
                digest = sha256(handle.read())
        except OSError:
            return None
        if self.records is not None:
            # A racy row whose hash still holds is refreshed only if the store is written
            # anyway: a build with nothing to do writes nothing.
            unchanged = row is not None and same and row[3] == digest
            self.records.remember_file(rel, (stat.st_size, stat.st_mtime_ns, time.time_ns(), digest), soft=unchanged)
        return digest


def outdated(records: Records, hasher: InputHasher, root: Path, output: str, key: dict[str, str], force: bool = False) -> str | None:
    """The one outdated check every kind of target goes through: why ``output`` must be
    made again under ``key``, or None when its record still holds."""
    return "--force" if force else why_outdated(records.records.get(output), key, root / output, hasher)


def verdict(output: str, reason: str | None) -> str:
    """The line --explain prints for a target that was considered (see also ``skipped``
    and ``removed`` lines, which share the shape ``<output>: <verdict>``)."""
    return f"{output}: {'rebuild, ' + reason if reason else 'up to date'}"


def why_outdated(record: Record | None, static: dict[str, str], output: Path, hasher: InputHasher) -> str | None:
    """The reason an output must be rebuilt, or None when it is up to date."""
    if record is None:
        return "never built"
    try:
        stat = os.stat(output)
    except OSError:
        return "output missing"
    for key in sorted(set(static) | set(record.static)):
        if static.get(key) != record.static.get(key):
            return f"{key} changed"
    for name, digest in sorted(record.reads.items()):
        if hasher.current(name) != digest:
            return f"{name} changed"
    if (stat.st_size, stat.st_mtime_ns) != tuple(record.output_stat) and sha256(output.read_bytes()) != record.output_sha:
        return "output was modified outside the build"
    return None
