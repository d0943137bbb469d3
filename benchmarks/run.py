"""Benchmark the pipeline on a generated workload: `python -m benchmarks.run --size 10`.

Measures, each as the median of `--repeat` runs: PDF pages/s per extraction engine beside the
raw libraries on the same files; paragraphs/s classified on one core; end-to-end documents/min
with one and two workers, with peak memory; and the nightly no-change plan over a 1,000-document
ledger. Writes `<out>/size-<N>.json` and prints a table. The numbers describe this machine on
this workload; the JSON says which machine.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.workload import default_cache, inbox_of, pdf_files, plan, small_notes

SIZES = (10, 100, 1000)
NIGHTLY_DOCUMENTS = 1_000
SAMPLE_PAGES = 30
"""Pages each extraction engine reads per repeat: pdfplumber manages ~6 pages/s."""
CLASSIFY_LIMIT = 2_000


# --------------------------------------------------------------------------- helpers


def timed(work: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = work()
    return time.perf_counter() - started, value


def median_seconds(work: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """The median wall time of `repeat` calls, and every time (the spread is worth seeing)."""
    times = [timed(work)[0] for _ in range(repeat)]
    return statistics.median(times), [round(t, 4) for t in times]


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else float("inf")


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, object]:
    """What the numbers were measured on: they mean little without it."""
    from importlib.metadata import version

    libraries = ("pypdfium2", "pdfplumber", "pdfminer.six", "scikit-learn", "numpy")
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "memory_total_mb": _memory_total_mb(),
        "libraries": {name: version(name) for name in libraries},
    }


def _memory_total_mb() -> int:
    import psutil

    return psutil.virtual_memory().total // (1024 * 1024)


PSS_EVERY = 10


class PeakMemory:
    """Samples the memory of this process plus all its children every few milliseconds.

    Forked children share pages with the parent, so the sum of RSS is an upper bound on what
    the run really holds; the sum of PSS (each shared page divided among the processes that
    share it, from /proc/PID/smaps_rollup) is what the machine really spends. `getrusage`
    gives each process's own peak alongside.
    """

    def __init__(self, interval_s: float = 0.02) -> None:
        self.interval_s = interval_s
        self.peak_total = 0
        self.peak_child = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        """RSS every `interval_s`; PSS (which reads /proc/PID/smaps_rollup, costly for a large
        process) every `PSS_EVERY` samples, so the sampler does not slow the run it measures."""
        import psutil

        me = psutil.Process()
        tick = 0
        while not self._stop.is_set():
            with_pss = tick % PSS_EVERY == 0
            processes = [me, *me.children(recursive=True)]
            total = pss = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    memory = process.memory_full_info() if with_pss else process.memory_info()
                    total += memory.rss
                    pss += memory.pss if with_pss else 0
                    if process is not me:
                        self.peak_child = max(self.peak_child, memory.rss)
            self.peak_total = max(self.peak_total, total)
            if with_pss:
                self.peak_pss = max(self.peak_pss, pss)
            tick += 1
            self._stop.wait(self.interval_s)


def mb(value: float) -> float:
    return round(value / (1024 * 1024), 1)


# --------------------------------------------------------------------------- (a) extraction


def extraction_sample(inbox: Path, min_pages: int) -> list[tuple[bytes, int]]:
    """The first PDFs of the workload until they hold `min_pages` pages: (bytes, pages)."""
    import pypdfium2 as pdfium

    sample, pages = [], 0
    for path in pdf_files(inbox):
        data = path.read_bytes()
        count = len(pdfium.PdfDocument(data))
        sample.append((data, count))
        pages += count
        if pages >= min_pages:
            break
    return sample


def pipeline_reader(engine: str) -> Callable[[bytes], None]:
    from pipeline.extract import ExtractOptions
    from pipeline.extract.pdf import extract_pdf

    options = ExtractOptions(pdf_engine=engine)
    return lambda data: extract_pdf(data, doc_id="bench", source_file="bench.pdf", options=options)


def raw_pypdfium2(data: bytes) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    pdf.close()


def raw_pdfplumber(data: bytes) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()  # without it pdfplumber keeps every parsed object of the document


def raw_pdfminer(data: bytes) -> None:
    from pdfminer.high_level import extract_text

    extract_text(io.BytesIO(data))


READERS: dict[str, Callable[[], Callable[[bytes], None]]] = {
    "untoc extract_pdf (pdfium)": lambda: pipeline_reader("pdfium"),
    "untoc extract_pdf (pdfplumber)": lambda: pipeline_reader("pdfplumber"),
    "pypdfium2 get_text_range": lambda: raw_pypdfium2,
    "pdfplumber page.extract_text": lambda: raw_pdfplumber,
    "pdfminer.six extract_text": lambda: raw_pdfminer,
}


def bench_extraction(inbox: Path, repeat: int, min_pages: int) -> dict[str, object]:
    """Pages/s of each reader over the same sample of the workload's PDFs, one core."""
    sample = extraction_sample(inbox, min_pages)
    pages = sum(count for _, count in sample)
    rows = []
    for name, make in READERS.items():
        read = make()

        def read_all(read=read) -> None:
            for data, _ in sample:
                read(data)

        seconds, times = median_seconds(read_all, repeat)
        rows.append(
            {"reader": name, "pages": pages, "seconds": round(seconds, 3), "times": times}
            | {"pages_per_s": rate(pages, seconds)}
        )
    return {"files": len(sample), "pages": pages, "readers": rows}


# --------------------------------------------------------------------------- (b) classification


def corpus_records(limit: int) -> list[dict]:
    from benchmarks.workload import corpus_documents

    records = [record for records in corpus_documents() for record in records]
    return records[:limit]


def bench_classification(model, repeat: int, limit: int = CLASSIFY_LIMIT) -> dict[str, object]:
    """Paragraphs/s of `model.predict` on one core: flat texts with and without evidence, and
    as `classify` reads documents (context, neighbours and sentences), with evidence."""
    from threadpoolctl import threadpool_limits

    records = corpus_records(limit)
    texts = [r["text"] for r in records]
    in_documents = {
        "kinds": [r["kind"] for r in records],
        "lead_ins": [r["lead_in"] for r in records],
        "headings": [r["heading"] for r in records],
        "groups": [r["source"] for r in records],
    }
    calls = {
        "without_evidence": lambda: model.predict(texts, with_evidence=False),
        "with_evidence": lambda: model.predict(texts, with_evidence=True),
        "in_documents_with_evidence": lambda: model.predict(texts, **in_documents),
    }
    results: dict[str, object] = {"paragraphs": len(texts), "model": model.spec.name}
    with threadpool_limits(1):
        for label, call in calls.items():
            seconds, times = median_seconds(call, repeat)
            results[label] = {
                "seconds": round(seconds, 3),
                "times": times,
                "paragraphs_per_s": rate(len(texts), seconds),
            }
    return results


# --------------------------------------------------------------------------- (c, d) end to end


def bench_end_to_end(inbox: Path, size: int, model, repeat: int) -> dict[str, object]:
    """`run_pipeline` on the whole workload with 1 and 2 workers; the model is loaded once."""
    from pipeline.run import run_pipeline
    from pipeline.settings import Settings

    pages = sum(p.pages for p in plan(size))
    runs = {}
    for workers in (1, 2):
        times, peaks, children, proportional, documents = [], [], [], [], 0
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as out, PeakMemory() as memory:
                seconds, summary = timed(
                    lambda out=out, workers=workers: run_pipeline(
                        inbox, Path(out), Settings(workers=workers), model=model
                    )
                )
            times.append(seconds)
            peaks.append(memory.peak_total)
            children.append(memory.peak_child)
            proportional.append(memory.peak_pss)
            documents = summary["documents"]
        seconds = statistics.median(times)
        runs[f"workers_{workers}"] = {
            "workers": workers,
            "documents": documents,
            "pdf_pages": pages,
            "seconds": round(seconds, 3),
            "times": [round(t, 3) for t in times],
            "documents_per_min": rate(documents * 60, seconds),
            "pages_per_s": rate(pages, seconds),
            "peak_rss_parent_plus_children_mb": mb(statistics.median(peaks)),
            "peak_rss_one_child_mb": mb(statistics.median(children)),
            "peak_pss_parent_plus_children_mb": mb(statistics.median(proportional)),
        }
    one, two = runs["workers_1"]["seconds"], runs["workers_2"]["seconds"]
    runs["speedup_2_over_1"] = round(one / two, 2) if two else None
    return runs


def rusage_peaks() -> dict[str, float]:
    """Each process's own peak RSS (Linux reports kilobytes) over the whole benchmark."""
    return {
        "self_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "largest_child_maxrss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


# --------------------------------------------------------------------------- (e) nightly


def populate_ledger(connection, inbox: Path, model, model_name: str) -> int:
    """Extract, classify and record every note as a night would: the ledger then has them all."""
    from pipeline.discover import discover
    from pipeline.extract import ExtractOptions
    from pipeline.ledger import record_document
    from pipeline.records import SourceFile
    from pipeline.run import ingest_source

    count = 0
    for source in discover(inbox):
        if not isinstance(source, SourceFile):
            continue
        result = ingest_source(source, ExtractOptions())
        record_document(
            connection,
            doc_id=source.doc_id,
            source_file=source.relative_path,
            model=model_name,
            paragraphs=model.classify(result.paragraphs),
            errors=result.errors,
        )
        count += 1
    return count


def plan_no_change(connection, inbox: Path, model_name: str) -> int:
    """What `flows.nightly.plan_night` does, without importing Prefect: files still to do."""
    from pipeline.discover import discover
    from pipeline.ledger import documents_needing_reclassification, is_done
    from pipeline.records import SourceFile

    sources = [f for f in discover(inbox) if isinstance(f, SourceFile)]
    stale = set(documents_needing_reclassification(connection, model_name))
    return sum(
        1
        for s in sources
        if s.doc_id not in stale and not is_done(connection, s.doc_id, model_name)
    )


def rebuild_latest(connection, folder: Path, labels, themes) -> None:
    """`latest/` rebuilt from the whole ledger, as every night does even when nothing is new."""
    from pipeline.ledger import entries
    from pipeline.run import write_outputs

    stored = entries(connection)
    write_outputs(
        folder,
        [item for entry in stored for item in entry.paragraphs],
        [error for entry in stored for error in entry.errors],
        labels=labels,
        themes=themes,
        metadata={},
    )


def bench_nightly(
    model, model_name: str, repeat: int, cache: Path, count: int, with_flow: bool
) -> dict:
    """A night with nothing new over a ledger of `count` documents."""
    from pipeline.discover import discover
    from pipeline.ledger import open_ledger
    from pipeline.taxonomy import load_taxonomy

    inbox = small_notes(count, cache)
    themes = load_taxonomy().theme_ids
    with tempfile.TemporaryDirectory() as root:
        ledger = Path(root) / "ledger.sqlite"
        connection = open_ledger(ledger)
        populate_s, recorded = timed(lambda: populate_ledger(connection, inbox, model, model_name))
        plan_s, plan_times = median_seconds(
            lambda: plan_no_change(connection, inbox, model_name), repeat
        )
        todo = plan_no_change(connection, inbox, model_name)
        discover_s, _ = median_seconds(lambda: list(discover(inbox)), repeat)
        latest_s, latest_times = median_seconds(
            lambda: rebuild_latest(connection, Path(root) / "latest", model.labels, themes), repeat
        )
        connection.close()
        result = {
            "documents_in_ledger": recorded,
            "populate_seconds": round(populate_s, 2),
            "files_to_do": todo,
            "plan_seconds": round(plan_s, 4),
            "plan_times": plan_times,
            "discover_seconds": round(discover_s, 4),
            "ledger_lookups_seconds": round(max(plan_s - discover_s, 0.0), 4),
            "rebuild_latest_seconds": round(latest_s, 3),
            "rebuild_latest_times": latest_times,
        }
        if with_flow:
            result["real_flow_seconds"] = round(run_real_flow(inbox, Path(root)), 2)
    return result


def run_real_flow(inbox: Path, out_root: Path) -> float:
    """Once through the Prefect flow (its temporary API server starts inside the timing)."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_HOME", str(out_root / "prefect-home"))
    from flows.nightly import nightly_flow

    seconds, summary = timed(lambda: nightly_flow(inbox=str(inbox), out_root=str(out_root)))
    assert summary["extracted"] == 0, "the no-change night extracted files"
    return seconds


# --------------------------------------------------------------------------- report


def table_rows(results: dict) -> list[tuple[str, str, str]]:
    """(measure, value, unit) rows for the console table."""
    rows = []
    extraction = results["extraction"]
    for reader in extraction["readers"]:
        rows.append((f"PDF: {reader['reader']}", f"{reader['pages_per_s']:,.1f}", "pages/s"))
    classification = results["classification"]
    for label in ("without_evidence", "with_evidence", "in_documents_with_evidence"):
        value = classification[label]["paragraphs_per_s"]
        rows.append((f"classify, 1 core, {label.replace('_', ' ')}", f"{value:,.0f}", "para/s"))
    end = results["end_to_end"]
    for key in ("workers_1", "workers_2"):
        run = end[key]
        rows.append(
            (
                f"run_pipeline {key.replace('_', '=')}",
                f"{run['documents_per_min']:,.1f}",
                "docs/min",
            )
        )
        rows.append(
            (f"run_pipeline {key.replace('_', '=')}", f"{run['pages_per_s']:,.1f}", "PDF pages/s")
        )
        rows.append(
            (
                f"peak RSS {key.replace('_', '=')} (parent+children)",
                f"{run['peak_rss_parent_plus_children_mb']:,.0f}",
                "MB",
            )
        )
        rows.append(
            (
                f"peak PSS {key.replace('_', '=')} (parent+children)",
                f"{run['peak_pss_parent_plus_children_mb']:,.0f}",
                "MB",
            )
        )
    rows.append(("speed-up 2 workers / 1", f"{end['speedup_2_over_1']}", "x"))
    if "nightly" in results:
        night = results["nightly"]
        docs = night["documents_in_ledger"]
        rows.append((f"nightly no-change plan, {docs} docs", f"{night['plan_seconds']:.3f}", "s"))
        rows.append(
            (f"nightly rebuild latest/, {docs} docs", f"{night['rebuild_latest_seconds']:.2f}", "s")
        )
        if "real_flow_seconds" in night:
            rows.append(("nightly real Prefect flow", f"{night['real_flow_seconds']:.1f}", "s"))
    return rows


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    info = results["machine"]
    title = (
        f"size {results['size']}, median of {results['repeat']} | {info['nproc']} cores, "
        f"{info['cpu_model']}, Python {info['python']}"
    )
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for row in table_rows(results):
        table.add_row(*row)
    Console().print(table)


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--size", type=int, choices=SIZES, default=10, help="documents")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    parser.add_argument("--cache", type=Path, default=None, help="workload cache folder")
    parser.add_argument(
        "--sample-pages", type=int, default=SAMPLE_PAGES, help="PDF pages per extraction repeat"
    )
    parser.add_argument(
        "--nightly-documents", type=int, default=NIGHTLY_DOCUMENTS, help="ledger size (0: skip)"
    )
    parser.add_argument(
        "--flow", action="store_true", help="also time one real Prefect nightly flow (slow)"
    )
    return parser.parse_args(argv)


def progress(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, object]:
    """Every figure in turn; the model is resolved once, so a retrain mid-run changes nothing."""
    from pipeline.classify.store import load_model, resolve_model_dir

    cache = args.cache or default_cache()
    started = dt.datetime.now(dt.UTC)
    results: dict[str, object] = {
        "size": args.size,
        "repeat": args.repeat,
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
    }
    build_s, inbox = timed(lambda: inbox_of(args.size, cache))
    results["workload"] = {
        "folder": str(inbox),
        "documents": args.size,
        "pdf_pages": sum(p.pages for p in plan(args.size)),
        "build_or_cache_seconds": round(build_s, 2),
    }
    model_dir = resolve_model_dir(None)
    load_s, model = timed(lambda: load_model(model_dir))
    spec = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    results["model"] = {
        "folder": model_dir.name,
        "sha256": spec.get("model_sha256", ""),
        "load_seconds": round(load_s, 2),
    }
    progress(f"workload ready ({inbox}); model {model_dir.name}; extraction")
    results["extraction"] = bench_extraction(inbox, args.repeat, args.sample_pages)
    progress("classification")
    results["classification"] = bench_classification(model, args.repeat)
    progress("end to end")
    results["end_to_end"] = bench_end_to_end(inbox, args.size, model, args.repeat)
    if args.nightly_documents:
        progress("nightly")
        results["nightly"] = bench_nightly(
            model, model_dir.name, args.repeat, cache, args.nightly_documents, args.flow
        )
    results["rusage"] = rusage_peaks()
    results["seconds_total"] = round((dt.datetime.now(dt.UTC) - started).total_seconds(), 1)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"size-{args.size}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(results)
    print(f"results: {path}  ({results['seconds_total']} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
