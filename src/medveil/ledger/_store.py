"""SQLite storage for one site's ledger.

Tables (one transaction per append, so a crash leaves a verifiable prefix):

* ``meta``         origin, the log's verifier key, format version
* ``entries``      ``idx`` (0-based, dense), ``hashes``, canonical entry bytes.
                   ``hashes`` is the leaf hash followed by the hash of every
                   complete subtree that leaf ``idx`` closes: appending leaf i
                   completes the subtrees at levels 1..t, t = trailing one-bits
                   of i, so subtree (level L, index j) lives in row
                   ``((j + 1) << L) - 1`` at bytes ``[32L, 32L + 32)``. Every
                   tree node is stored once, in the row that completed it; a
                   proof is O(log n) primary-key lookups and an append is one
                   row per entry.
* ``checkpoints``  signed checkpoint notes by tree size
* ``cosignatures`` witness cosignature lines by tree size and witness key
* ``witnessed``    the last checkpoint this site cosigned for each *other* log

Appends run under ``BEGIN IMMEDIATE`` (writers are serialized across
processes), in WAL mode with ``synchronous=FULL`` (a commit is on disk when
``append`` returns).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from medveil.errors import InputError, IntegrityError, StateError
from medveil.ledger._entry import Entry
from medveil.ledger._merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    Frontier,
    consistency_proof,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    push_leaf,
    range_hash,
)
from medveil.ledger._note import (
    Checkpoint,
    Signer,
    Verifier,
    join_note,
    open_checkpoint,
    split_note,
    verify_cosignature,
)

log = logging.getLogger(__name__)

FORMAT = "medveil-ledger/1"
_BUSY_TIMEOUT_MS = 60_000

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (idx INTEGER PRIMARY KEY, hashes BLOB NOT NULL, data BLOB NOT NULL);
CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE cosignatures (
    size INTEGER NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);
CREATE TABLE witnessed (
    origin TEXT PRIMARY KEY, vkey TEXT NOT NULL, size INTEGER NOT NULL,
    root BLOB NOT NULL, note TEXT NOT NULL
);
"""


#: Called with the previously witnessed (vkey, size, root) or None; returns the
#: (size, root, note) to record, or raises to refuse.
WitnessCheck = Callable[[tuple[str, int, bytes] | None], tuple[int, bytes, str]]


@dataclass(frozen=True)
class Cosigned:
    """A cosignature stored with a checkpoint: the witness's vkey and its line."""

    size: int
    witness: str
    line: str


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = f"file:{path.resolve()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    return conn


class Ledger:
    """One site's append-only audit log.

    Open with :meth:`create` (new file) or :meth:`open`. Without a ``signer``
    the ledger is read-only: it can be shown, proven and verified, not appended.
    """

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        *,
        origin: str,
        verifier: Verifier,
        signer: Signer | None,
        checkpoint_interval: int,
    ) -> None:
        self.path = path
        self._conn = conn
        self.origin = origin
        self.verifier = verifier
        self._signer = signer
        self.checkpoint_interval = checkpoint_interval

    # -- opening -----------------------------------------------------------------

    @classmethod
    def create(
        cls, path: str | Path, signer: Signer, *, checkpoint_interval: int = 1
    ) -> Ledger:
        """Create an empty ledger whose origin is the signer's name; sign checkpoint 0."""
        path = Path(path)
        if path.exists():
            raise StateError(f"{path}: a ledger already exists")
        conn = _connect(path, readonly=False)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("BEGIN IMMEDIATE")
            for stmt in _SCHEMA.strip().split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            verifier = signer.verifier()
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("format", FORMAT), ("origin", signer.name), ("vkey", verifier.vkey)],
            )
            text = Checkpoint(signer.name, 0, EMPTY_ROOT).text()
            note = join_note(text, [signer.sign_note(text)])
            conn.execute("INSERT INTO checkpoints (size, note) VALUES (0, ?)", (note,))
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        ledger = cls(path, conn, origin=signer.name, verifier=verifier, signer=signer,
                     checkpoint_interval=checkpoint_interval)
        ledger._configure_writer()
        return ledger

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        signer: Signer | None = None,
        verifier: Verifier | None = None,
        checkpoint_interval: int = 1,
    ) -> Ledger:
        """Open an existing ledger.

        ``signer`` opens it for appending (it must be the log's key);
        ``verifier``, if given, must match the key recorded in the ledger.
        """
        path = Path(path)
        if not path.is_file():
            raise InputError("no ledger here", path=path)
        conn = _connect(path, readonly=signer is None)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise IntegrityError(f"{path}: not a readable medveil ledger ({exc})") from None
        if meta.get("format") != FORMAT or "origin" not in meta or "vkey" not in meta:
            conn.close()
            raise IntegrityError(f"{path}: not a medveil ledger (format {meta.get('format')!r})")
        stored = Verifier.from_vkey(meta["vkey"])
        if verifier is not None and verifier.vkey != stored.vkey:
            conn.close()
            raise IntegrityError(
                f"{path}: ledger key {stored.vkey.split('+')[1]} is not the expected key "
                f"{verifier.vkey.split('+')[1]}"
            )
        if signer is not None and signer.verifier().vkey != stored.vkey:
            conn.close()
            raise IntegrityError(f"{path}: this key does not own the ledger")
        ledger = cls(path, conn, origin=meta["origin"], verifier=stored, signer=signer,
                     checkpoint_interval=checkpoint_interval)
        if signer is not None:
            ledger._configure_writer()
        return ledger

    def _configure_writer(self) -> None:
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------

    @property
    def size(self) -> int:
        row = self._conn.execute("SELECT MAX(idx) FROM entries").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def _subtree(self, level: int, index: int) -> bytes:
        row = self._conn.execute(
            "SELECT substr(hashes, ?, 32) FROM entries WHERE idx = ?",
            (level * HASH_SIZE + 1, ((index + 1) << level) - 1),
        ).fetchone()
        if row is None or len(row[0]) != HASH_SIZE:
            raise IntegrityError(f"{self.path}: tree node ({level}, {index}) is missing")
        return bytes(row[0])

    def root(self, size: int | None = None) -> bytes:
        """Root hash of the tree of the first ``size`` entries (default: all)."""
        size = self.size if size is None else size
        return range_hash(self._subtree, 0, size)

    def entry(self, index: int) -> bytes:
        row = self._conn.execute("SELECT data FROM entries WHERE idx = ?", (index,)).fetchone()
        if row is None:
            raise InputError(f"no entry {index} (the ledger has {self.size})")
        return bytes(row[0])

    def iter_entries(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, bytes]]:
        stop = self.size if stop is None else stop
        cur = self._conn.execute(
            "SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx",
            (start, stop),
        )
        for idx, data in cur:
            yield int(idx), bytes(data)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        size = self.size if size is None else size
        return inclusion_proof(self._subtree, index, size)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = self.size if new is None else new
        return consistency_proof(self._subtree, old, new)

    def checkpoint_note(self, size: int | None = None) -> str:
        """The signed checkpoint at ``size`` (default: the latest), with its cosignatures."""
        if size is None:
            row = self._conn.execute(
                "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1"
            ).fetchone()
        else:
            row = self._conn.execute(
                "SELECT size, note FROM checkpoints WHERE size = ?", (size,)
            ).fetchone()
        if row is None:
            raise InputError(f"no checkpoint at size {size}")
        note = str(row[1])
        cosigs = [c.line for c in self.cosignatures(int(row[0]))]
        if cosigs:
            text, sigs = split_note(note)
            note = join_note(text, [s.line for s in sigs] + cosigs)
        return note

    def checkpoint_sizes(self) -> list[int]:
        return [int(r[0]) for r in self._conn.execute("SELECT size FROM checkpoints ORDER BY size")]

    def latest_checkpoint(self) -> Checkpoint:
        return open_checkpoint(self.checkpoint_note(), self.verifier, self.origin)

    def cosignatures(self, size: int | None = None) -> list[Cosigned]:
        if size is None:
            rows = self._conn.execute(
                "SELECT size, witness, line FROM cosignatures ORDER BY size, witness"
            )
        else:
            rows = self._conn.execute(
                "SELECT size, witness, line FROM cosignatures WHERE size = ? ORDER BY witness",
                (size,),
            )
        return [Cosigned(int(s), str(w), str(line)) for s, w, line in rows]

    # -- writing -----------------------------------------------------------------

    def _require_signer(self) -> Signer:
        if self._signer is None:
            raise StateError(f"{self.path}: opened read-only (no signing key)")
        return self._signer

    def append(self, entries: Sequence[Entry]) -> int:
        """Append entries in one durable transaction; return the index of the first.

        A checkpoint is signed in the same transaction when at least
        ``checkpoint_interval`` entries were added since the last one.
        """
        return self.append_encoded([e.encode() for e in entries])

    def append_encoded(self, datas: Sequence[bytes]) -> int:
        """Append already-encoded canonical entries (callers: :meth:`append`, tests)."""
        signer = self._require_signer()
        if not datas:
            return self.size
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            n = self.size
            # The frontier of [0, n): one complete subtree per set bit of n.
            frontier: Frontier = []
            pos = 0
            for level in range(n.bit_length() - 1, -1, -1):
                if n >> level & 1:
                    frontier.append((level, self._subtree(level, pos >> level)))
                    pos += 1 << level
            rows = [(n + k, push_leaf(frontier, leaf_hash(data)), data)
                    for k, data in enumerate(datas)]
            conn.executemany("INSERT INTO entries (idx, hashes, data) VALUES (?, ?, ?)", rows)
            size = n + len(datas)
            last = conn.execute("SELECT MAX(size) FROM checkpoints").fetchone()[0]
            if size - int(last or 0) >= self.checkpoint_interval:
                self._insert_checkpoint(signer, size, frontier_root(frontier))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.debug("ledger %s: appended %d entries at %d", self.origin, len(datas), n)
        return n

    def _insert_checkpoint(self, signer: Signer, size: int, root: bytes) -> str:
        text = Checkpoint(self.origin, size, root).text()
        note = join_note(text, [signer.sign_note(text)])
        self._conn.execute(
            "INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?, ?)", (size, note)
        )
        return note

    def checkpoint(self) -> str:
        """Sign a checkpoint at the current size (if there is none) and return it."""
        signer = self._require_signer()
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            size = self.size
            if conn.execute("SELECT 1 FROM checkpoints WHERE size = ?", (size,)).fetchone() is None:
                self._insert_checkpoint(signer, size, self.root(size))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return self.checkpoint_note(size)

    def add_cosignature(self, size: int, witness: Verifier, line: str) -> None:
        """Store a witness's cosignature of the checkpoint at ``size`` after verifying it."""
        text, _ = split_note(self.checkpoint_note(size))
        verify_cosignature(text, line, witness)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.execute(
                "INSERT OR REPLACE INTO cosignatures (size, witness, line) VALUES (?, ?, ?)",
                (size, witness.vkey, line),
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    # -- witness state (what this site has cosigned for other logs) ----------------

    def witnessed(self, origin: str) -> tuple[str, int, bytes] | None:
        """(log vkey, size, root) of the last checkpoint of ``origin`` this site cosigned."""
        row = self._conn.execute(
            "SELECT vkey, size, root FROM witnessed WHERE origin = ?", (origin,)
        ).fetchone()
        return None if row is None else (str(row[0]), int(row[1]), bytes(row[2]))

    def record_witnessed(self, origin: str, log_vkey: str, check: WitnessCheck) -> None:
        """Atomically run ``check(previous)`` and store the checkpoint it returns.

        ``previous`` is what :meth:`witnessed` returns, read under the write
        lock so two cosigning requests for one log cannot interleave.
        """
        self._require_signer()
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            size, root, note = check(self.witnessed(origin))
            conn.execute(
                "INSERT OR REPLACE INTO witnessed (origin, vkey, size, root, note) "
                "VALUES (?, ?, ?, ?, ?)",
                (origin, log_vkey, size, root, note),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
