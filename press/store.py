"""The build store: one row per output in SQLite, written only after the output is.

A record holds the output's hash and the hash of everything that shaped it: the key parts
known before it was made (source, settings, tool versions, policy) and the inputs recorded
while it was made (templates, CSS, figures, cited references). An output is rebuilt when
any of these differ (``cache.outdated``); ``explain`` says which.

The store (dist/.press/build.db, the standard library's sqlite3) answers one output's
record with one indexed lookup, and a whole-library build's in one query, and it writes
only the rows that changed, so a build's cost follows what it asks, not the library's
size. It also keeps each input file's size, mtime and hash (so an unchanged file is not
read again: stat first, then hash, as doit does) and what was worked out from unchanged
sources (``Memo``).
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import MADE_FONTS_DIR, atomic_write, sha256

if TYPE_CHECKING:
    from .cache import InputHasher

# Raised whenever what the engine writes changes for the same inputs (3: text layer,
# PDF/UA structure, renumbered CJK faces, tagged packs), so old records rebuild everything.
SCHEMA = 5
STORE_FILE = "dist/.press/build.db"
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outputs (
    output TEXT PRIMARY KEY, kind TEXT NOT NULL, output_sha TEXT NOT NULL, static TEXT NOT NULL,
    reads TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, pages INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS statuses (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memo (name TEXT PRIMARY KEY, key TEXT NOT NULL, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    checked_ns INTEGER NOT NULL, sha TEXT NOT NULL);
"""


@dataclass
class Record:
    output_sha: str
    static: dict[str, str]  # key parts known before rendering (source, settings, versions)
    reads: dict[str, str]  # inputs recorded while rendering, with their hashes
    output_stat: tuple[int, int] = (0, 0)  # size and mtime: skip re-hashing an untouched output
    pages: int = 0  # page count, so packs can number pages without re-reading PDFs


def kind_of(output: str) -> str:
    """The kind of target an output path belongs to (handout, part, skeleton, pack, preview, catalog)."""
    if output.startswith("dist/.press/parts/"):
        return "part"
    if output.startswith("dist/.press/skeletons/"):
        return "skeleton"
    if output.startswith("dist/packs/"):
        return "pack"
    if output.startswith("dist/handouts/"):
        return "handout"
    if output.startswith("dist/previews/"):
        return "preview"
    if output.startswith("dist/releases/"):
        return "release"
    return "catalog" if output == "dist/index.html" else "other"


class RecordTable:
    """The outputs table as a read-mostly mapping: a lookup reads one row (and keeps it)."""

    def __init__(self, db: sqlite3.Connection | None) -> None:
        self._db = db
        self._rows: dict[str, Record | None] = {}
        self._all = db is None

    def get(self, output: str) -> Record | None:
        if output not in self._rows and not self._all and self._db is not None:
            row = self._db.execute("SELECT output_sha, static, reads, size, mtime_ns, pages FROM outputs WHERE output = ?", (output,)).fetchone()
            self._rows[output] = _record(row) if row else None
        return self._rows.get(output)

    def __contains__(self, output: object) -> bool:
        return isinstance(output, str) and self.get(output) is not None

    def __getitem__(self, output: str) -> Record:
        record = self.get(output)
        if record is None:
            raise KeyError(output)
        return record

    def prefetch(self) -> None:
        """Read every row at once: for a build of the whole library one query beats
        thousands of lookups."""
        if not self._all and self._db is not None:
            for output, *row in self._db.execute("SELECT output, output_sha, static, reads, size, mtime_ns, pages FROM outputs"):
                if output not in self._rows:
                    self._rows[output] = _record(tuple(row))
            self._all = True

    def put(self, output: str, record: Record | None) -> None:
        self._rows[output] = record


def _record(row: tuple[object, ...]) -> Record:
    sha, static, reads, size, mtime, pages = row
    return Record(str(sha), json.loads(str(static)), json.loads(str(reads)), (int(str(size)), int(str(mtime))), int(str(pages)))


@dataclass
class Records:
    """The store of one project; a missing, unreadable or older store means "build everything"."""

    path: Path
    db: sqlite3.Connection | None = None
    note: str = ""
    records: RecordTable = field(default_factory=lambda: RecordTable(None))
    _pending: dict[str, Record | None] = field(default_factory=dict)  # rows to write (None: delete)
    _statuses: dict[str, list[object] | None] = field(default_factory=dict)
    _status_writes: dict[str, list[object]] = field(default_factory=dict)
    _file_writes: dict[str, tuple[int, int, int, str]] = field(default_factory=dict)
    _file_soft: dict[str, tuple[int, int, int, str]] = field(default_factory=dict)
    _memo_writes: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    _files: dict[str, tuple[int, int, int, str]] | None = None  # every file row, once prefetched
    _prefetched: bool = False  # every status row is in _statuses: an absent one is None
    _last_save: float = 0.0
    started_ns: int = field(default_factory=time.time_ns)

    @classmethod
    def load(cls, root: Path) -> Records:
        path = root / STORE_FILE
        (root / "dist/.press/records.json").unlink(missing_ok=True)  # the store before SQLite
        note = ""
        if not path.is_file():
            note = "no build records yet"
        try:
            db = _connect(path)
            found = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
            if found is not None and found[0] != str(SCHEMA):
                db.close()
                path.unlink()
                db, note = _connect(path), "build records from another version; rebuilding everything"
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)
            db, note = _connect(path), "build records unreadable; rebuilding everything"
        return cls(path, db, note, RecordTable(db))

    def prefetch(self) -> None:
        """Read every output, status and file row in three queries (a whole-library build)."""
        self.records.prefetch()
        if self.db is None:
            return
        for name, value in self.db.execute("SELECT name, value FROM statuses"):
            self._statuses.setdefault(name, json.loads(value))
        self._prefetched = True
        self._files = {row[0]: (int(row[1]), int(row[2]), int(row[3]), str(row[4])) for row in self.db.execute("SELECT path, size, mtime_ns, checked_ns, sha FROM files")}

    # Translation status by "<lang>/<resource>": the hashes of what it was computed from,
    # then the state and counts (parsing a catalog costs more than a lookup).
    def status(self, name: str) -> list[object] | None:
        if name not in self._statuses and not self._prefetched:
            row = self.db.execute("SELECT value FROM statuses WHERE name = ?", (name,)).fetchone() if self.db else None
            self._statuses[name] = json.loads(row[0]) if row else None
        return self._statuses.get(name)

    def set_status(self, name: str, status: list[object]) -> None:
        if self.status(name) != status:
            self._statuses[name] = status
            self._status_writes[name] = status

    def store(self, root: Path, output: str, data: bytes, static: dict[str, str], reads: dict[str, str], pages: int = 0) -> None:
        """Write an output atomically, then record it (never the other way round)."""
        path = root / output
        atomic_write(path, data)
        stat = path.stat()
        record = Record(sha256(data), static, reads, (stat.st_size, stat.st_mtime_ns), pages)
        self.records.put(output, record)
        self._pending[output] = record
        self._adopt(root, reads)
        self.save_soon()

    def record(self, output: str, static: dict[str, str], reads: dict[str, str], path: Path) -> None:
        """Record an output another step wrote whole (a release zip, written by ``_zip``
        through a temporary file and a rename)."""
        data = path.read_bytes()
        stat = path.stat()
        record = Record(sha256(data), static, reads, (stat.st_size, stat.st_mtime_ns), 0)
        self.records.put(output, record)
        self._pending[output] = record

    def _adopt(self, root: Path, reads: dict[str, str]) -> None:
        """Keep the size and mtime of the files a job read beside the hash it recorded, so
        the next build need not read them. The row counts as hashed at the start of this
        build: a file changed during the build is racy, hence hashed again next time."""
        for rel, digest in reads.items():
            if ":" in rel or rel.startswith(MADE_FONTS_DIR) or rel in self._file_writes:
                continue
            try:
                stat = (root / rel).stat()
            except OSError:
                continue
            self._file_writes[rel] = (stat.st_size, stat.st_mtime_ns, self.started_ns, digest)

    def forget(self, output: str) -> None:
        """Drop an output's record (its file is removed by the caller)."""
        self.records.put(output, None)
        self._pending[output] = None

    def remember_file(self, rel: str, row: tuple[int, int, int, str], soft: bool = False) -> None:
        """Keep a file's size, mtime, time of hashing and hash; a ``soft`` row alone does
        not make the store worth writing."""
        (self._file_soft if soft else self._file_writes)[rel] = row

    def file_row(self, rel: str) -> tuple[int, int, int, str] | None:
        if self._files is not None:
            return self._files.get(rel)
        if self.db is None:
            return None
        row = self.db.execute("SELECT size, mtime_ns, checked_ns, sha FROM files WHERE path = ?", (rel,)).fetchone()
        return (int(row[0]), int(row[1]), int(row[2]), str(row[3])) if row else None

    def memo(self, name: str, key: str) -> Any:
        """What was worked out last time for ``name`` from inputs whose digest is ``key``
        (a parsed source, a clean body check), or None. Values are this engine's own
        dataclasses, pickled: the store is written by this engine only, and the schema and
        engine version are part of every key."""
        if name in self._memo_writes:
            key_written, value = self._memo_writes[name]
            return pickle.loads(value) if key_written == key else None
        row = self.db.execute("SELECT key, value FROM memo WHERE name = ?", (name,)).fetchone() if self.db else None
        if row is None or row[0] != key:
            return None
        try:
            return pickle.loads(row[1])
        except Exception:  # a row from an older engine that no longer unpickles
            return None

    def set_memo(self, name: str, key: str, value: object) -> None:
        self._memo_writes[name] = (key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def save_soon(self, every: float = 2.0) -> None:
        """Commit at most every ``every`` seconds; an output whose record is not committed
        yet is simply rebuilt after a crash."""
        if time.monotonic() - self._last_save >= every:
            self.save()

    def save_if_changed(self) -> None:
        """A no-op build writes nothing."""
        if self._pending or self._status_writes or self._file_writes or self._memo_writes:
            self.save()

    def save(self) -> None:
        if self.db is None:
            return
        with self.db:  # one transaction
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
            for output, record in self._pending.items():
                if record is None:
                    self.db.execute("DELETE FROM outputs WHERE output = ?", (output,))
                else:
                    self.db.execute(
                        "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (output, kind_of(output), record.output_sha, _json(record.static), _json(record.reads), *record.output_stat, record.pages),
                    )
            self.db.executemany("INSERT OR REPLACE INTO statuses VALUES (?, ?)", [(k, _json(v)) for k, v in self._status_writes.items()])
            self.db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?, ?)", [(k, *v) for k, v in self._memo_writes.items()])
            rows = {**self._file_soft, **self._file_writes}
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", [(k, *v) for k, v in rows.items()])
        self._pending.clear()
        self._file_soft.clear()
        self._memo_writes.clear()
        self._status_writes.clear()
        self._file_writes.clear()
        self._last_save = time.monotonic()

    def outputs(self, *kinds: str) -> list[str]:
        """Every recorded output of these kinds, sorted (what is committed and pending)."""
        found: set[str] = set()
        if self.db is not None:
            marks = ",".join("?" * len(kinds))
            found = {row[0] for row in self.db.execute(f"SELECT output FROM outputs WHERE kind IN ({marks})", kinds)}
        for output, record in self._pending.items():
            if kind_of(output) in kinds:
                (found.add if record is not None else found.discard)(output)
        return sorted(found)

    def reads_under(self, prefix: str) -> set[str]:
        """Every recorded read whose name starts with ``prefix``, asked of SQLite's JSON
        functions in one query rather than by loading every record."""
        self.save_if_changed()
        if self.db is None:
            return set()
        query = "SELECT DISTINCT key FROM outputs, json_each(outputs.reads) WHERE substr(key, 1, ?) = ?"
        return {row[0] for row in self.db.execute(query, (len(prefix), prefix))}

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level="DEFERRED")
    # The store is a cache of what can be rebuilt: a crash may lose the last commit (the
    # outputs of that moment are rebuilt) but never leaves a half-written row.
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(_TABLES)
    return db


def _json(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Memo:
    """Results worked out from inputs (parsed sources, clean body checks), kept in the
    store under a key made of the inputs' current digests and the engine's version: an
    unchanged library is not parsed again on every build."""

    def __init__(self, records: Records, hasher: InputHasher, engine: str) -> None:
        self.records, self.hasher, self.engine = records, hasher, engine

    def _key(self, inputs: tuple[str, ...], extra: str) -> str | None:
        digests = [self.hasher.current(name) for name in inputs]
        if any(d is None for d in digests):
            return None
        return sha256("\0".join([self.engine, extra, *inputs, *(d or "" for d in digests)]).encode())

    def recall(self, name: str, inputs: tuple[str, ...], extra: str = "") -> Any:
        key = self._key(inputs, extra)
        return None if key is None else self.records.memo(name, key)

    def keep(self, name: str, inputs: tuple[str, ...], value: object, extra: str = "") -> None:
        key = self._key(inputs, extra)
        if key is not None:
            self.records.set_memo(name, key, value)
