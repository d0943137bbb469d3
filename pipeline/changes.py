"""Changes: two output folders (paragraphs.csv, priorities.csv) -> a `RunChanges` record.

A nightly run says what changed since the previous `latest/`: which submissions are new,
changed (same file name, other bytes) or gone; which paragraphs got other labels, and why; and
which priorities entered or left the top of each theme's list. Only the CSV files are read, so
any two folders written by `run.write_outputs` compare, whichever run or model wrote them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.export import read_csv_rows
from pipeline.feedback import record_id, unneutralise

NEW_MODEL = "new model"
REVIEWER_CORRECTION = "reviewer correction"
CHANGED_TEXT = "changed text"
TEXT_CHARS = 160
MARKDOWN_ROWS = 25

Row = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class RunChanges:
    """What differs between the previous output folder and the new one."""

    previous_model: str | None
    current_model: str
    first_run: bool
    new_files: tuple[str, ...] = ()
    changed_files: tuple[str, ...] = ()
    removed_files: tuple[str, ...] = ()
    label_changes: tuple[dict[str, object], ...] = ()
    priorities_entered: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    priorities_left: dict[str, list[dict[str, object]]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.new_files
            or self.changed_files
            or self.removed_files
            or self.label_changes
            or self.priorities_entered
            or self.priorities_left
        )

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict (for `changes.json` and the run summary)."""
        return {
            "previous_model": self.previous_model,
            "current_model": self.current_model,
            "first_run": self.first_run,
            "new_files": list(self.new_files),
            "changed_files": list(self.changed_files),
            "removed_files": list(self.removed_files),
            "label_changes": [dict(change) for change in self.label_changes],
            "priorities_entered": self.priorities_entered,
            "priorities_left": self.priorities_left,
        }


def diff_runs(
    previous_dir: Path | None,
    current_dir: Path,
    *,
    top_n: int = 10,
    reviewed_ids: Set[str] = frozenset(),
    previous_model: str | None,
    current_model: str,
) -> RunChanges:
    """Compare two output folders; a missing previous folder (first night) compares with nothing.

    `reviewed_ids` are corpus record ids (`reviewed-<doc_id[:12]>-<para_index:04d>`, see
    `load_reviewed_ids`): a label change on such a paragraph is put down to the reviewer.
    """
    first_run = previous_dir is None or not (previous_dir / "paragraphs.csv").is_file()
    before = [] if first_run else read_rows(previous_dir / "paragraphs.csv")
    after = read_rows(current_dir / "paragraphs.csv")
    new, changed, removed = file_changes(before, after)
    return RunChanges(
        previous_model=previous_model,
        current_model=current_model,
        first_run=first_run,
        new_files=new,
        changed_files=changed,
        removed_files=removed,
        label_changes=tuple(
            label_changes(before, after, changed_files=set(changed), reviewed_ids=reviewed_ids)
        ),
        priorities_entered=top_changes(
            read_rows(current_dir / "priorities.csv"),
            [] if first_run else read_rows(previous_dir / "priorities.csv"),
            top_n=top_n,
        ),
        priorities_left=top_changes(
            [] if first_run else read_rows(previous_dir / "priorities.csv"),
            read_rows(current_dir / "priorities.csv"),
            top_n=top_n,
        ),
    )


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows, or none when the file is missing (a folder from a run that stopped early)."""
    return read_csv_rows(path) if path.is_file() else []


def file_doc_ids(rows: Iterable[Row]) -> dict[str, frozenset[str]]:
    """source_file -> the document ids its paragraphs carry (one, unless bytes changed)."""
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["source_file"], set()).add(row["doc_id"])
    return {name: frozenset(ids) for name, ids in found.items()}


def file_changes(
    before: Sequence[Row], after: Sequence[Row]
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(new, changed, removed) file names; a changed file kept its name but has new bytes."""
    old, new = file_doc_ids(before), file_doc_ids(after)
    return (
        tuple(sorted(new.keys() - old.keys())),
        tuple(sorted(name for name in new.keys() & old.keys() if new[name] != old[name])),
        tuple(sorted(old.keys() - new.keys())),
    )


def labels_of(row: Row) -> str:
    """What a reader compares: the themes, and whether the paragraph is a priority."""
    themes = ", ".join(sorted(t for t in row.get("themes", "").split(";") if t))
    flag = row.get("is_priority", "").strip().casefold() == "true"
    return f"{themes or '-'}{' (priority)' if flag else ''}"


def paragraph_key(row: Row) -> tuple[str, int]:
    return (row["doc_id"], int(row["para_index"]))


def label_changes(
    before: Sequence[Row],
    after: Sequence[Row],
    *,
    changed_files: Set[str] = frozenset(),
    reviewed_ids: Set[str] = frozenset(),
) -> list[dict[str, object]]:
    """Paragraphs whose labels differ, in file order, each with the likely reason.

    The same paragraph (doc_id, para_index) with other labels is a reviewer's correction when
    it was reviewed, else a new model (a retrained model may keep its name). In a changed file
    the ids differ, so paragraphs pair by text first (an inserted paragraph shifts every index
    after it), then by position for a rewritten paragraph: that is a change of text.
    """
    old = {paragraph_key(row): row for row in before}
    changes = []
    for row in after:
        key = paragraph_key(row)
        if key in old:
            reason = REVIEWER_CORRECTION if record_id(*key) in reviewed_ids else NEW_MODEL
            changes.append((old[key], row, reason))
    changes.extend(changed_file_pairs(before, after, changed_files, reviewed_ids))
    changes.sort(key=lambda change: (change[1]["source_file"], int(change[1]["para_index"])))
    return [
        change_record(previous, current, reason)
        for previous, current, reason in changes
        if labels_of(previous) != labels_of(current)
    ]


def changed_file_pairs(
    before: Sequence[Row], after: Sequence[Row], names: Set[str], reviewed_ids: Set[str]
) -> list[tuple[Row, Row, str]]:
    """(old, new, reason) paragraph pairs of files whose bytes changed."""
    pairs = []
    for name in sorted(names):
        old_rows = [row for row in before if row["source_file"] == name]
        new_rows = [row for row in after if row["source_file"] == name]
        new_texts = {row["text"] for row in new_rows}
        by_text = {row["text"]: row for row in reversed(old_rows)}
        by_index = {int(row["para_index"]): row for row in old_rows}
        for row in new_rows:
            if row["text"] in by_text:
                reviewed = record_id(*paragraph_key(row)) in reviewed_ids
                pairs.append((by_text[row["text"]], row, reason_for(reviewed)))
                continue
            previous = by_index.get(int(row["para_index"]))
            if previous is not None and previous["text"] not in new_texts:
                pairs.append((previous, row, CHANGED_TEXT))
    return pairs


def reason_for(reviewed: bool) -> str:
    return REVIEWER_CORRECTION if reviewed else NEW_MODEL


def change_record(previous: Row, current: Row, reason: str) -> dict[str, object]:
    return {
        "source_file": current["source_file"],
        "para_index": int(current["para_index"]),
        "text": shorten(unneutralise(current["text"])),
        "before": labels_of(previous),
        "after": labels_of(current),
        "reason": reason,
    }


def shorten(text: str, limit: int = TEXT_CHARS) -> str:
    """One line of at most `limit` characters, cut at a word: enough to recognise a paragraph."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if not line[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def normalise(text: str) -> str:
    """Case, accents, punctuation and spacing dropped: a re-worded line is still another ask,
    but a re-exported one (another quote mark, a trailing full stop) is the same."""
    decomposed = unicodedata.normalize("NFKD", unneutralise(text).casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", plain))


def top_texts(rows: Iterable[Row], top_n: int) -> dict[str, dict[str, dict[str, object]]]:
    """theme -> normalised text -> {rank, text} for the first `top_n` ranks of each theme."""
    top: dict[str, dict[str, dict[str, object]]] = {}
    for row in rows:
        rank = int(row["rank"])
        if rank <= top_n:
            entry = {"rank": rank, "text": shorten(unneutralise(row["text"]))}
            top.setdefault(row["theme"], {}).setdefault(normalise(row["text"]), entry)
    return top


def top_changes(
    rows: Sequence[Row], others: Sequence[Row], *, top_n: int
) -> dict[str, list[dict[str, object]]]:
    """Per theme, the priorities in the top `top_n` of `rows` that are not in that of `others`.

    Called (new, old) it gives what entered the top; (old, new) what left it.
    """
    mine, theirs = top_texts(rows, top_n), top_texts(others, top_n)
    found = {
        theme: sorted(
            (entry for key, entry in entries.items() if key not in theirs.get(theme, {})),
            key=lambda entry: entry["rank"],
        )
        for theme, entries in sorted(mine.items())
    }
    return {theme: entries for theme, entries in found.items() if entries}


def changes_summary(changes: RunChanges) -> dict[str, object]:
    """The counts and file names for `run_summary.json`; every row is in `changes.json`."""
    reasons: dict[str, int] = {}
    for change in changes.label_changes:
        reasons[str(change["reason"])] = reasons.get(str(change["reason"]), 0) + 1
    return {
        "first_run": changes.first_run,
        "previous_model": changes.previous_model,
        "new_files": list(changes.new_files),
        "changed_files": list(changes.changed_files),
        "removed_files": list(changes.removed_files),
        "label_changes": len(changes.label_changes),
        "label_changes_by_reason": dict(sorted(reasons.items())),
        "priorities_entered": sum(map(len, changes.priorities_entered.values())),
        "priorities_left": sum(map(len, changes.priorities_left.values())),
    }


def previous_model_of(folder: Path) -> str | None:
    """The model named in a folder's run_summary.json: the one that labelled all its rows."""
    try:
        summary = json.loads((folder / "run_summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    model = summary.get("model") if isinstance(summary, dict) else None
    return model if isinstance(model, str) else None


def load_reviewed_ids(folder: Path | None = None) -> frozenset[str]:
    """Ids of reviewer corrections in `folder` (default corpora/reviewed), each naming a
    paragraph as (doc_id[:12], para_index). A line that does not parse is skipped: the report
    must not stop the night, and training reports the bad line where it can be fixed."""
    if folder is None:
        from pipeline.classify.build import REVIEWED_DIR

        folder = REVIEWED_DIR
    if not folder.is_dir():
        return frozenset()
    ids = set()
    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            value = record.get("id") if isinstance(record, dict) else None
            if isinstance(value, str) and value.startswith("reviewed-"):
                ids.add(value)
    return frozenset(ids)


def changes_markdown(changes: RunChanges, *, limit: int = MARKDOWN_ROWS) -> str:
    """The changes as Markdown sections for the run's summary artifact."""
    lines = ["## Changes since the previous run", ""]
    if changes.first_run:
        return "\n".join([*lines, "First run: nothing to compare with.", ""])
    if changes.previous_model != changes.current_model:
        lines += [f"Model: `{changes.previous_model}` -> `{changes.current_model}`", ""]
    if changes.is_empty:
        return "\n".join([*lines, "Nothing changed.", ""])
    for title, names in (
        ("New submissions", changes.new_files),
        ("Changed submissions", changes.changed_files),
        ("Removed submissions", changes.removed_files),
    ):
        if names:
            lines += [f"### {title} ({len(names)})", "", *(f"- {n}" for n in names), ""]
    if changes.label_changes:
        lines += label_table(changes.label_changes, limit)
    for title, per_theme in (
        ("Entered the top", changes.priorities_entered),
        ("Left the top", changes.priorities_left),
    ):
        if per_theme:
            lines += [f"### {title}", ""]
            for theme, entries in per_theme.items():
                lines += [f"- **{theme}**", *(f"  - {e['rank']}. {e['text']}" for e in entries)]
            lines.append("")
    return "\n".join(lines)


def label_table(changes: Sequence[Mapping[str, object]], limit: int) -> list[str]:
    lines = [
        f"### Label changes ({len(changes)})",
        "",
        "| file | para | before | after | why | text |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for change in changes[:limit]:
        cells = [change[k] for k in ("source_file", "para_index", "before", "after", "reason")]
        cells.append(change["text"])
        lines.append("| " + " | ".join(cell_md(c) for c in cells) + " |")
    if len(changes) > limit:
        lines.append(f"\n… and {len(changes) - limit} more in changes.json")
    return [*lines, ""]


def cell_md(value: object) -> str:
    """A table cell: a pipe in the text would split the cell."""
    return str(value).replace("|", "\\|")
