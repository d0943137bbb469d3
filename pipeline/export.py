"""Export: records -> files a person opens (CSV, XLSX, JSON), written atomically.

CSV files carry a UTF-8 byte-order mark so Excel shows accents, and every cell that a
spreadsheet would evaluate as a formula is neutralised with a leading apostrophe; nothing else
in the text is changed. Every file is written to a temporary name and renamed, so a killed run
never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ERROR_COLUMNS = ("source_file", "reason", "detail")
MAX_FIELD = 1 << 30


def neutralise_cell(value: object) -> str:
    """The cell as text, with a leading apostrophe if a spreadsheet would run it as a formula."""
    text = format_cell(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (list, tuple)):
        return ";".join(format_cell(v) for v in value)
    return str(value)


@contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_file(path: Path, mode: str = "wb", **options):
    """An open file that replaces `path`, flushed to disk, only if the block succeeds."""
    with atomic_path(path) as temporary, temporary.open(mode, **options) as handle:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_file(path) as handle:
        handle.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_csv_rows(handle, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """The BOM, the header and the neutralised rows, written to an open text handle."""
    handle.write("\ufeff")
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(row.get(column)) for column in columns])


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    buffer = io.StringIO(newline="")
    write_csv_rows(buffer, columns, rows)
    return buffer.getvalue().encode("utf-8")


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> None:
    """Streamed to the temporary file row by row: a night's paragraphs are never held twice."""
    with atomic_file(path, "w", encoding="utf-8", newline="") as handle:
        write_csv_rows(handle, columns, rows)


def write_json(path: Path, data: object) -> None:
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV written by this module (or edited in a spreadsheet), apostrophes kept.

    The csv module refuses fields over 128 KiB by default; a paragraph can be longer.
    """
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD))
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def remove_stale_temporaries(directory: Path) -> list[str]:
    """Delete what a killed run left half-written (`.NAME.*.tmp`); return their names."""
    if not directory.is_dir():
        return []
    stale = [p for p in directory.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
    for path in stale:
        path.unlink(missing_ok=True)
    return sorted(p.name for p in stale)


def prediction_columns(labels: Sequence[str]) -> list[str]:
    return [
        *(f"p_{label}" for label in labels),
        "themes",
        "top_theme",
        "confidence",
        "is_priority",
        "p_priority",
        "needs_review",
        "evidence",
    ]


def prediction_fields(prediction, labels: Sequence[str]) -> dict[str, object]:
    """The prediction columns of an output row (probabilities, labels, review flag, evidence)."""
    row: dict[str, object] = {f"p_{label}": prediction.probabilities[label] for label in labels}
    row.update(
        themes=";".join(prediction.themes),
        top_theme=prediction.top_theme,
        confidence=prediction.confidence,
        is_priority=prediction.is_priority,
        p_priority=prediction.p_priority,
        needs_review=prediction.needs_review,
        evidence=" | ".join(prediction.evidence),
    )
    return row
