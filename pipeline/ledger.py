"""Ledger: which documents a nightly run has already done, in a small SQLite file.

Takes the per-document results of a night (`ClassifiedParagraph`, `FileError` records) and
gives back what is stored: whether a document is done with a model, its classified paragraphs
(so they can be reclassified or re-exported without re-extracting), and which documents a new
model must reclassify. A document is recorded only after its outputs are written, so a run
killed half-way redoes at most the documents whose outputs were not yet on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.records import (
    BlockKind,
    ClassifiedParagraph,
    ErrorReason,
    FileError,
    Paragraph,
    Prediction,
)

DONE = "done"
ERROR = "error"
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id      TEXT PRIMARY KEY,
    source_file TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('done', 'error')),
    model       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    paragraphs  TEXT NOT NULL DEFAULT '[]',
    errors      TEXT NOT NULL DEFAULT '[]',
    updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_source_file ON documents (source_file);
"""


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One stored document: the input file, its status and what it gave."""

    doc_id: str
    source_file: str
    status: str
    model: str
    reason: str
    paragraphs: tuple[ClassifiedParagraph, ...]
    errors: tuple[FileError, ...]
    updated_at: str


def open_ledger(path: Path | str, *, busy_timeout_ms: int = 10_000) -> sqlite3.Connection:
    """Open (creating if needed) the ledger; WAL lets readers look while a run writes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(SCHEMA)
    return connection


@contextmanager
def ledger_lock(path: Path | str, *, wait_s: float = 5.0) -> Iterator[None]:
    """Hold the process lock beside the ledger, so two nightly runs never overlap."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{path}.lock")
    try:
        lock.acquire(timeout=wait_s)
    except Timeout as err:
        raise PipelineError(
            f"another nightly run holds the lock {path}.lock (waited {wait_s:g} s); let it "
            "finish, or remove the lock file if no run is active."
        ) from err
    try:
        yield
    finally:
        lock.release()


def is_done(connection: sqlite3.Connection, doc_id: str, model: str) -> bool:
    """True when the document needs no work tonight.

    A failed document is settled whatever the model: the same bytes fail the same way, and a
    fixed file has new bytes, so a new id.
    """
    row = connection.execute(
        "SELECT status, model FROM documents WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    return row is not None and (row[0] == ERROR or row[1] == model)


def record_document(
    connection: sqlite3.Connection,
    *,
    doc_id: str,
    source_file: str,
    model: str,
    paragraphs: Sequence[ClassifiedParagraph] = (),
    errors: Sequence[FileError] = (),
    now: dt.datetime | None = None,
) -> None:
    """Store one input file's results; call only after its outputs are written.

    An earlier version of the same file (same name, other bytes) is replaced, so a changed
    file is never counted twice.
    """
    status = DONE if paragraphs or not errors else ERROR
    reason = str(errors[0].reason) if status == ERROR else ""
    stamp = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    with transaction(connection):
        connection.execute(
            "DELETE FROM documents WHERE source_file = ? AND doc_id != ?", (source_file, doc_id)
        )
        connection.execute(
            "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                source_file,
                status,
                model,
                reason,
                json.dumps([encode_classified(item) for item in paragraphs], ensure_ascii=False),
                json.dumps([asdict(error) for error in errors], ensure_ascii=False),
                stamp,
            ),
        )


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction; `BEGIN IMMEDIATE` takes the write lock up front."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def stored_paragraphs(connection: sqlite3.Connection, doc_id: str) -> list[ClassifiedParagraph]:
    """The classified paragraphs stored for a document (empty when unknown)."""
    row = connection.execute(
        "SELECT paragraphs FROM documents WHERE doc_id = ?", (doc_id,)
    ).fetchone()
    return [decode_classified(item) for item in json.loads(row[0])] if row else []


def documents_needing_reclassification(
    connection: sqlite3.Connection, model_name: str
) -> list[str]:
    """Ids of done documents classified by another model, in file order."""
    rows = connection.execute(
        "SELECT doc_id FROM documents WHERE status = ? AND model != ? ORDER BY source_file",
        (DONE, model_name),
    )
    return [row[0] for row in rows]


def entries(connection: sqlite3.Connection) -> list[LedgerEntry]:
    """Every stored document, in file order: what `latest/` is rebuilt from."""
    rows = connection.execute(
        "SELECT doc_id, source_file, status, model, reason, paragraphs, errors, updated_at "
        "FROM documents ORDER BY source_file"
    )
    return [
        LedgerEntry(
            doc_id,
            source_file,
            status,
            model,
            reason,
            tuple(decode_classified(item) for item in json.loads(paragraphs)),
            tuple(decode_error(item) for item in json.loads(errors)),
            updated_at,
        )
        for doc_id, source_file, status, model, reason, paragraphs, errors, updated_at in rows
    ]


def encode_classified(item: ClassifiedParagraph) -> dict[str, object]:
    return {"paragraph": asdict(item.paragraph), "prediction": asdict(item.prediction)}


def decode_classified(data: dict) -> ClassifiedParagraph:
    """The inverse of `encode_classified`: enums and tuples restored."""
    paragraph = dict(data["paragraph"], kind=BlockKind(data["paragraph"]["kind"]))
    prediction = dict(data["prediction"])
    prediction["themes"] = tuple(prediction["themes"])
    prediction["evidence"] = tuple(prediction["evidence"])
    return ClassifiedParagraph(Paragraph(**paragraph), Prediction(**prediction))


def decode_error(data: dict) -> FileError:
    return FileError(**dict(data, reason=ErrorReason(data["reason"])))
