"""Shared, session-scoped fixtures: one temporary Prefect API, small corpora and a small model.

A Prefect test harness costs about 14 s to start, so the flow tests share one. The corpora are
whole source documents copied from `corpora/labelled`: the good one (~440 records) and the weak
one (~120) hold out the same three documents, so their models compare on the same split.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import flows  # noqa: F401  (Prefect's environment, before Prefect is imported)
from pipeline.taxonomy import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "corpora" / "labelled"
HELD_OUT_FILE = "en_mixed_01.jsonl"  # its three documents are all on the held-out side
GOOD_TRAIN_FILES = (
    "en_mixed_04.jsonl",
    "en_mixed_05.jsonl",
    "en_ngo_02.jsonl",
    "en_ngo_07.jsonl",
    "es_sub_01.jsonl",
    "fr_sub_01.jsonl",
)
# Twenty records of three training documents: every label in every 3-fold split, little else.
WEAK_TRAIN = {"en_mixed-d04": 20, "en_mixed-d09": 20, "en_mixed-d11": 20}


def read_records(*names: str) -> list[dict]:
    return [
        json.loads(line)
        for name in names
        for line in (LABELLED / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def first_of_each(records: list[dict], limits: dict[str, int]) -> list[dict]:
    taken: dict[str, int] = {}
    kept = []
    for record in records:
        source = record["source"]
        if taken.get(source, 0) < limits.get(source, 0):
            taken[source] = taken.get(source, 0) + 1
            kept.append(record)
    return kept


def write_corpus(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True)
    lines = (json.dumps(r, ensure_ascii=False) for r in records)
    (folder / "corpus.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def small_corpora(tmp_path_factory) -> dict[str, Path]:
    """{"good": ~440 records, "weak": the same held-out documents and 57 training records}."""
    root = tmp_path_factory.mktemp("corpora")
    held_out = read_records(HELD_OUT_FILE)
    weak_pool = read_records("en_mixed_02.jsonl", "en_mixed_03.jsonl", "en_mixed_04.jsonl")
    return {
        "good": write_corpus(root / "good", held_out + read_records(*GOOD_TRAIN_FILES)),
        "weak": write_corpus(root / "weak", held_out + first_of_each(weak_pool, WEAK_TRAIN)),
    }


def build_small(out: Path, corpus: Path, **config) -> dict:
    """A model in seconds: 3 folds, no context ablation; `config` overrides TrainConfig."""
    from pipeline.classify.build import build_model
    from pipeline.classify.train import TrainConfig

    _, metrics = build_model(
        out, corpus=[corpus], config=TrainConfig(folds=3, **config), measure_context=False
    )
    return metrics


WEAK = {"use_context": False, "use_neighbours": False, "use_cues": False}


@pytest.fixture(scope="session")
def small_model(small_corpora, tmp_path_factory) -> Path:
    """A model trained on the good small corpus, in a temporary models folder."""
    out = tmp_path_factory.mktemp("models") / "small-good"
    build_small(out, small_corpora["good"])
    return out


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the whole session (no telemetry, loopback only)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
