"""Run work on untrusted files in child processes with a time and memory limit.

A hostile PDF can hang pdfminer for minutes or inflate to gigabytes; only a separate process
contains that. Each job runs in a forked child (the parent's loaded libraries are shared, so a
child starts in milliseconds), up to `workers` at once, which also uses every core.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Generic, TypeVar

import psutil

from pipeline.records import ErrorReason

# Killed by the kernel (SIGKILL) or aborted by a C library whose allocation failed under the
# memory limit (SIGABRT): both mean the file needed more memory than it was given.
OUT_OF_MEMORY_CODES = (-9, -6, None)
Job = TypeVar("Job")
Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class SandboxFailure:
    """Why a child gave no result: it ran too long, ran out of memory, or died."""

    reason: ErrorReason
    detail: str


@dataclass(slots=True)
class _Running(Generic[Job]):
    job: Job
    process: multiprocessing.process.BaseProcess
    receiver: Connection
    deadline: float


def run_sandboxed(
    jobs: Iterable[Job],
    work: Callable[[Job], Result],
    *,
    workers: int = 1,
    timeout_s: float = 120.0,
    memory_mb: int = 2048,
) -> Iterator[tuple[Job, Result | SandboxFailure]]:
    """Yield `(job, work(job))` in completion order, or a `SandboxFailure` for a job cut off."""
    context = multiprocessing.get_context("fork")
    pending = iter(jobs)
    running: list[_Running[Job]] = []
    exhausted = False
    while True:
        while not exhausted and len(running) < max(1, workers):
            job = next(pending, _END)
            if job is _END:
                exhausted = True
                break
            running.append(_start(context, job, work, timeout_s, memory_mb))
        if not running:
            return
        now = time.monotonic()
        next_deadline = min(r.deadline for r in running)
        ready = wait([r.receiver for r in running], timeout=max(0.0, next_deadline - now))
        for entry in list(running):
            if entry.receiver in ready:
                running.remove(entry)
                yield entry.job, _collect(entry)
            elif time.monotonic() >= entry.deadline:
                running.remove(entry)
                _stop(entry.process)
                entry.receiver.close()
                yield (
                    entry.job,
                    SandboxFailure(
                        ErrorReason.TIMEOUT,
                        f"processing took longer than {timeout_s:g} s and was stopped "
                        "(raise file_timeout_s in untoc.toml for very large files)",
                    ),
                )


_END = object()


def _start(context, job, work, timeout_s: float, memory_mb: int) -> _Running:
    receiver, sender = context.Pipe(duplex=False)
    limit = _address_space_limit(memory_mb)
    process = context.Process(target=_child, args=(sender, job, work, limit), daemon=True)
    process.start()
    sender.close()
    return _Running(job, process, receiver, time.monotonic() + timeout_s)


def _address_space_limit(memory_mb: int) -> int:
    """The child may grow by `memory_mb` beyond what it inherits from the parent."""
    return psutil.Process().memory_info().vms + memory_mb * 1024 * 1024


def _child(sender: Connection, job, work, limit: int) -> None:
    faulthandler.disable()  # a parser that aborts is reported as a row, not a stack dump
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        outcome = ("ok", work(job))
    except MemoryError:
        outcome = ("memory", None)
    except RecursionError:
        outcome = ("recursion", None)
    except Exception as err:
        outcome = ("error", f"{type(err).__name__}: {err}"[:300])
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()
    os._exit(0)


def _collect(entry: _Running) -> object:
    try:
        status, value = entry.receiver.recv()
    except (EOFError, OSError):
        entry.process.join(5)
        code = entry.process.exitcode
        return SandboxFailure(
            ErrorReason.TOO_LARGE if code in OUT_OF_MEMORY_CODES else ErrorReason.CORRUPT,
            f"the parser process died (exit code {code}); the file is likely hostile or "
            "too large for the memory limit",
        )
    finally:
        entry.receiver.close()
    entry.process.join(5)
    if status == "memory":
        return SandboxFailure(
            ErrorReason.TOO_LARGE,
            "ran out of the per-file memory limit (raise file_memory_mb in untoc.toml)",
        )
    if status == "recursion":
        return SandboxFailure(
            ErrorReason.CORRUPT, "the file's structure is nested too deeply to parse"
        )
    if status == "error":
        return SandboxFailure(ErrorReason.CORRUPT, f"the parser failed unexpectedly ({value})")
    return value


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    process.kill()
    process.join(5)
