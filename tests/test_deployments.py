"""Scheduling against a live Prefect server: `untoc schedule` and `prefect deploy` for real.

A real `prefect server start` (loopback only, its own PREFECT_HOME) is started for the module;
`untoc schedule` serves the nightly flow on it, the deployment is read back from the API, a run
of it is triggered and executed by the serving process; `prefect deploy --all` registers both
deployments of prefect.yaml on a process work pool.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import flows  # noqa: F401  (Prefect's environment, before Prefect is imported)
from pipeline.export import read_csv_rows
from pipeline.taxonomy import PROJECT_ROOT

pytestmark = pytest.mark.slow

SAMPLES = PROJECT_ROOT / "corpora" / "samples"
PREFECT = Path(sys.executable).with_name("prefect")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, *, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(environment for clients of a live local Prefect server, its home)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
    )
    process = subprocess.Popen(
        [str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(healthy, timeout_s=120, what="the Prefect server")
        yield {**env, "PREFECT_API_URL": url}
    finally:
        stop(process)


def read_deployment(env: dict, name: str):
    """The deployment `flow/name` as the API holds it, or None."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def read():
        async with get_client() as client:
            try:
                return await client.read_deployment_by_name(name)
            except ObjectNotFound:
                return None

    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}):
        return asyncio.run(read())


def test_untoc_schedule_serves_a_cron_deployment_that_runs_the_night(server, tmp_path):
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    for name in ("notes_reunion_migrantes_2026.txt", "contribution_ecrite_armes_sahel.md"):
        shutil.copy2(SAMPLES / name, inbox / name)
    where = ["--inbox", str(inbox), "--out", str(out), "--name", "nightly-test"]
    serving = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "schedule", "--cron", "0 2 * * *", *where],
        cwd=PROJECT_ROOT,
        env=server,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deployment = wait_until(
            lambda: read_deployment(server, "nightly-ingestion/nightly-test"),
            timeout_s=120,
            what="the served deployment",
        )
        [schedule] = deployment.schedules
        assert schedule.schedule.cron == "0 2 * * *"
        assert schedule.active
        assert deployment.parameters["inbox"] == str(inbox.resolve())
        assert deployment.parameters["out_root"] == str(out.resolve())

        with temporary_settings({PREFECT_API_URL: server["PREFECT_API_URL"]}):
            flow_run = run_deployment(
                "nightly-ingestion/nightly-test", timeout=240, poll_interval=1
            )
        assert flow_run.state.is_completed(), flow_run.state
        rows = read_csv_rows(out / "latest" / "paragraphs.csv")
        assert {row["source_file"] for row in rows} == {p.name for p in inbox.iterdir()}
    finally:
        stop(serving)


def test_prefect_deploy_registers_both_deployments_of_prefect_yaml(server):
    subprocess.run(
        [str(PREFECT), "work-pool", "create", "untoc-local", "--type", "process"],
        env=server,
        check=True,
        capture_output=True,
    )
    deployed = subprocess.run(
        [str(PREFECT), "--no-prompt", "deploy", "--all"],
        cwd=PROJECT_ROOT,
        env=server,
        capture_output=True,
        text=True,
    )
    assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]
    nightly = read_deployment(server, "nightly-ingestion/nightly")
    retrain = read_deployment(server, "retrain/retrain")
    assert [s.schedule.cron for s in nightly.schedules] == ["0 2 * * *"]
    assert nightly.work_pool_name == retrain.work_pool_name == "untoc-local"
    assert nightly.job_variables["env"]["DO_NOT_TRACK"] == "1"
    assert retrain.schedules == []
