"""Feedback: a reviewed paragraphs.csv or priorities.xlsx -> labelled-corpus records (JSONL).

Reviewers correct labels in `reviewed_themes` and `reviewed_priority`. Their file may have been
re-saved by Excel (semicolons, cp1252, TRUE/VRAI/VERDADERO), so reading is lenient about form
and strict about content: every problem in the file is reported at once, by row, before
anything is written. Corrections go to `corpora/reviewed/`, one id per paragraph, so a later
correction replaces an earlier one instead of contradicting it in the training data.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.export import FORMULA_PREFIXES, write_text_atomic

KINDS = ("paragraph", "list_item", "heading")
NONE_LABEL = "none"
REQUIRED_COLUMNS = ("doc_id", "para_index", "text")
REVIEW_COLUMNS = ("reviewed_themes", "reviewed_priority")
REVIEW_SHEET = "review"
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "sí", "si", "oui", "vrai", "verdadero"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "non", "faux", "falso"})
DELIMITERS = (",", ";", "\t")


class FeedbackError(PipelineError):
    """A reviewed file cannot be read, or some of its corrections are invalid."""


@dataclass(frozen=True, slots=True)
class ReviewedRow:
    """One paragraph row of a reviewed file, as text, with where it was found."""

    origin: str
    row: int
    doc_id: str
    source_file: str
    page: str
    para_index: str
    kind: str
    lead_in: str
    heading: str
    lang: str
    text: str
    themes: str
    is_priority: str
    reviewed_themes: str
    reviewed_priority: str

    @property
    def is_reviewed(self) -> bool:
        return bool(self.reviewed_themes.strip() or self.reviewed_priority.strip())


def unneutralise(value: str) -> str:
    """Undo the apostrophe export.neutralise_cell put before a formula-like cell."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def cell_text(value: object) -> str:
    """A spreadsheet value as the text the CSV would have held."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def decode(data: bytes, origin: str) -> str:
    """UTF-8 (with or without BOM) as the pipeline writes; cp1252 as older Excel saves."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as err:
            raise FeedbackError(
                f"{origin}: neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8'."
            ) from err


def delimiter_of(header: str) -> str:
    """The header names hold no separators, so the most frequent candidate is the delimiter."""
    return max(DELIMITERS, key=header.count)


def csv_records(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        text = decode(path.read_bytes(), path.name)
    except OSError as err:
        raise FeedbackError(f"{path}: cannot read the reviewed file ({err}).") from err
    header = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter_of(header))
    return table_records(list(reader), path.name)


def xlsx_records(path: Path) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as err:
        raise FeedbackError(f"{path}: not a readable .xlsx workbook ({err}).") from err
    try:
        if REVIEW_SHEET not in workbook.sheetnames:
            raise FeedbackError(
                f"{path}: no '{REVIEW_SHEET}' sheet; pass the priorities.xlsx the pipeline wrote "
                "or the reviewed paragraphs.csv."
            )
        sheet = workbook[REVIEW_SHEET]
        rows = [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return table_records(rows, path.name)


def table_records(rows: list[list[str]], origin: str) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: value}) for every non-blank row under the header."""
    if not rows:
        raise FeedbackError(f"{origin}: the file is empty; expected the paragraphs with a header.")
    header = [name.strip().casefold() for name in rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing or not any(column in header for column in REVIEW_COLUMNS):
        wanted = [*missing, *([] if set(REVIEW_COLUMNS) & set(header) else REVIEW_COLUMNS)]
        raise FeedbackError(
            f"{origin}: missing column(s) {', '.join(wanted)}; expected the paragraphs.csv or "
            "priorities.xlsx the pipeline wrote, with reviewed_themes / reviewed_priority filled."
        )
    records = []
    for number, values in enumerate(rows[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        records.append((number, dict(zip(header, values, strict=False))))
    return records


def reviewed_row(origin: str, number: int, values: Mapping[str, str]) -> ReviewedRow:
    def get(column: str) -> str:
        return unneutralise(values.get(column) or "")

    return ReviewedRow(
        origin=origin,
        row=number,
        doc_id=get("doc_id").strip(),
        source_file=get("source_file"),
        page=get("page").strip(),
        para_index=get("para_index").strip(),
        kind=get("kind").strip() or "paragraph",
        lead_in=get("lead_in"),
        heading=get("heading"),
        lang=get("lang").strip() or "und",
        text=get("text"),
        themes=get("themes"),
        is_priority=get("is_priority"),
        reviewed_themes=get("reviewed_themes"),
        reviewed_priority=get("reviewed_priority"),
    )


def read_reviewed(path: Path) -> list[ReviewedRow]:
    """Every paragraph row of a reviewed paragraphs.csv, or of the review sheet of
    priorities.xlsx, reviewed or not, in file order."""
    records = xlsx_records(path) if path.suffix.lower() == ".xlsx" else csv_records(path)
    return [reviewed_row(path.name, number, values) for number, values in records]


def parse_labels(value: str, labels: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """'Firearms; trafficking in persons' -> the labels in taxonomy order, and any problems."""
    tokens = [
        re.sub(r"[\s\-]+", "_", token.strip().lstrip("'").strip().casefold())
        for token in re.split(r"[;,]", value)
    ]
    found = [token for token in dict.fromkeys(tokens) if token]
    unknown = [token for token in found if token not in labels]
    problems = []
    if unknown:
        problems.append(f"unknown label(s) {', '.join(unknown)}; use {', '.join(labels)}")
    if NONE_LABEL in found and len(found) > 1:
        problems.append(f"'{NONE_LABEL}' cannot go with another label")
    return tuple(label for label in labels if label in found), problems


def parse_flag(value: str) -> bool | None:
    word = value.strip().lstrip("'").strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def record_id(doc_id: str, para_index: int) -> str:
    return f"reviewed-{doc_id[:12]}-{para_index:04d}"


def correction(
    row: ReviewedRow, *, labels: Sequence[str], reviewer_date: str
) -> tuple[dict | None, list[str]]:
    """The corpus record of one reviewed row, or the problems that prevent it.

    An empty reviewed_themes keeps the model's themes and an empty reviewed_priority keeps its
    is_priority: the reviewer looked at the row and changed only the other column.
    """
    problems: list[str] = []
    if not row.doc_id:
        problems.append("doc_id is empty")
    if not row.text.strip():
        problems.append("text is empty")
    index = int(row.para_index) if row.para_index.isdigit() else None
    if index is None:
        problems.append(f"para_index {row.para_index!r} is not a whole number")
    page = int(float(row.page)) if re.fullmatch(r"\d+(\.0+)?", row.page) else None
    if row.page and page is None:
        problems.append(f"page {row.page!r} is not a whole number")
    if row.kind not in KINDS:
        problems.append(f"kind {row.kind!r} is not one of {', '.join(KINDS)}")
    chosen, label_problems = parse_labels(row.reviewed_themes or row.themes, labels)
    problems.extend(label_problems)
    if not chosen and not label_problems:
        problems.append("no themes: fill reviewed_themes (use 'none' for no theme)")
    flag = parse_flag(row.reviewed_priority or row.is_priority)
    if flag is None:
        column = "reviewed_priority" if row.reviewed_priority.strip() else "is_priority"
        value = row.reviewed_priority or row.is_priority
        problems.append(f"{column} {value!r} is not true/false (or yes/no, sí, oui/non, 1/0)")
    if problems or index is None or flag is None:
        return None, problems
    return {
        "id": record_id(row.doc_id, index),
        "text": row.text.strip(),
        "lang": row.lang,
        "labels": list(chosen),
        "is_priority": flag,
        "source": f"reviewed-{row.doc_id[:12]}",
        "kind": row.kind,
        "lead_in": row.lead_in.strip(),
        "heading": row.heading.strip(),
        "doc_type": "",
        "source_file": row.source_file,
        "page": page,
        "reviewed_at": reviewer_date,
    }, []


def corrections_to_records(
    rows: Iterable[ReviewedRow], *, labels: Sequence[str], reviewer_date: str
) -> list[dict]:
    """Labelled-corpus records (the JSONL schema of classify.corpus, plus source_file, page and
    reviewed_at) for the rows a reviewer filled in; raises one FeedbackError listing every
    problem by row if any row is wrong, so a half-valid file never reaches the corpus."""
    reviewer_date = iso_day(reviewer_date)
    records: list[dict] = []
    problems: list[str] = []
    first_row: dict[str, int] = {}
    origins: list[str] = []
    for row in rows:
        if not row.is_reviewed:
            continue
        origins.append(row.origin)
        record, row_problems = correction(row, labels=labels, reviewer_date=reviewer_date)
        if record is not None and record["id"] in first_row:
            row_problems = [f"same paragraph as row {first_row[record['id']]}"]
        problems.extend(f"row {row.row}: {problem}" for problem in row_problems)
        if record is not None and not row_problems:
            first_row[record["id"]] = row.row
            records.append(record)
    if problems:
        where = ", ".join(dict.fromkeys(origins))
        raise FeedbackError(
            f"{where}: {len(problems)} problem(s) in the reviewed rows; nothing was saved. "
            "Fix them and run again:\n  " + "\n  ".join(problems)
        )
    return records


def iso_day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as err:
        raise FeedbackError(f"review date {value!r} is not a date; use YYYY-MM-DD.") from err


def read_jsonl(path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise FeedbackError(
                    f"{path}:{number}: not valid JSON ({err.msg}); fix or remove the line."
                ) from err
    return records


def jsonl_text(records: Iterable[Mapping[str, object]]) -> str:
    lines = (json.dumps(record, ensure_ascii=False) for record in records)
    return "".join(f"{line}\n" for line in lines)


def newer(candidate: Mapping[str, object], existing: Mapping[str, object]) -> bool:
    """A correction replaces another of the same paragraph unless it was made earlier."""
    return str(candidate.get("reviewed_at") or "") >= str(existing.get("reviewed_at") or "")


def write_reviewed(records: Sequence[Mapping[str, object]], directory: Path) -> Path:
    """Add corrections to `directory` as reviewed-<date>.jsonl (sorted by id) and drop older
    corrections of the same paragraphs from the files already there, so that ids stay unique
    across the folder, as load_corpus requires. "Later" goes by reviewed_at: a correction older
    than one already saved for the same paragraph is dropped, so re-importing an old file never
    undoes a newer review.

    The new file is written before the older files are pruned: a crash in between leaves a
    duplicate id that load_corpus reports, never a lost correction.
    """
    if not records:
        raise FeedbackError("no corrections to save: fill reviewed_themes or reviewed_priority.")
    day = iso_day(max(str(record.get("reviewed_at") or "") for record in records))
    target = directory / f"reviewed-{day}.jsonl"
    existing = {
        path: read_jsonl(path) for path in sorted(directory.rglob("*.jsonl")) if path.is_file()
    }
    latest: dict[str, Mapping[str, object]] = {}
    for path_records in existing.values():
        for record in path_records:
            kept = latest.get(str(record["id"]))
            if kept is None or newer(record, kept):
                latest[str(record["id"])] = record
    incoming = {}
    for record in records:
        kept = latest.get(str(record["id"]))
        if kept is None or newer(record, kept):
            incoming[str(record["id"])] = record
    merged = {str(r["id"]): r for r in existing.get(target, []) if str(r["id"]) not in incoming}
    merged.update(incoming)
    if merged:
        write_text_atomic(target, jsonl_text(merged[key] for key in sorted(merged)))
    for path, path_records in existing.items():
        if path == target:
            continue
        kept_records = [r for r in path_records if str(r["id"]) not in incoming]
        if len(kept_records) == len(path_records):
            continue
        if kept_records:
            write_text_atomic(path, jsonl_text(kept_records))
        else:
            path.unlink()
    return target
