"""Labelled corpus: JSONL files -> validated `LabelledText` records, split by source document.

The split is by source document (a hash of its id), so paragraphs of one submission never
straddle train and test, and adding documents later never moves existing ones between sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import CorpusError

KINDS = ("paragraph", "list_item", "heading")
REQUIRED = ("id", "text", "lang", "labels", "is_priority", "source", "kind")
TEST_SHARE_BUCKETS = 5


@dataclass(frozen=True, slots=True)
class LabelledText:
    id: str
    text: str
    lang: str
    labels: tuple[str, ...]
    is_priority: bool
    source: str
    kind: str
    lead_in: str = ""
    heading: str = ""
    doc_type: str = ""


def parse_record(raw: dict, *, labels: Sequence[str], where: str) -> LabelledText:
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise CorpusError(f"{where}: missing field(s) {', '.join(missing)}")
    record_labels = tuple(raw["labels"])
    unknown = [label for label in record_labels if label not in labels]
    if unknown or not record_labels:
        raise CorpusError(
            f"{where}: unknown or empty labels {list(record_labels)}; use {', '.join(labels)}"
        )
    if "none" in record_labels and len(record_labels) > 1:
        raise CorpusError(f"{where}: 'none' cannot appear with another label")
    if raw["kind"] not in KINDS:
        raise CorpusError(f"{where}: kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
    if not isinstance(raw["is_priority"], bool) or not str(raw["text"]).strip():
        raise CorpusError(f"{where}: is_priority must be true/false and text non-empty")
    return LabelledText(
        id=str(raw["id"]),
        text=str(raw["text"]).strip(),
        lang=str(raw["lang"]),
        labels=tuple(label for label in labels if label in record_labels),
        is_priority=raw["is_priority"],
        source=str(raw["source"]),
        kind=raw["kind"],
        lead_in=str(raw.get("lead_in") or ""),
        heading=str(raw.get("heading") or ""),
        doc_type=str(raw.get("doc_type") or ""),
    )


def corpus_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.rglob("*.jsonl")))
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such corpus file or folder")
    return files


def load_corpus(paths: Iterable[Path], *, labels: Sequence[str]) -> list[LabelledText]:
    """All records of the JSONL files under `paths`, validated; ids must be unique."""
    records: list[LabelledText] = []
    seen: set[str] = set()
    for file in corpus_files(paths):
        with file.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{file}:{number}"
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as err:
                    raise CorpusError(f"{where}: not valid JSON ({err.msg})") from err
                record = parse_record(raw, labels=labels, where=where)
                if record.id in seen:
                    raise CorpusError(f"{where}: duplicate id {record.id}")
                seen.add(record.id)
                records.append(record)
    if not records:
        raise CorpusError("the corpus is empty; point --corpus at folders of .jsonl files")
    return records


def corpus_fingerprint(records: Sequence[LabelledText]) -> str:
    digest = hashlib.sha256()
    for record in records:
        digest.update(
            json.dumps(
                [
                    record.id,
                    record.text,
                    record.labels,
                    record.is_priority,
                    record.lead_in,
                    record.heading,
                ]
            ).encode()
        )
    return digest.hexdigest()


def heldout_fingerprint(records: Sequence[LabelledText]) -> str:
    """Identifies a held-out set whatever order its files were read in."""
    return corpus_fingerprint(sorted(records, key=lambda r: r.id))


def is_test_source(source: str) -> bool:
    """One source document in five is held out, chosen by a hash of its id."""
    return int(hashlib.sha1(source.encode()).hexdigest(), 16) % TEST_SHARE_BUCKETS == 0


def split_by_source(
    records: Sequence[LabelledText],
) -> tuple[list[LabelledText], list[LabelledText]]:
    train = [r for r in records if not is_test_source(r.source)]
    test = [r for r in records if is_test_source(r.source)]
    return train, test
