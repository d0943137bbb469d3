"""Champion/challenger decisions: promote only when no gate gets worse, on the same held-out set."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.classify.build import load_labelled
from pipeline.classify.corpus import split_by_source
from pipeline.errors import ModelError
from pipeline.promotion import (
    CARD_HEADING,
    PromotionDecision,
    append_to_card,
    champion_metrics_on,
    compare,
    comparison_markdown,
    heldout_fingerprint,
    with_heldout,
)


def metrics(f1: float, ece: float, priority: float, heldout: str | None = None) -> dict:
    data = {"heldout_fingerprint": heldout} if heldout else {}
    test = {"macro_f1_themes": f1, "ece_labels": ece, "priority": {"f1": priority}}
    return {"data": data, "test": test}


CHAMPION = metrics(0.80, 0.050, 0.70)


@pytest.mark.parametrize(
    ("challenger", "promote", "verdicts"),
    [
        (metrics(0.85, 0.040, 0.75), True, ["better", "better", "better"]),
        (metrics(0.80, 0.050, 0.70), True, ["within tolerance"] * 3),
        (metrics(0.797, 0.054, 0.696), True, ["within tolerance"] * 3),
        (metrics(0.78, 0.040, 0.75), False, ["worse", "better", "better"]),
        (metrics(0.85, 0.060, 0.75), False, ["better", "worse", "better"]),
        (metrics(0.85, 0.040, 0.69), False, ["better", "better", "worse"]),
        (metrics(0.794, 0.050, 0.70), False, ["worse", "within tolerance", "within tolerance"]),
    ],
    ids=[
        "better everywhere",
        "equal",
        "slightly worse within tolerance",
        "worse macro-F1",
        "worse calibration",
        "worse priority F1",
        "just beyond tolerance",
    ],
)
def test_promotes_only_when_no_gate_is_worse(challenger, promote, verdicts):
    decision = compare(CHAMPION, challenger)
    assert decision.promote is promote
    assert [row["verdict"] for row in decision.table] == verdicts
    assert len(decision.reasons) == 3


def test_tolerance_is_a_parameter():
    worse = metrics(0.78, 0.050, 0.70)
    assert not compare(CHAMPION, worse).promote
    assert compare(CHAMPION, worse, tolerance=0.05).promote


def test_a_first_model_is_promoted_without_a_champion():
    decision = compare(None, metrics(0.5, 0.2, 0.5))
    assert decision.promote
    assert {row["verdict"] for row in decision.table} == {"new"}


def test_metrics_from_different_held_out_sets_are_refused():
    with pytest.raises(ModelError, match="different held-out sets"):
        compare(metrics(0.8, 0.05, 0.7, heldout="aaa"), metrics(0.9, 0.04, 0.8, heldout="bbb"))


@pytest.fixture(scope="module")
def heldout(small_corpora):
    return split_by_source(load_labelled([small_corpora["good"]]))[1]


def test_stored_champion_metrics_are_reused_only_for_the_same_held_out_set(tmp_path, heldout):
    champion = tmp_path / "champion"
    champion.mkdir()
    stored = with_heldout(metrics(0.8, 0.05, 0.7), heldout)
    (champion / "metrics.json").write_text(json.dumps(stored), encoding="utf-8")
    assert champion_metrics_on(champion, heldout) == (stored, False)


def test_a_champion_from_another_corpus_is_evaluated_again_on_the_challengers_split(
    small_model, heldout, tmp_path
):
    champion = shutil.copytree(small_model, tmp_path / "champion")
    other = heldout[: len(heldout) // 2]
    fresh, reevaluated = champion_metrics_on(champion, other)
    assert reevaluated
    assert fresh["data"]["heldout_fingerprint"] == heldout_fingerprint(other)
    assert fresh["data"]["test"] == len(other)
    # the same held-out set gives the numbers training stored, so nothing stale is compared
    same, _ = champion_metrics_on(champion, heldout)
    stored = json.loads((champion / "metrics.json").read_text(encoding="utf-8"))
    assert same["test"]["macro_f1_themes"] == pytest.approx(stored["test"]["macro_f1_themes"])
    assert same["test"]["ece_labels"] == pytest.approx(stored["test"]["ece_labels"])


def decision(promote: bool) -> PromotionDecision:
    base = compare(CHAMPION, metrics(0.85, 0.04, 0.75) if promote else metrics(0.7, 0.04, 0.75))
    return PromotionDecision(
        base.promote,
        base.reasons,
        base.table,
        champion="old",
        challenger="new",
        heldout={"records": 63, "sources": 3, "fingerprint": "f"},
    )


def test_the_comparison_reads_as_a_markdown_table():
    text = comparison_markdown(decision(True))
    assert "**promoted to default**" in text
    assert "| macro-F1 (5 themes) | 0.800 | 0.850 | +0.050 | better |" in text
    assert "63 records from 3 source documents" in text
    assert "champion kept" in comparison_markdown(decision(False))


def test_the_card_gets_one_section_replaced_on_a_second_decision(tmp_path):
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# Model card: new\n\n## Held-out metrics\n\nnumbers\n", encoding="utf-8")
    append_to_card(tmp_path, decision(True))
    append_to_card(tmp_path, decision(False))
    text = card.read_text(encoding="utf-8")
    assert text.startswith("# Model card: new\n\n## Held-out metrics\n\nnumbers\n")
    assert text.count(CARD_HEADING) == 1
    assert "champion kept" in text and "promoted to default" not in text
    assert [p.name for p in tmp_path.iterdir()] == ["MODEL_CARD.md"]
