"""Champion/challenger: two models' held-out metrics -> a `PromotionDecision`.

A retrained model (the challenger) replaces `models/DEFAULT` (the champion) only when it is not
worse on any gate: macro-F1 over the five themes, label calibration (ECE) and priority F1. Both
are scored on the same held-out documents, those of the challenger's corpus; when the
champion's stored numbers come from another held-out set, it is evaluated again, because
comparing stale numbers from different data says nothing about which model is better.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.classify.build import load_labelled
from pipeline.classify.corpus import LabelledText, heldout_fingerprint, split_by_source
from pipeline.classify.store import METRICS_FILE, POINTER_FILE, load_model, set_default
from pipeline.errors import ModelError
from pipeline.export import write_json, write_text_atomic

TOLERANCE = 0.005
CARD_FILE = "MODEL_CARD.md"
DECISION_FILE = "promotion.json"
CARD_HEADING = "## Champion/challenger"


@dataclass(frozen=True, slots=True)
class Gate:
    """One metric the challenger must not lose on; `path` leads into a metrics dict."""

    key: str
    title: str
    path: tuple[str, ...]
    higher_is_better: bool


GATES = (
    Gate("macro_f1_themes", "macro-F1 (5 themes)", ("test", "macro_f1_themes"), True),
    Gate("ece_labels", "ECE (labels, lower is better)", ("test", "ece_labels"), False),
    Gate("priority_f1", "priority F1", ("test", "priority", "f1"), True),
)


@dataclass(frozen=True, slots=True)
class PromotionDecision:
    """Whether to promote, why (one reason per gate), and the table behind it."""

    promote: bool
    reasons: list[str]
    table: list[dict]
    champion: str = ""
    challenger: str = ""
    tolerance: float = TOLERANCE
    reevaluated: bool = False
    heldout: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


def metric(metrics: dict, path: Sequence[str]) -> float:
    value = metrics
    for key in path:
        value = value[key]
    return float(value)


def heldout_of(metrics: dict) -> str | None:
    return metrics.get("data", {}).get("heldout_fingerprint")


def judge(gate: Gate, champion: float, challenger: float, tolerance: float) -> str:
    """`better`, `within tolerance` or `worse`, in the gate's direction."""
    gain = challenger - champion if gate.higher_is_better else champion - challenger
    if gain > 0:
        return "better"
    return "within tolerance" if gain >= -tolerance else "worse"


def compare(
    champion_metrics: dict | None, challenger_metrics: dict, *, tolerance: float = TOLERANCE
) -> PromotionDecision:
    """Promote only if the challenger is not worse than the champion on every gate.

    No champion (a first model) promotes. Metrics that record different held-out sets are
    refused: re-evaluate the champion first (`champion_metrics_on`).
    """
    if champion_metrics is None:
        table = [row(g, None, metric(challenger_metrics, g.path), tolerance) for g in GATES]
        return PromotionDecision(
            True, ["no current default model: the challenger is the first"], table
        )
    ours, theirs = heldout_of(champion_metrics), heldout_of(challenger_metrics)
    if ours and theirs and ours != theirs:
        raise ModelError(
            "champion and challenger were scored on different held-out sets; evaluate the "
            "champion on the challenger's held-out split (champion_metrics_on) and compare again"
        )
    table = [
        row(g, metric(champion_metrics, g.path), metric(challenger_metrics, g.path), tolerance)
        for g in GATES
    ]
    reasons = [reason(r) for r in table]
    return PromotionDecision(all(r["verdict"] != "worse" for r in table), reasons, table)


def row(gate: Gate, champion: float | None, challenger: float, tolerance: float) -> dict:
    verdict = "new" if champion is None else judge(gate, champion, challenger, tolerance)
    return {
        "metric": gate.key,
        "title": gate.title,
        "champion": None if champion is None else round(champion, 4),
        "challenger": round(challenger, 4),
        "delta": None if champion is None else round(challenger - champion, 4),
        "verdict": verdict,
    }


def reason(line: dict) -> str:
    return (
        f"{line['title']}: challenger {line['challenger']:.3f} vs champion "
        f"{line['champion']:.3f} ({line['verdict']})"
    )


def challenger_heldout(corpus: Sequence[Path] | None) -> list[LabelledText]:
    """The held-out records `build_model` scored the challenger on (same corpus, same split)."""
    return split_by_source(load_labelled(corpus))[1]


def with_heldout(metrics: dict, records: Sequence[LabelledText]) -> dict:
    """A copy of `metrics` that says which held-out set its numbers come from."""
    data = dict(metrics.get("data", {}), heldout_fingerprint=heldout_fingerprint(records))
    return {**metrics, "data": data}


def read_metrics(model_dir: Path) -> dict:
    path = model_dir / METRICS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(f"{path}: unreadable metrics ({err}); retrain {model_dir.name}") from err


def champion_metrics_on(champion_dir: Path, records: Sequence[LabelledText]) -> tuple[dict, bool]:
    """The champion's metrics on `records`: stored ones if they are for exactly this held-out
    set, else a fresh evaluation. Returns (metrics, re-evaluated)."""
    from pipeline.classify.evaluate import evaluate_model

    stored = read_metrics(champion_dir)
    if heldout_of(stored) == heldout_fingerprint(records):
        return stored, False
    fresh = {
        "model": champion_dir.name,
        "data": {"test": len(records), "test_sources": len({r.source for r in records})},
        "test": evaluate_model(load_model(champion_dir), records),
    }
    return with_heldout(fresh, records), True


def current_champion(models_dir: Path) -> Path | None:
    """The model `models_dir/DEFAULT` points at, or None before the first promotion."""
    pointer = models_dir / POINTER_FILE
    if not pointer.is_file():
        return None
    directory = models_dir / pointer.read_text(encoding="utf-8").strip()
    if not directory.is_dir():
        raise ModelError(f"{pointer}: points at {directory.name}, which does not exist; fix it")
    return directory


def decide(
    challenger_dir: Path,
    champion_dir: Path | None,
    *,
    corpus: Sequence[Path] | None = None,
    tolerance: float = TOLERANCE,
) -> PromotionDecision:
    """Champion and challenger on the challenger's held-out split, then `compare`."""
    records = challenger_heldout(corpus)
    challenger = with_heldout(read_metrics(challenger_dir), records)
    champion, reevaluated = (None, False)
    if champion_dir is not None:
        champion, reevaluated = champion_metrics_on(champion_dir, records)
    decision = compare(champion, challenger, tolerance=tolerance)
    return PromotionDecision(
        decision.promote,
        decision.reasons,
        decision.table,
        champion=champion_dir.name if champion_dir else "",
        challenger=challenger_dir.name,
        tolerance=tolerance,
        reevaluated=reevaluated,
        heldout={
            "records": len(records),
            "sources": len({r.source for r in records}),
            "fingerprint": heldout_of(challenger),
        },
    )


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


def comparison_markdown(decision: PromotionDecision) -> str:
    """The comparison as Markdown: for the challenger's card and the Prefect artifact."""
    verdict = "promoted to default" if decision.promote else "not promoted (champion kept)"
    heldout = decision.heldout
    lines = [
        f"Challenger `{decision.challenger or '?'}` against champion "
        f"`{decision.champion or 'none'}`: **{verdict}**.",
        "",
    ]
    if heldout:
        lines += [
            f"Both scored on the challenger's held-out split: {heldout['records']} records from "
            f"{heldout['sources']} source documents"
            + (" (champion re-evaluated on it)." if decision.reevaluated else "."),
            "",
        ]
    lines += [
        f"| metric | champion | challenger | delta | verdict (tolerance {decision.tolerance}) |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {r['title']} | {_number(r['champion'])} | {_number(r['challenger'])} | "
            f"{_signed(r['delta'])} | {r['verdict']} |"
            for r in decision.table
        ),
        "",
        *(f"- {text}" for text in decision.reasons),
        "",
    ]
    return "\n".join(lines)


def append_to_card(model_dir: Path, decision: PromotionDecision) -> Path:
    """Add (or replace) the card's champion/challenger section; the card is never half-written."""
    path = model_dir / CARD_FILE
    card = (
        path.read_text(encoding="utf-8") if path.is_file() else f"# Model card: {model_dir.name}\n"
    )
    card = re.sub(rf"\n{re.escape(CARD_HEADING)}\n.*?(?=\n## |\Z)", "", card, flags=re.S)
    section = f"{CARD_HEADING}\n\n{comparison_markdown(decision)}"
    write_text_atomic(path, card.rstrip("\n") + "\n\n" + section)
    return path


def record_decision(model_dir: Path, decision: PromotionDecision) -> Path:
    """`promotion.json` beside the model: the decision in a form scripts can read."""
    write_json(model_dir / DECISION_FILE, decision.to_json())
    return model_dir / DECISION_FILE


def apply(decision: PromotionDecision, challenger_dir: Path, models_dir: Path) -> bool:
    """Point `models_dir/DEFAULT` at the challenger only if the decision says so."""
    if decision.promote:
        set_default(challenger_dir, models_dir)
    return decision.promote
