"""What each CLI verb does, as plain functions the CLI, the flows and the tests call."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from pipeline.export import remove_stale_temporaries, write_csv
from pipeline.run import (
    PARAGRAPH_COLUMNS_EXTRACT,
    IngestResult,
    ingest_folder,
    paragraph_row,
    sort_key,
    write_errors,
)
from pipeline.settings import Settings
from pipeline.taxonomy import PROJECT_ROOT


def with_progress(results: Iterable[IngestResult], description: str) -> Iterable[IngestResult]:
    """A progress bar on a terminal; plain iteration when output goes to a file or CI."""
    if not sys.stderr.isatty():
        yield from results
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(description, total=None)
        for result in results:
            progress.update(task, advance=1, description=f"{description} {result.source_file}"[:60])
            yield result


SAMPLES_DIR = PROJECT_ROOT / "corpora" / "samples"


def run_main(input_path: Path, out: Path, settings: Settings) -> dict:
    from pipeline.run import run_pipeline

    return run_pipeline(
        input_path, out, settings, wrap=lambda results: with_progress(results, "Processing")
    )


def run_extract(input_path: Path, out: Path, settings: Settings) -> dict[str, int]:
    paragraphs, errors, documents = [], [], 0
    for result in with_progress(ingest_folder(input_path, settings), "Extracting"):
        paragraphs.extend(result.paragraphs)
        errors.extend(result.errors)
        documents += len(result.documents)
    remove_stale_temporaries(out)
    paragraphs.sort(key=sort_key)
    write_csv(out / "paragraphs.csv", PARAGRAPH_COLUMNS_EXTRACT, map(paragraph_row, paragraphs))
    write_errors(out, errors)
    return {"documents": documents, "paragraphs": len(paragraphs), "errors": len(errors)}


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or JSONL file with at least `id` and `text`."""
    import json

    from pipeline.errors import PipelineError

    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        rows = []
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as err:
                        raise PipelineError(f"{path}:{number}: not valid JSON ({err.msg})") from err
    else:
        from pipeline.export import read_csv_rows

        rows = read_csv_rows(path)
    if rows and not {"id", "text"} <= set(rows[0]):
        raise PipelineError(f"{path}: needs `id` and `text` columns (found {sorted(rows[0])})")
    return rows


def run_classify(input_path: Path, out: Path, model_path: Path | None) -> int:
    from pipeline.classify.store import load_model
    from pipeline.export import prediction_columns, prediction_fields

    model = load_model(model_path)
    rows = read_table(input_path)
    predictions = model.predict(
        [str(r["text"]) for r in rows],
        kinds=[str(r.get("kind") or "paragraph") for r in rows],
        lead_ins=[str(r.get("lead_in") or "") for r in rows],
        headings=[str(r.get("heading") or "") for r in rows],
    )
    labels = model.labels
    write_csv(
        out,
        ["id", *prediction_columns(labels)],
        (
            {"id": r["id"], **prediction_fields(p, labels)}
            for r, p in zip(rows, predictions, strict=True)
        ),
    )
    return len(rows)


def run_evaluate(
    model_path: Path | None, corpus: list[Path], out: Path | None, *, split: str = "test"
) -> dict:
    from pipeline.classify.build import load_labelled
    from pipeline.classify.corpus import split_by_source
    from pipeline.classify.evaluate import evaluate_model, plot_reliability
    from pipeline.classify.store import load_model, resolve_model_dir
    from pipeline.export import write_json

    model = load_model(model_path)
    records = load_labelled(corpus or None)
    if split == "test":
        _, records = split_by_source(records)
    metrics = evaluate_model(model, records)
    target = out or resolve_model_dir(model_path) / "evaluation"
    write_json(target / "evaluation.json", metrics)
    plot_reliability(metrics, target / "reliability.png", title=f"{model.spec.name}")
    return metrics | {"output": str(target)}
