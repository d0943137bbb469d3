"""The `untoc` command: a thin Typer shell over the library.

Heavy libraries (spaCy, scikit-learn, Prefect) are imported inside the commands that need them
so `untoc --help` starts at once. Domain errors become one-line messages here, at the edge.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.errors import PipelineError

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    name="untoc",
    help="Classify stakeholder submissions on the UN Convention against Transnational "
    "Organized Crime and list their priorities per theme.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="TOML settings file (default: ./untoc.toml).")
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Parallel worker processes (default: all cores).")
]
EngineOption = Annotated[
    str | None, typer.Option("--pdf-engine", help="PDF engine: pdfium (fast) or pdfplumber.")
]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


@app.command()
def run(
    input_path: Annotated[
        Path | None, typer.Argument(help="Folder of submissions (default: the shipped samples).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("untoc-output"),
    model: Annotated[
        Path | None, typer.Option("--model", help="Model folder (default: models/DEFAULT).")
    ] = None,
    config: ConfigOption = None,
    workers: WorkersOption = None,
    pdf_engine: EngineOption = None,
    strict: Annotated[bool, typer.Option(help="Exit with code 1 if any file fails.")] = False,
) -> None:
    """Run the whole pipeline: paragraphs, themes, priorities and review files."""
    from pipeline.commands import SAMPLES_DIR, run_main
    from pipeline.reporting import print_run_summary
    from pipeline.settings import load_settings

    input_path = input_path or SAMPLES_DIR
    if not input_path.exists():
        raise _fail(f"{input_path}: no such file or folder; pass the inbox folder to read.")
    try:
        settings = load_settings(
            config, workers=workers, pdf_engine=pdf_engine, model=str(model) if model else None
        )
        summary = run_main(input_path, out, settings)
    except PipelineError as err:
        raise _fail(str(err)) from err
    print_run_summary(summary, out)
    if strict and summary["errors"]:
        raise typer.Exit(code=1)


@app.command()
def extract(
    input_path: Annotated[Path, typer.Argument(help="Folder (or file) of submissions.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("untoc-output"),
    config: ConfigOption = None,
    workers: WorkersOption = None,
    pdf_engine: EngineOption = None,
    strict: Annotated[bool, typer.Option(help="Stop with exit code 1 if any file fails.")] = False,
) -> None:
    """Extract and segment submissions into paragraphs.csv and errors.csv."""
    from pipeline.commands import run_extract
    from pipeline.settings import load_settings

    if not input_path.exists():
        raise _fail(f"{input_path}: no such file or folder; pass the inbox folder to read.")
    try:
        settings = load_settings(config, workers=workers, pdf_engine=pdf_engine)
        summary = run_extract(input_path, out, settings)
    except PipelineError as err:
        raise _fail(str(err)) from err
    typer.echo(
        f"{summary['documents']} documents, {summary['paragraphs']} paragraphs, "
        f"{summary['errors']} errors -> {out}"
    )
    if strict and summary["errors"]:
        raise typer.Exit(code=1)


TrainingCorpusOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--corpus",
        help="Corpus folder or JSONL (repeatable; default: corpora/labelled and corpora/reviewed).",
    ),
]
ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="Model folder or pointer file (default: models/DEFAULT)."),
]


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Model folder to write, e.g. models/NAME.")],
    corpus: TrainingCorpusOption = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    no_context: Annotated[
        bool, typer.Option("--no-context", help="Ignore lead-ins and headings.")
    ] = False,
    set_default: Annotated[
        bool, typer.Option("--set-default", help="Point models/DEFAULT at the new model.")
    ] = False,
    compare_spacy: Annotated[
        bool,
        typer.Option(
            "--compare-spacy",
            help="Also train a spaCy textcat on the same split and record both in the model card.",
        ),
    ] = False,
) -> None:
    """Train the theme and priority classifier, evaluate it on held-out documents, store it."""
    from pipeline.classify.build import build_model
    from pipeline.classify.store import set_default as point_default
    from pipeline.classify.train import TrainConfig

    try:
        _, metrics = build_model(
            out,
            corpus=corpus or None,
            config=TrainConfig(seed=seed, use_context=not no_context),
            compare_spacy=compare_spacy,
        )
    except PipelineError as err:
        raise _fail(str(err)) from err
    if set_default:
        point_default(out)
    test = metrics["test"]
    typer.echo(
        f"{out}: {metrics['data']['train']} training / {metrics['data']['test']} held-out "
        f"records; macro-F1 {test['macro_f1_themes']:.3f}, priority F1 "
        f"{test['priority']['f1']:.3f}, ECE {test['ece_labels']:.3f}"
    )


@app.command()
def evaluate(
    model: ModelOption = None,
    corpus: Annotated[
        list[Path] | None, typer.Option("--corpus", help="Corpus folder or JSONL (repeatable).")
    ] = None,
    split: Annotated[
        str, typer.Option(help="test: only held-out documents of the corpus; all: every record.")
    ] = "test",
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for evaluation.json and reliability.png.")
    ] = None,
) -> None:
    """Per-label, per-language and per-kind metrics, calibration and the worst errors."""
    from pipeline.commands import run_evaluate
    from pipeline.reporting import print_evaluation

    if split not in {"test", "all"}:
        raise _fail("--split must be test or all")
    try:
        metrics = run_evaluate(model, corpus or [], out, split=split)
    except PipelineError as err:
        raise _fail(str(err)) from err
    print_evaluation(metrics)


@app.command()
def classify(
    input_path: Annotated[Path, typer.Argument(help="CSV or JSONL with `id` and `text`.")],
    out: Annotated[Path, typer.Option("--out", help="Predictions CSV to write.")] = Path(
        "preds.csv"
    ),
    model: ModelOption = None,
) -> None:
    """Classify texts from a CSV or JSONL file into a predictions CSV."""
    from pipeline.commands import run_classify

    if not input_path.is_file():
        raise _fail(f"{input_path}: no such file; pass a CSV or JSONL with id and text.")
    try:
        count = run_classify(input_path, out, model)
    except PipelineError as err:
        raise _fail(str(err)) from err
    typer.echo(f"{count} texts classified -> {out}")


@app.command()
def feedback(
    reviewed: Annotated[Path, typer.Argument(help="A reviewed paragraphs.csv or priorities.xlsx.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder of reviewed records (default: corpora/reviewed)."),
    ] = None,
) -> None:
    """Turn reviewer corrections into labelled records that `untoc train` uses."""
    import datetime as dt

    from pipeline.classify.build import REVIEWED_DIR
    from pipeline.feedback import corrections_to_records, read_reviewed, write_reviewed
    from pipeline.taxonomy import load_taxonomy

    if not reviewed.is_file():
        raise _fail(f"{reviewed}: no such file; pass the reviewed CSV or XLSX.")
    try:
        records = corrections_to_records(
            read_reviewed(reviewed),
            labels=load_taxonomy().labels,
            reviewer_date=dt.date.today().isoformat(),
        )
        if not records:
            typer.echo("No corrections found (reviewed_themes and reviewed_priority are empty).")
            return
        path = write_reviewed(records, out or REVIEWED_DIR)
    except PipelineError as err:
        raise _fail(str(err)) from err
    typer.echo(f"{len(records)} corrections -> {path}")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run's output folder.")],
    model: ModelOption = None,
) -> None:
    """Rebuild report.html in a run folder from the files the run wrote."""
    from pipeline.report import write_report

    if not (run_dir / "paragraphs.csv").is_file():
        raise _fail(f"{run_dir}: no paragraphs.csv here; pass the output folder of a run.")
    try:
        path = write_report(run_dir, model_dir=model)
    except PipelineError as err:
        raise _fail(str(err)) from err
    typer.echo(f"Report -> {path}")


@app.command()
def nightly(
    inbox: Annotated[Path, typer.Option("--inbox", help="Inbox folder of submissions.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output root: runs/<stamp>/, latest/ and the ledger.")
    ],
    model: ModelOption = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Run the per-file tasks on this Dask scheduler (tcp://host:8786).",
        ),
    ] = None,
    dask_local: Annotated[
        bool,
        typer.Option(
            "--dask-local",
            help="Run the per-file tasks on a local 2-process Dask cluster "
            "(needs PREFECT_API_URL: a running Prefect server).",
        ),
    ] = False,
) -> None:
    """Process what is new in the inbox once, now, as the scheduled nightly run does."""
    if not inbox.is_dir():
        raise _fail(f"{inbox}: no such folder; pass the inbox folder to read.")
    from flows.dask_runner import DaskSetupError, task_runner_for
    from flows.nightly import nightly_with

    try:
        runner = task_runner_for(dask_address, dask_local)
        summary = nightly_with(runner)(
            inbox=str(inbox), out_root=str(out), model=str(model) if model else None
        )
    except (PipelineError, DaskSetupError) as err:
        raise _fail(str(err)) from err
    typer.echo(
        f"{summary['extracted']} files processed, {summary['reclassified']} reclassified, "
        f"{summary['errors']} errors; {out / 'latest'} holds "
        f"{summary['latest_documents']} documents"
    )


@app.command()
def schedule(
    inbox: Annotated[Path, typer.Option("--inbox", help="Inbox folder of submissions.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output root: runs/<stamp>/, latest/ and the ledger.")
    ],
    cron: Annotated[str, typer.Option("--cron", help="When to run, as a cron line (UTC).")] = (
        "0 2 * * *"
    ),
    model: ModelOption = None,
    name: Annotated[str, typer.Option("--name", help="Deployment name.")] = "nightly",
) -> None:
    """Serve the nightly flow on a cron schedule; blocks until stopped with Ctrl+C."""
    if not inbox.is_dir():
        raise _fail(f"{inbox}: no such folder; pass the inbox folder to read.")
    if not os.environ.get("PREFECT_API_URL"):
        typer.secho(
            "PREFECT_API_URL is not set: the schedule lives in a temporary Prefect server that "
            "stops with this command. Start one with `prefect server start --host 127.0.0.1` "
            "and export PREFECT_API_URL=http://127.0.0.1:4200/api to keep runs and the UI.",
            fg=typer.colors.YELLOW,
            err=True,
        )
    from flows.nightly import nightly_flow

    parameters = {
        "inbox": str(inbox.resolve()),
        "out_root": str(out.resolve()),
        "model": str(model.resolve()) if model else None,
    }
    typer.echo(
        f"Serving nightly-ingestion/{name} on '{cron}' (inbox {parameters['inbox']}, output "
        f"{parameters['out_root']}). Stop with Ctrl+C or SIGTERM; the deployment's schedule is "
        "then paused until served again."
    )
    try:
        nightly_flow.serve(name=name, cron=cron, parameters=parameters)
    except ValueError as err:
        raise _fail(f"--cron {cron!r}: {err}") from err


@app.command()
def retrain(
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    corpus: TrainingCorpusOption = None,
    models_dir: Annotated[
        Path, typer.Option("--models-dir", help="Models folder holding DEFAULT.")
    ] = Path("models"),
    name: Annotated[
        str | None,
        typer.Option("--name", help="Challenger folder name (default: retrain-<stamp>)."),
    ] = None,
) -> None:
    """Train a challenger; promote it to DEFAULT only if it is not worse than the current one."""
    from flows.retrain import retrain_flow

    try:
        summary = retrain_flow(
            corpus=[str(p) for p in corpus] if corpus else None,
            models_dir=str(models_dir),
            name=name,
            seed=seed,
        )
    except PipelineError as err:
        raise _fail(str(err)) from err
    verdict = "promoted to DEFAULT" if summary["promoted"] else "not promoted"
    typer.echo(f"{summary['challenger']}: {verdict} (champion: {summary['champion'] or 'none'})")
    for reason in summary["reasons"]:
        typer.echo(f"  {reason}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
