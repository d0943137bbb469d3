"""Apply a label review (one JSON change per line) to the labelled corpus, in place.

    python scripts/apply_label_review.py corpora/label_reviews/2026-11-28.jsonl

Each change names a record `id`, its new `labels` and `is_priority`, the `old_labels` and
`old_priority` the reviewer read, and a `reason`. A change whose old values no longer match the
corpus is refused, so a review is applied once and never over someone else's later edit. Only
the changed lines are rewritten; files are replaced atomically.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.export import write_text_atomic

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "labelled"


def apply_review(review: Path, corpus: Path = CORPUS) -> int:
    changes = {}
    for number, line in enumerate(review.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            change = json.loads(line)
            if change["id"] in changes:
                raise SystemExit(f"{review}:{number}: {change['id']} is changed twice")
            changes[change["id"]] = change
    applied = 0
    for path in sorted(corpus.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        changed = False
        for index, line in enumerate(lines):
            if not line.strip():
                continue
            record = json.loads(line)
            change = changes.pop(record["id"], None)
            if change is None:
                continue
            if sorted(record["labels"]) == sorted(change["labels"]) and (
                record["is_priority"] == change["is_priority"]
            ):
                continue
            if sorted(record["labels"]) != sorted(change["old_labels"]) or (
                record["is_priority"] != change["old_priority"]
            ):
                raise SystemExit(f"{record['id']}: the corpus no longer has the reviewed labels")
            record["labels"] = change["labels"]
            record["is_priority"] = change["is_priority"]
            lines[index] = json.dumps(record, ensure_ascii=False)
            changed = True
            applied += 1
        if changed:
            write_text_atomic(path, "\n".join(lines) + "\n")
    if changes:
        raise SystemExit(f"records not found: {', '.join(sorted(changes))}")
    return applied


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {apply_review(Path(name))} records changed")
