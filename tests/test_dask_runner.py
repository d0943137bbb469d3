"""The nightly flow on a Dask cluster gives the same outputs as on the default thread pool."""

from __future__ import annotations

import shutil

import pytest

from flows.dask_runner import DaskSetupError, local_cluster_kwargs, task_runner_for
from pipeline.export import read_csv_rows
from pipeline.taxonomy import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "corpora" / "samples"
SMALL_SAMPLES = (
    "notes_reunion_migrantes_2026.txt",
    "private_sector_submission_supply_chains.txt",
    "contribution_ecrite_armes_sahel.md",
)
# Columns that differ between any two runs, whatever the runner.
RUN_SPECIFIC = {"run", "started", "finished"}


@pytest.mark.parametrize(
    ("address", "local", "expected"),
    [(None, False, None), ("tcp://127.0.0.1:8786", False, "address"), (None, True, "cluster")],
)
def test_the_runner_follows_the_options(address, local, expected):
    runner = task_runner_for(address, local, api_url="http://127.0.0.1:4200/api")
    if expected is None:
        assert runner is None
    elif expected == "address":
        assert runner.address == address
    else:
        assert runner.cluster_kwargs["n_workers"] == 2
        assert runner.cluster_kwargs["env"]["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"


def test_worker_processes_without_a_shared_api_are_refused_with_advice():
    with pytest.raises(DaskSetupError, match="PREFECT_API_URL"):
        local_cluster_kwargs(None, processes=True)
    with pytest.raises(DaskSetupError, match="not both"):
        task_runner_for("tcp://127.0.0.1:8786", True)


def summary_without_run(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in RUN_SPECIFIC}


@pytest.mark.slow
def test_a_local_dask_cluster_gives_the_thread_pool_outputs(prefect_harness, small_model, tmp_path):
    from flows.nightly import nightly_with

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in SMALL_SAMPLES:
        shutil.copy2(SAMPLES / name, inbox / name)
    runs = {}
    for label, runner in [
        ("threads", None),
        ("dask", task_runner_for(None, True, processes=True)),
    ]:
        out = tmp_path / label
        summary = nightly_with(runner)(inbox=str(inbox), out_root=str(out), model=str(small_model))
        runs[label] = (summary, read_csv_rows(out / "latest" / "paragraphs.csv"))
    (threads, thread_rows), (dask, dask_rows) = runs["threads"], runs["dask"]
    assert threads["extracted"] == len(SMALL_SAMPLES) and threads["errors"] == 0
    assert summary_without_run(dask) == summary_without_run(threads)
    assert dask_rows == thread_rows and len(thread_rows) > 10
