"""Compose the stages: discover -> extract -> segment -> detect language (-> classify ...).

The only module besides the CLI, the training code and the flows that knows the order of the
stages. Untrusted files are parsed in sandboxed child processes; results stream back one
document at a time, so memory stays flat however large the inbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.discover import discover
from pipeline.errors import ExtractionError
from pipeline.extract import ExtractOptions, extract_document
from pipeline.language import tag_languages
from pipeline.records import (
    Document,
    DocumentKind,
    ErrorReason,
    FileError,
    Paragraph,
    SourceFile,
)
from pipeline.sandbox import SandboxFailure, run_sandboxed
from pipeline.segment import segment
from pipeline.settings import Settings

PARAGRAPH_COLUMNS_EXTRACT = (
    "doc_id",
    "source_file",
    "page",
    "para_index",
    "kind",
    "lead_in",
    "lang",
    "text",
)
MAX_ATTACHMENT_DEPTH = 3


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    doc_id: str
    source_file: str
    kind: str
    title: str
    page_count: int | None
    paragraph_count: int
    aliases: tuple[str, ...] = ()


@dataclass(slots=True)
class IngestResult:
    """Everything one input file gave: its documents (attachments too), paragraphs, errors."""

    source_file: str
    documents: list[DocumentSummary] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def extract_options(settings: Settings) -> ExtractOptions:
    return ExtractOptions(
        pdf_engine=settings.pdf_engine, max_pages=settings.max_pages, max_chars=settings.max_chars
    )


def ingest_bytes(
    data: bytes,
    kind: DocumentKind | None,
    *,
    doc_id: str,
    source_file: str,
    options: ExtractOptions,
    result: IngestResult,
    depth: int = 0,
) -> None:
    """Extract, segment and tag one file's bytes into `result`; attachments recurse."""
    try:
        document = extract_document(
            data, kind, doc_id=doc_id, source_file=source_file, options=options
        )
    except ExtractionError as err:
        result.errors.append(FileError(source_file, err.reason, err.detail, doc_id))
        return
    paragraphs = tag_languages(segment(document)) if document.blocks else []
    if document.blocks:
        result.documents.append(_summary(document, len(paragraphs)))
        result.paragraphs.extend(paragraphs)
    for attachment in document.attachments:
        _ingest_attachment(document, attachment.filename, attachment.data, options, result, depth)


def _ingest_attachment(
    parent: Document, filename: str, data: bytes, options, result: IngestResult, depth: int
) -> None:
    from pipeline.discover import sniff_kind

    name = f"{parent.source_file}/{Path(filename).name or 'attachment'}"
    if depth >= MAX_ATTACHMENT_DEPTH:
        result.errors.append(
            FileError(name, ErrorReason.UNSUPPORTED, "attachments nested too deeply; skipped")
        )
        return
    if not data:
        result.errors.append(FileError(name, ErrorReason.EMPTY, "the attachment has zero bytes"))
        return
    ingest_bytes(
        data,
        sniff_kind(data[:8192], Path(filename).suffix),
        doc_id=hashlib.sha256(data).hexdigest(),
        source_file=name,
        options=options,
        result=result,
        depth=depth + 1,
    )


def _summary(document: Document, paragraph_count: int) -> DocumentSummary:
    return DocumentSummary(
        doc_id=document.doc_id,
        source_file=document.source_file,
        kind=str(document.kind),
        title=document.title,
        page_count=document.page_count,
        paragraph_count=paragraph_count,
    )


def ingest_source(source: SourceFile, options: ExtractOptions) -> IngestResult:
    """One discovered file -> its paragraphs and errors. Runs inside a sandboxed child."""
    result = IngestResult(source.relative_path)
    try:
        data = source.path.read_bytes()
    except OSError as err:
        result.errors.append(
            FileError(source.relative_path, ErrorReason.UNREADABLE, f"cannot read: {err}")
        )
        return result
    ingest_bytes(
        data,
        source.kind,
        doc_id=source.doc_id,
        source_file=source.relative_path,
        options=options,
        result=result,
    )
    if source.aliases and result.documents:
        first = result.documents[0]
        result.documents[0] = DocumentSummary(
            first.doc_id,
            first.source_file,
            first.kind,
            first.title,
            first.page_count,
            first.paragraph_count,
            source.aliases,
        )
    return result


def ingest_folder(
    root: Path,
    settings: Settings,
    *,
    on_result: Callable[[IngestResult], None] | None = None,
) -> Iterator[IngestResult]:
    """Every file under `root`, ingested in parallel sandboxed children, in completion order."""
    from pipeline.language import _detector

    _detector()
    options = extract_options(settings)
    sources: list[SourceFile] = []
    for found in discover(root, max_file_bytes=settings.max_file_bytes):
        if isinstance(found, FileError):
            result = IngestResult(found.source_file, errors=[found])
            if on_result:
                on_result(result)
            yield result
        else:
            sources.append(found)
    outcomes = run_sandboxed(
        sources,
        lambda source: ingest_source(source, options),
        workers=settings.worker_count,
        timeout_s=settings.file_timeout_s,
        memory_mb=settings.file_memory_mb,
    )
    for source, outcome in outcomes:
        if isinstance(outcome, SandboxFailure):
            outcome = IngestResult(
                source.relative_path,
                errors=[
                    FileError(source.relative_path, outcome.reason, outcome.detail, source.doc_id)
                ],
            )
        if on_result:
            on_result(outcome)
        yield outcome


def paragraph_row(paragraph: Paragraph) -> dict[str, object]:
    return {
        "doc_id": paragraph.doc_id,
        "source_file": paragraph.source_file,
        "page": paragraph.page,
        "para_index": paragraph.index,
        "kind": str(paragraph.kind),
        "lead_in": paragraph.lead_in,
        "lang": paragraph.lang,
        "text": paragraph.text,
    }


def error_row(error: FileError) -> dict[str, object]:
    return {"source_file": error.source_file, "reason": str(error.reason), "detail": error.detail}


def sort_key(paragraph: Paragraph) -> tuple[str, int]:
    return (paragraph.source_file, paragraph.index)
