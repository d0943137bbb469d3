"""Benchmark workloads: a size -> a folder of realistic submissions, built once and cached.

Eight documents in ten are multi-page report PDFs (`tests/pdf_factory.long_report`, 4 to 20
pages), one is a plain-text note and one a Word file, both made from the labelled corpus. The
same size always gives the same bytes, so numbers from two machines describe the same work;
every file's bytes differ (a PDF gets its number in a trailing comment), so discovery never
folds two of them into one document.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.taxonomy import PROJECT_ROOT

WORKLOAD_VERSION = 1
PAGE_CYCLE = (4, 8, 12, 16, 20)
MANIFEST = "WORKLOAD.json"
CORPUS_DIR = PROJECT_ROOT / "corpora" / "labelled"
FIXED_TIME = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def default_cache() -> Path:
    """Outside the repository: the 1,000-document workload is about 100 MB."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "untoc-benchmarks"


@dataclass(frozen=True, slots=True)
class Planned:
    """One file of a workload: its name, its kind and, for a PDF, its page count."""

    name: str
    kind: str
    pages: int = 0


def plan(size: int) -> list[Planned]:
    """Which files a workload of `size` documents holds, in a fixed order."""
    files = []
    for number in range(size):
        slot = number % 10
        if slot == 8:
            files.append(Planned(f"note_{number:04d}.txt", "text"))
        elif slot == 9:
            files.append(Planned(f"submission_{number:04d}.docx", "docx"))
        else:
            pages = PAGE_CYCLE[number % len(PAGE_CYCLE)]
            files.append(Planned(f"report_{number:04d}.pdf", "pdf", pages))
    return files


def corpus_documents() -> list[list[dict]]:
    """The labelled corpus grouped by source document, in file order (deterministic)."""
    documents: dict[str, list[dict]] = {}
    for path in sorted(CORPUS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                documents.setdefault(record["source"], []).append(record)
    return list(documents.values())


def pdf_bytes(number: int, pages: int) -> bytes:
    from tests.pdf_factory import long_report

    return long_report(pages) + f"% benchmark document {number}\n".encode("ascii")


def text_bytes(records: list[dict]) -> bytes:
    """A note as staff paste it: headings and paragraphs, a blank line between blocks."""
    blocks = [("- " if r["kind"] == "list_item" else "") + r["text"] for r in records]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def docx_bytes(records: list[dict]) -> bytes:
    import docx

    document = docx.Document()
    for record in records:
        if record["kind"] == "heading":
            document.add_heading(record["text"], level=2)
        elif record["kind"] == "list_item":
            document.add_paragraph(record["text"], style="List Bullet")
        else:
            document.add_paragraph(record["text"])
    document.core_properties.created = FIXED_TIME
    document.core_properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip_times(buffer.getvalue())


def fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every member dated 2024-01-01: python-docx stamps the current time."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info))
    return buffer.getvalue()


def make_file(planned: Planned, number: int, sources: list[list[dict]]) -> bytes:
    if planned.kind == "pdf":
        return pdf_bytes(number, planned.pages)
    records = sources[number % len(sources)]
    return text_bytes(records) if planned.kind == "text" else docx_bytes(records)


def manifest(size: int) -> dict:
    return {"version": WORKLOAD_VERSION, "size": size, "files": [p.name for p in plan(size)]}


def workload(size: int, cache: Path | None = None) -> Path:
    """The folder of `size` documents, built into the cache the first time it is asked for."""
    cache = cache or default_cache()
    folder = cache / f"size-{size}"
    wanted = manifest(size)
    marker = folder / MANIFEST
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".size-{size}-", dir=cache))
    sources = corpus_documents()
    inbox = staging / "inbox"
    inbox.mkdir()
    for number, planned in enumerate(plan(size)):
        (inbox / planned.name).write_bytes(make_file(planned, number, sources))
    (staging / MANIFEST).write_text(json.dumps(wanted), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(staging, folder)
    return folder


def inbox_of(size: int, cache: Path | None = None) -> Path:
    return workload(size, cache) / "inbox"


def pdf_files(inbox: Path) -> Iterator[Path]:
    yield from sorted(inbox.glob("*.pdf"))


def total_pdf_pages(size: int) -> int:
    return sum(p.pages for p in plan(size))


def small_notes(count: int, cache: Path | None = None) -> Path:
    """`count` distinct short text notes: the inbox of the nightly no-change benchmark."""
    cache = cache or default_cache()
    folder = cache / f"notes-{count}"
    marker = folder / MANIFEST
    wanted = {"version": WORKLOAD_VERSION, "notes": count}
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return folder / "inbox"
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".notes-{count}-", dir=cache))
    (staging / "inbox").mkdir()
    sources = corpus_documents()
    for number in range(count):
        records = sources[number % len(sources)][:6]
        body = text_bytes(records) + f"Note {number}.\n".encode("ascii")
        (staging / "inbox" / f"note_{number:04d}.txt").write_bytes(body)
    (staging / MANIFEST).write_text(json.dumps(wanted), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.rename(staging, folder)
    return folder / "inbox"
