"""Compose the stages: discover -> extract -> segment -> detect language (-> classify ...).

The only module besides the CLI, the training code and the flows that knows the order of the
stages. Untrusted files are parsed in sandboxed child processes; results stream back one
document at a time, so memory stays flat however large the inbox.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.discover import discover, sniff_kind
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
    classified: list = field(default_factory=list)


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


def _ingest_and_classify(source: SourceFile, options: ExtractOptions, classify) -> IngestResult:
    result = ingest_source(source, options)
    if classify is not None and result.paragraphs:
        result.classified = classify(result.paragraphs)
    return result


def ingest_folder(
    root: Path,
    settings: Settings,
    *,
    on_result: Callable[[IngestResult], None] | None = None,
    classify: Callable[[list[Paragraph]], list] | None = None,
) -> Iterator[IngestResult]:
    """Every file under `root`, ingested in parallel sandboxed children, in completion order.

    With `classify` (a loaded model's `classify`), each child also classifies its document,
    so classification runs on every core too; the model, loaded before the fork, is shared.
    """
    import gc

    from pipeline.extract import warm_up_extractors
    from pipeline.language import detect_language

    detect_language("Warm the language models once here, before the workers are forked.")
    warm_up_extractors()
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
    gc.freeze()  # children then share the parent's heap instead of copying it on their first GC
    try:
        outcomes = run_sandboxed(
            sources,
            lambda source: _ingest_and_classify(source, options, classify),
            workers=settings.worker_count,
            timeout_s=settings.file_timeout_s,
            memory_mb=settings.file_memory_mb,
        )
        for source, outcome in outcomes:
            if isinstance(outcome, SandboxFailure):
                outcome = IngestResult(
                    source.relative_path,
                    errors=[
                        FileError(
                            source.relative_path, outcome.reason, outcome.detail, source.doc_id
                        )
                    ],
                )
            if on_result:
                on_result(outcome)
            yield outcome
    finally:
        gc.unfreeze()


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


METADATA_COLUMNS = ("organization", "stakeholder_type", "country", "date")
REVIEW_COLUMNS = ("reviewed_themes", "reviewed_priority")


def paragraph_columns(labels: tuple[str, ...]) -> list[str]:
    """The columns of `paragraphs.csv`, in the design's order, then review and metadata."""
    return [
        *PARAGRAPH_COLUMNS_EXTRACT,
        "themes",
        "top_theme",
        "confidence",
        *(f"p_{label}" for label in labels),
        "is_priority",
        "p_priority",
        "needs_review",
        "evidence",
        *REVIEW_COLUMNS,
        *METADATA_COLUMNS,
    ]


def classified_row(item, labels, metadata: dict[str, dict[str, str]]) -> dict[str, object]:
    from pipeline.export import prediction_fields
    from pipeline.prioritize import metadata_for

    row = paragraph_row(item.paragraph) | prediction_fields(item.prediction, labels)
    row.update({column: "" for column in REVIEW_COLUMNS})
    found = metadata_for(item.paragraph.source_file, metadata)
    row.update({column: found.get(column, "") for column in METADATA_COLUMNS})
    return row


def review_order(item) -> tuple[bool, float, str, int]:
    """Rows that need review first, the least certain first; then reading order."""
    prediction = item.prediction
    return (
        not prediction.needs_review,
        prediction.confidence if prediction.needs_review else 0.0,
        item.paragraph.source_file,
        item.paragraph.index,
    )


def write_errors(out: Path, errors) -> None:
    from pipeline.export import ERROR_COLUMNS, write_csv

    ordered = sorted(errors, key=lambda e: (e.source_file, str(e.reason)))
    write_csv(out / "errors.csv", ERROR_COLUMNS, map(error_row, ordered))


def write_outputs(
    out: Path,
    classified,
    errors,
    *,
    labels: tuple[str, ...],
    themes,
    metadata: dict[str, dict[str, str]],
) -> dict:
    """paragraphs.csv (review order), errors.csv, priorities.csv/json/xlsx; returns priorities.

    Shared by `untoc run` and the nightly flow so both write the same files and columns.
    """
    from pipeline.export import remove_stale_temporaries, write_csv, write_json
    from pipeline.prioritize import (
        PRIORITY_COLUMNS,
        priorities_json,
        priority_rows,
        rank_priorities,
    )
    from pipeline.workbook import write_priorities_xlsx

    remove_stale_temporaries(out)
    classified = sorted(classified, key=lambda item: sort_key(item.paragraph))
    priorities = rank_priorities(classified, themes=themes, metadata=metadata)
    rows = [classified_row(item, labels, metadata) for item in sorted(classified, key=review_order)]
    columns = paragraph_columns(labels)
    write_csv(out / "paragraphs.csv", columns, rows)
    write_errors(out, errors)
    write_csv(out / "priorities.csv", PRIORITY_COLUMNS, priority_rows(priorities))
    write_json(out / "priorities.json", priorities_json(priorities))
    write_priorities_xlsx(out / "priorities.xlsx", priorities, rows, columns, labels=labels)
    return priorities


def run_pipeline(
    input_path: Path,
    out: Path,
    settings: Settings,
    *,
    model=None,
    wrap=None,
) -> dict[str, object]:
    """The main job: every stage from the inbox to the files staff open in the morning.

    `wrap` may decorate the stream of per-file results (a progress bar). Returns the run
    summary that is also written to `run_summary.json`.
    """
    import datetime as dt

    from pipeline.classify.store import load_model
    from pipeline.export import write_json
    from pipeline.prioritize import breakdown_by_stakeholder, read_submission_metadata
    from pipeline.report import write_report
    from pipeline.taxonomy import load_taxonomy

    started = dt.datetime.now(dt.UTC)
    model = model or load_model(settings.model or None)
    labels = model.labels
    metadata_file = input_path / "submissions.csv" if input_path.is_dir() else None
    metadata = (
        read_submission_metadata(metadata_file) if metadata_file and metadata_file.is_file() else {}
    )
    classified, errors, documents = [], [], []
    results = ingest_folder(input_path, settings, classify=model.classify)
    for result in wrap(results) if wrap else results:
        classified.extend(result.classified)
        errors.extend(result.errors)
        documents.extend(result.documents)
    documents.sort(key=lambda d: d.source_file)

    themes = load_taxonomy().theme_ids
    priorities = write_outputs(
        out, classified, errors, labels=labels, themes=themes, metadata=metadata
    )
    summary = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "input": str(input_path),
        "model": model.spec.name,
        "model_arch": model.spec.arch,
        "documents": len(documents),
        "paragraphs": len(classified),
        "errors": len(errors),
        "errors_by_reason": _count(str(e.reason) for e in errors),
        "paragraphs_per_theme": _count(t for item in classified for t in item.prediction.themes),
        "priority_paragraphs": sum(item.prediction.is_priority for item in classified),
        "priorities_per_theme": {theme: len(priorities.get(theme, [])) for theme in themes},
        "priorities_by_stakeholder_type": breakdown_by_stakeholder(priorities),
        "needs_review": sum(item.prediction.needs_review for item in classified),
        "languages": _count(item.paragraph.lang for item in classified),
        "sources": [
            {
                "file": d.source_file,
                "doc_id": d.doc_id,
                "kind": d.kind,
                "title": d.title,
                "pages": d.page_count,
                "paragraphs": d.paragraph_count,
                "aliases": list(d.aliases),
            }
            for d in documents
        ],
    }
    write_json(out / "run_summary.json", summary)
    write_report(out)
    return summary


def _count(values) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
