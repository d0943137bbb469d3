"""Nightly incremental ingestion: an inbox folder -> `runs/<stamp>/` and a refreshed `latest/`.

Only files the ledger has not done with the current model are extracted and classified (a task
per file); documents done with an older model are reclassified from their stored paragraphs.
Tonight's results go to `runs/<YYYYmmdd-HHMMSS>/`; `latest/` is rebuilt from the whole ledger
and swapped in whole. The ledger is written only after the outputs it describes, so a run
killed half-way loses nothing and counts nothing twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from pipeline.changes import (
    RunChanges,
    changes_markdown,
    changes_summary,
    diff_runs,
    load_reviewed_ids,
    previous_model_of,
)
from pipeline.classify.store import load_model, resolve_model_dir
from pipeline.discover import discover
from pipeline.export import write_csv, write_json
from pipeline.extract import ExtractOptions
from pipeline.ledger import (
    documents_needing_reclassification,
    entries,
    is_done,
    ledger_lock,
    open_ledger,
    record_document,
)
from pipeline.records import ClassifiedParagraph, ErrorReason, FileError, SourceFile
from pipeline.run import (
    IngestResult,
    classified_row,
    extract_options,
    ingest_source,
    paragraph_columns,
    sort_key,
    write_errors,
    write_outputs,
)
from pipeline.sandbox import SandboxFailure, run_sandboxed
from pipeline.settings import Settings, load_settings

LEDGER_FILE = "ledger.sqlite"
TOP_PER_THEME = 5
# `ThemeModel` fills its evidence cache lazily and is not thread-safe; the default task runner
# runs tasks in threads, and classifying is CPU-bound under the GIL anyway.
_CLASSIFY_LOCK = threading.Lock()


@dataclass(slots=True)
class Outcome:
    """What one input file gave tonight; `settled` is False for a crash worth retrying."""

    doc_id: str
    source_file: str
    classified: list[ClassifiedParagraph] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    settled: bool = True


@task(retries=1, cache_policy=NO_CACHE, task_run_name="process {source.relative_path}")
def process_document(
    source: SourceFile, options: ExtractOptions, model, settings: Settings
) -> Outcome:
    """Extract one file in a sandboxed child (hostile files), then classify its paragraphs."""
    result = extract_sandboxed(source, options, settings)
    return Outcome(
        source.doc_id, source.relative_path, classify(model, result.paragraphs), result.errors
    )


@task(cache_policy=NO_CACHE, task_run_name="reclassify {source_file}")
def reclassify_document(
    doc_id: str, source_file: str, stored: Sequence[ClassifiedParagraph], errors, model
) -> Outcome:
    """Classify stored paragraphs again with a new model: no re-extraction."""
    paragraphs = [item.paragraph for item in stored]
    return Outcome(doc_id, source_file, classify(model, paragraphs), list(errors))


def classify(model, paragraphs) -> list[ClassifiedParagraph]:
    with _CLASSIFY_LOCK:
        return model.classify(paragraphs)


def extract_sandboxed(source: SourceFile, options: ExtractOptions, settings: Settings):
    """`ingest_source` in a child with the run's time and memory limits."""
    [(_, outcome)] = run_sandboxed(
        [source],
        lambda job: ingest_source(job, options),
        workers=1,
        timeout_s=settings.file_timeout_s,
        memory_mb=settings.file_memory_mb,
    )
    if isinstance(outcome, SandboxFailure):
        error = FileError(source.relative_path, outcome.reason, outcome.detail, source.doc_id)
        return IngestResult(source.relative_path, errors=[error])
    return outcome


def outcome_of(future, source: SourceFile) -> Outcome:
    """A task's result, or an errors row when it crashed after its retry (retried next night)."""
    result = future.result(raise_on_failure=False)
    if isinstance(result, Outcome):
        return result
    reason = ErrorReason.TIMEOUT if isinstance(result, TimeoutError) else ErrorReason.CORRUPT
    detail = f"processing failed: {type(result).__name__}: {result}"[:500]
    error = FileError(source.relative_path, reason, detail, source.doc_id)
    return Outcome(source.doc_id, source.relative_path, errors=[error], settled=False)


def chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + max(1, size)]


def new_run_dir(runs: Path, now: dt.datetime) -> Path:
    """`runs/<YYYYmmdd-HHMMSS>`, with a suffix when two runs start in the same second."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for n in itertools.count():
        candidate = runs / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            candidate.mkdir(parents=True)
        except FileExistsError:
            continue
        return candidate
    raise AssertionError("unreachable")


def write_progress(out: Path, outcomes: Sequence[Outcome], labels: tuple[str, ...], metadata):
    """Tonight's rows so far, rewritten after each batch so the ledger never runs ahead."""
    classified = sorted(
        (item for o in outcomes for item in o.classified), key=lambda i: sort_key(i.paragraph)
    )
    rows = [classified_row(item, labels, metadata) for item in classified]
    write_csv(out / "paragraphs.csv", paragraph_columns(labels), rows)
    write_errors(out, (e for o in outcomes for e in o.errors))


def replace_dir(target: Path, build: Callable[[Path], None]) -> None:
    """Build a folder beside `target`, then swap it in: `target` is never half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        build(staging)
        staging.chmod(0o755)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = target.parent / f".{target.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(target: Path) -> None:
    """Undo a swap cut between its two renames, and drop staging folders of killed runs."""
    old = target.parent / f".{target.name}.old"
    if not target.exists() and old.exists():
        os.rename(old, target)
    for stale in target.parent.glob(f".{target.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)


def read_metadata(inbox: Path) -> dict[str, dict[str, str]]:
    from pipeline.prioritize import read_submission_metadata

    path = inbox / "submissions.csv"
    return read_submission_metadata(path) if inbox.is_dir() and path.is_file() else {}


def top_priorities(priorities: dict, limit: int = TOP_PER_THEME) -> list[dict[str, object]]:
    """The artifact table: the first few priorities of each theme."""
    return [
        {
            "theme": p.theme,
            "rank": p.rank,
            "text": p.text[:300],
            "support": p.support,
            "confidence": round(p.confidence, 3),
        }
        for ranked in priorities.values()
        for p in ranked[:limit]
    ]


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# Nightly run {summary['run']}",
        "",
        f"- model: `{summary['model']}`",
        f"- extracted and classified: {summary['extracted']} files",
        f"- reclassified with the new model: {summary['reclassified']} documents",
        f"- already done: {summary['skipped']} files",
        f"- errors tonight: {summary['errors']}",
        f"- latest/: {summary['latest_documents']} documents, "
        f"{summary['latest_paragraphs']} paragraphs",
        "",
    ]
    if summary["new_files"]:
        lines += ["## New or changed files", "", *(f"- {f}" for f in summary["new_files"]), ""]
    if summary["error_files"]:
        lines += ["## Errors", "", *(f"- {f}" for f in summary["error_files"]), ""]
    return "\n".join(lines)


@flow(name="nightly-ingestion")
def nightly_flow(
    inbox: str, out_root: str, model: str | None = None, batch_size: int = 8
) -> dict[str, object]:
    """Process what is new in `inbox`; refresh `out_root/latest/`. Returns the run summary."""
    out = Path(out_root)
    settings = load_settings(model=model)
    with ledger_lock(out / LEDGER_FILE), closing(open_ledger(out / LEDGER_FILE)) as connection:
        return run_night(connection, Path(inbox), out, settings, batch_size=batch_size)


def nightly_with(task_runner=None):
    """`nightly_flow` on another task runner (`flows.dask_runner.task_runner_for`); None keeps
    the default thread pool. A runner is not a flow parameter: it cannot travel in a schedule."""
    if task_runner is None:
        return nightly_flow
    return nightly_flow.with_options(task_runner=task_runner)


@dataclass(frozen=True, slots=True)
class Plan:
    """What tonight must do: files to extract, stored documents to reclassify."""

    sources: list[SourceFile]
    found_errors: list[FileError]
    todo: list[SourceFile]
    stale: list[str]


def plan_night(connection, inbox: Path, settings: Settings, model_name: str) -> Plan:
    """Discover the inbox and keep what the ledger has not done with this model."""
    found = list(discover(inbox, max_file_bytes=settings.max_file_bytes))
    sources = [f for f in found if isinstance(f, SourceFile)]
    stale = documents_needing_reclassification(connection, model_name)
    skip = set(stale)
    todo = [
        s for s in sources if s.doc_id not in skip and not is_done(connection, s.doc_id, model_name)
    ]
    return Plan(sources, [f for f in found if isinstance(f, FileError)], todo, stale)


def run_night(
    connection, inbox: Path, out: Path, settings: Settings, *, batch_size: int
) -> dict[str, object]:
    """The body of the flow, under the ledger's lock."""
    from pipeline.taxonomy import load_taxonomy

    logger = get_run_logger()
    started = dt.datetime.now()
    model_dir = resolve_model_dir(settings.model or None)
    model_name = model_dir.name
    theme_model = cached_model(model_dir, (model_dir / "model.json").stat().st_mtime_ns)
    labels, themes = theme_model.labels, load_taxonomy().theme_ids
    metadata = read_metadata(inbox)
    recover_dir(out / "latest")
    plan = plan_night(connection, inbox, settings, model_name)
    sources, found_errors, todo, stale = plan.sources, plan.found_errors, plan.todo, plan.stale
    logger.info(
        "%d files found, %d to process, %d documents to reclassify with %s",
        len(sources),
        len(todo),
        len(stale),
        model_name,
    )

    run_dir = new_run_dir(out / "runs", started)
    night: list[Outcome] = []

    def settle(batch: list[Outcome]) -> None:
        night.extend(batch)
        write_progress(run_dir, [*night, *map(discovery_outcome, found_errors)], labels, metadata)
        for outcome in batch:
            if outcome.settled:
                record_document(
                    connection,
                    doc_id=outcome.doc_id,
                    source_file=outcome.source_file,
                    model=model_name,
                    paragraphs=outcome.classified,
                    errors=outcome.errors,
                )

    if todo:
        warm_up()
        options = extract_options(settings)
        processor = process_document.with_options(timeout_seconds=settings.file_timeout_s + 60)
        for batch in chunks(todo, batch_size):
            futures = [processor.submit(s, options, theme_model, settings) for s in batch]
            settle([outcome_of(f, s) for f, s in zip(futures, batch, strict=True)])
    by_id = {entry.doc_id: entry for entry in entries(connection)}
    for batch in chunks(stale, batch_size):
        futures = [
            reclassify_document.submit(
                d, by_id[d].source_file, by_id[d].paragraphs, by_id[d].errors, theme_model
            )
            for d in batch
        ]
        settle([f.result() for f in futures])

    tonight_errors = [e for o in night for e in o.errors] + found_errors
    priorities = write_outputs(
        run_dir,
        [item for o in night for item in o.classified],
        tonight_errors,
        labels=labels,
        themes=themes,
        metadata=metadata,
    )
    stored = entries(connection)
    latest_classified = [item for entry in stored for item in entry.paragraphs]
    latest_errors = [e for entry in stored for e in entry.errors] + found_errors
    unsettled = [e for o in night if not o.settled for e in o.errors]
    summary = {
        "run": run_dir.name,
        "started": started.isoformat(timespec="seconds"),
        "inbox": str(inbox),
        "model": model_name,
        "files_found": len(sources),
        "extracted": len(todo),
        "reclassified": len(stale),
        "skipped": len(sources) - len(todo),
        "new_files": [s.relative_path for s in todo],
        "paragraphs": sum(len(o.classified) for o in night),
        "errors": len(tonight_errors),
        "error_files": sorted({f"{e.source_file} ({e.reason})" for e in tonight_errors}),
        "latest_documents": len(stored),
        "latest_paragraphs": len(latest_classified),
    }

    compared: list[RunChanges] = []

    def build_latest(folder: Path) -> None:
        latest_priorities = write_outputs(
            folder,
            latest_classified,
            latest_errors + unsettled,
            labels=labels,
            themes=themes,
            metadata=metadata,
        )
        summary["latest_priorities"] = sum(map(len, latest_priorities.values()))
        changes = compare_with_latest(out / "latest", folder, model_name)
        if changes is not None:
            compared.append(changes)
            summary["changes"] = changes_summary(changes)
        write_json(folder / "run_summary.json", summary)

    replace_dir(out / "latest", build_latest)
    summary["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    write_json(run_dir / "run_summary.json", summary)
    if compared:
        write_json(run_dir / "changes.json", compared[0].to_json())
    publish(summary, priorities, compared[0] if compared else None)
    logger.info(
        "run %s: %d extracted, %d reclassified, %d errors; latest/ holds %d documents",
        run_dir.name,
        summary["extracted"],
        summary["reclassified"],
        summary["errors"],
        summary["latest_documents"],
    )
    return summary


def compare_with_latest(previous: Path, current: Path, model_name: str) -> RunChanges | None:
    """What changed since the `latest/` about to be replaced; None (and a warning) when it
    cannot be read, e.g. re-saved by Excel: the report must never stop the swap."""
    try:
        return diff_runs(
            previous if previous.is_dir() else None,
            current,
            reviewed_ids=load_reviewed_ids(),
            previous_model=previous_model_of(previous),
            current_model=model_name,
        )
    except (OSError, ValueError, KeyError) as err:
        get_run_logger().warning("no changes report: %s cannot be compared (%s)", previous, err)
        return None


def warm_up() -> None:
    """Load the language models here, once, so every forked child shares them (seconds each)."""
    from pipeline.language import detect_languages

    detect_languages(["Protect the victims.", "Protéger les victimes.", "Proteger a las víctimas."])


@functools.lru_cache(maxsize=2)
def cached_model(model_dir: Path, stamp: int):
    """A model loaded once per process (seconds each time); a retrained folder reloads."""
    return load_model(model_dir)


def discovery_outcome(error: FileError) -> Outcome:
    """A file discovery refused (empty, too large): found again each night, never recorded."""
    return Outcome(error.doc_id, error.source_file, errors=[error], settled=False)


def publish(summary: dict, priorities: dict, changes: RunChanges | None = None) -> None:
    """Prefect artifacts: tonight's top priorities per theme and a readable run summary."""
    rows = top_priorities(priorities)
    if rows:
        create_table_artifact(
            key="nightly-top-priorities", table=rows, description="Tonight's top priorities"
        )
    create_markdown_artifact(
        key="nightly-summary",
        markdown=summary_markdown(summary) + (changes_markdown(changes) if changes else ""),
        description="Nightly run",
    )
