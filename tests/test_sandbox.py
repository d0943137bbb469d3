"""Work on untrusted input runs in children that are cut off on time and memory."""

from __future__ import annotations

import time

from pipeline.records import ErrorReason
from pipeline.sandbox import SandboxFailure, run_sandboxed


def slow_or_greedy(job: str) -> str:
    if job == "hang":
        time.sleep(60)
    if job == "eat":
        blocks = []
        while True:
            blocks.append(bytearray(50 * 1024 * 1024))
    if job == "recurse":

        def down(n):
            return down(n + 1)

        down(0)
    return job.upper()


def test_hanging_and_greedy_jobs_are_cut_off_and_the_rest_complete():
    started = time.monotonic()
    outcomes = dict(
        run_sandboxed(
            ["ok", "hang", "eat", "recurse", "fine"],
            slow_or_greedy,
            workers=2,
            timeout_s=3,
            memory_mb=300,
        )
    )
    assert outcomes["ok"] == "OK"
    assert outcomes["fine"] == "FINE"
    assert isinstance(outcomes["hang"], SandboxFailure)
    assert outcomes["hang"].reason is ErrorReason.TIMEOUT
    assert outcomes["eat"].reason is ErrorReason.TOO_LARGE
    assert outcomes["recurse"].reason is ErrorReason.CORRUPT
    assert time.monotonic() - started < 20
