"""Training is repeatable and its model files are what loading expects."""

from __future__ import annotations

from conftest import build_small

from pipeline.classify.store import load_model


def test_same_corpus_and_seed_give_identical_metrics(small_corpora, small_model, tmp_path):
    again = tmp_path / "small-good"
    build_small(again, small_corpora["good"])
    assert (again / "metrics.json").read_bytes() == (small_model / "metrics.json").read_bytes()
    first, second = load_model(small_model), load_model(again)
    texts = ["Mark and trace every firearm.", "Lunch is at noon."]
    assert [p.probabilities for p in first.predict(texts)] == [
        p.probabilities for p in second.predict(texts)
    ]


def test_model_card_and_reliability_diagram_are_written(small_model):
    card = (small_model / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Held-out metrics" in card and "## Per label" in card and "## Limits" in card
    assert (small_model / "reliability.png").read_bytes().startswith(b"\x89PNG")
