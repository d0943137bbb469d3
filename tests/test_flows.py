"""The nightly flow under a temporary Prefect API: incremental, restartable, never twice.

Runs on a copy of the text, Markdown and HTML samples with the shipped model
(`models/DEFAULT`); `UNTOC_TEST_MODEL=DIR` points the tests at another model folder.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pdf_factory
import pytest

import flows  # noqa: F401  (Prefect's environment, before Prefect is imported)
from pipeline.export import read_csv_rows
from pipeline.ledger import entries, open_ledger
from pipeline.taxonomy import PROJECT_ROOT

pytestmark = pytest.mark.slow

SAMPLES = PROJECT_ROOT / "corpora" / "samples"
FAST_SUFFIXES = {".txt", ".md", ".html"}
MODEL = os.environ.get("UNTOC_TEST_MODEL") or None
OUTPUT_FILES = {
    "paragraphs.csv",
    "errors.csv",
    "priorities.csv",
    "priorities.json",
    "priorities.xlsx",
    "run_summary.json",
}


@pytest.fixture(scope="session")
def harness(prefect_harness):
    """The session's one temporary Prefect API (tests/conftest.py)."""
    yield


@pytest.fixture
def inbox(tmp_path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in SAMPLES.iterdir():
        if path.suffix in FAST_SUFFIXES or path.name == "submissions.csv":
            shutil.copy2(path, folder / path.name)
    return folder


def night(inbox: Path, out: Path, **options) -> dict:
    from flows.nightly import nightly_flow

    return nightly_flow(inbox=str(inbox), out_root=str(out), model=MODEL, **options)


def sample_names(inbox: Path) -> set[str]:
    return {p.name for p in inbox.iterdir() if p.name != "submissions.csv"}


def ledger_state(out: Path) -> list[tuple[str, str, str]]:
    connection = open_ledger(out / "ledger.sqlite")
    try:
        return [(e.doc_id, e.source_file, e.updated_at) for e in entries(connection)]
    finally:
        connection.close()


def latest_rows(out: Path) -> list[dict[str, str]]:
    return read_csv_rows(out / "latest" / "paragraphs.csv")


def assert_latest_complete(out: Path, names: set[str]) -> None:
    """Every file in latest/, each paragraph once."""
    rows = latest_rows(out)
    keys = [(row["doc_id"], row["para_index"]) for row in rows]
    assert {row["source_file"] for row in rows} == names
    assert len(keys) == len(set(keys))
    assert {p.name for p in (out / "latest").iterdir()} >= OUTPUT_FILES


def test_a_second_night_redoes_nothing(harness, inbox, tmp_path):
    out = tmp_path / "out"
    first = night(inbox, out)
    assert first["extracted"] == len(sample_names(inbox)) and first["errors"] == 0
    assert_latest_complete(out, sample_names(inbox))
    assert {p.name for p in (out / "runs" / first["run"]).iterdir()} >= OUTPUT_FILES
    recorded = ledger_state(out)

    second = night(inbox, out)
    assert (second["extracted"], second["reclassified"], second["paragraphs"]) == (0, 0, 0)
    assert second["run"] != first["run"]
    assert ledger_state(out) == recorded
    assert_latest_complete(out, sample_names(inbox))


def test_a_changed_file_is_redone_and_replaces_its_old_version(harness, inbox, tmp_path):
    out = tmp_path / "out"
    night(inbox, out)
    changed = inbox / "academic_brief_money_laundering.md"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\n\nWe call for joint investigation teams.\n",
        encoding="utf-8",
    )
    summary = night(inbox, out)
    assert summary["new_files"] == [changed.name]
    assert [source for _, source, _ in ledger_state(out)].count(changed.name) == 1
    texts = [row["text"] for row in latest_rows(out) if row["source_file"] == changed.name]
    assert "We call for joint investigation teams." in texts
    assert_latest_complete(out, sample_names(inbox))


def test_each_run_says_what_changed_since_the_previous_latest(harness, inbox, tmp_path):
    import json

    out = tmp_path / "out"
    first = night(inbox, out)
    assert first["changes"]["first_run"] and len(first["changes"]["new_files"]) == len(
        sample_names(inbox)
    )
    changed = inbox / "academic_brief_money_laundering.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nA new line.\n", encoding="utf-8")
    (inbox / "ngo_note.txt").write_text("We call for marking of all firearms.\n", encoding="utf-8")
    second = night(inbox, out)
    report = json.loads((out / "runs" / second["run"] / "changes.json").read_text("utf-8"))
    assert (report["new_files"], report["changed_files"], report["removed_files"]) == (
        ["ngo_note.txt"],
        [changed.name],
        [],
    )
    assert second["changes"]["changed_files"] == [changed.name]


def test_a_new_model_reclassifies_stored_paragraphs_without_extracting(
    harness, inbox, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    night(inbox, out)
    connection = open_ledger(out / "ledger.sqlite")
    connection.execute("UPDATE documents SET model = 'an-older-model'")
    connection.close()
    import flows.nightly

    def no_extraction(*args, **kwargs):
        raise AssertionError("a reclassification must not extract again")

    monkeypatch.setattr(flows.nightly, "extract_sandboxed", no_extraction)
    summary = night(inbox, out)
    assert (summary["extracted"], summary["reclassified"]) == (0, len(sample_names(inbox)))
    assert "an-older-model" not in {entry.model for entry in _entries(out)}
    assert_latest_complete(out, sample_names(inbox))


def test_a_run_killed_half_way_loses_and_duplicates_nothing(harness, inbox, tmp_path, monkeypatch):
    import flows.nightly

    out = tmp_path / "out"
    record = flows.nightly.record_document
    calls = []

    def killed_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise RuntimeError("killed")
        calls.append(kwargs["source_file"])
        record(*args, **kwargs)

    monkeypatch.setattr(flows.nightly, "record_document", killed_after_two)
    with pytest.raises(RuntimeError, match="killed"):
        night(inbox, out, batch_size=2)
    assert [source for _, source, _ in ledger_state(out)] == sorted(calls)
    monkeypatch.setattr(flows.nightly, "record_document", record)

    summary = night(inbox, out, batch_size=2)
    assert sorted(summary["new_files"]) == sorted(sample_names(inbox) - set(calls))
    assert len(ledger_state(out)) == len(sample_names(inbox))
    assert_latest_complete(out, sample_names(inbox))


def _entries(out: Path):
    connection = open_ledger(out / "ledger.sqlite")
    try:
        return entries(connection)
    finally:
        connection.close()


def nightly_process(inbox: Path, out: Path, prefect_home: Path) -> subprocess.Popen:
    """`untoc nightly` as the scheduler starts it: its own process group and Prefect backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(prefect_home)
    command = [sys.executable, "-m", "pipeline", "nightly", "--inbox", str(inbox)]
    return subprocess.Popen(
        [*command, "--out", str(out), *(["--model", MODEL] if MODEL else [])],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def recorded_files(out: Path) -> list[str]:
    """What the ledger holds, read without taking the run's lock; [] before it exists."""
    try:
        connection = sqlite3.connect(f"file:{out / 'ledger.sqlite'}?mode=ro", uri=True)
        try:
            return [entry.source_file for entry in entries(connection)]
        finally:
            connection.close()
    except sqlite3.Error:
        return []


def test_a_nightly_process_killed_with_sigkill_resumes_without_loss_or_duplicates(inbox, tmp_path):
    """The whole process group (flow, its temporary API server, the parser children) is
    killed the moment the first batch is in the ledger, while the next batch is in flight."""
    for number in range(10):
        (inbox / f"report_{number:02d}.pdf").write_bytes(pdf_factory.long_report(12 + number))
    names = sample_names(inbox)
    out, home = tmp_path / "out", tmp_path / "prefect-home"
    process = nightly_process(inbox, out, home)
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline and not recorded_files(out):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the night finished before it could be killed"
    before = recorded_files(out)
    assert 0 < len(before) < len(names)

    rerun = nightly_process(inbox, out, home)
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, stderr.decode(errors="replace")[-2000:]
    assert stdout.decode().startswith(f"{len(names) - len(before)} files processed")
    after = recorded_files(out)
    assert sorted(after) == sorted(names)
    assert set(before) <= set(after)
    assert_latest_complete(out, names)
