"""Prefect's cost per document in the nightly flow, against the work it wraps.

    python -m benchmarks.prefect_overhead [--repeat 20]

Times `process_document` (extract a 20-page report PDF in a sandboxed child, then classify
it) called as a plain function outside any flow, and then, inside one flow run on a temporary
local API, alternately as a plain function and as a Prefect task. The per-document overhead is
the task's median minus the plain call's median inside the same flow (the two alternate, so
the machine's state is the same for both); the flow-context figure says what merely running
inside a flow (Prefect's background threads) costs the plain call.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import flows  # noqa: F401  (Prefect's environment, before Prefect is imported)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def measure(repeat: int) -> dict[str, float]:
    import pdf_factory
    from prefect import flow
    from prefect.testing.utilities import prefect_test_harness

    import pipeline
    from flows.nightly import process_document, warm_up
    from pipeline.discover import discover
    from pipeline.run import extract_options
    from pipeline.settings import Settings

    folder = Path("/tmp/untoc-prefect-overhead")
    folder.mkdir(exist_ok=True)
    (folder / "report.pdf").write_bytes(pdf_factory.long_report(20))
    [source] = list(discover(folder))
    settings = Settings(workers=1)
    options = extract_options(settings)
    model = pipeline.load_model()
    warm_up()

    def plain() -> float:
        started = time.perf_counter()
        process_document.fn(source, options, model, settings)
        return time.perf_counter() - started

    plain()
    direct = [plain() for _ in range(repeat)]

    def as_task() -> float:
        started = time.perf_counter()
        process_document(source, options, model, settings)
        return time.perf_counter() - started

    @flow
    def alternating() -> tuple[list[float], list[float]]:
        as_task()
        plain_times, task_times = [], []
        for _ in range(repeat):
            plain_times.append(plain())
            task_times.append(as_task())
        return plain_times, task_times

    with prefect_test_harness(server_startup_timeout=120):
        in_flow, as_tasks = alternating()
    work, inside, task = (statistics.median(t) for t in (direct, in_flow, as_tasks))
    return {
        "pages": 20,
        "repeat": repeat,
        "work_median_s": round(work, 4),
        "plain_in_flow_median_s": round(inside, 4),
        "task_median_s": round(task, 4),
        "overhead_per_document_s": round(task - inside, 4),
        "overhead_per_document_share": round((task - inside) / inside, 4),
        "flow_context_share": round((inside - work) / work, 4),
        "overhead_vs_outside_share": round((task - work) / work, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    print(json.dumps(measure(parser.parse_args().repeat), indent=2))


if __name__ == "__main__":
    main()
