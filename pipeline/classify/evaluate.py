"""Evaluate: a model and held-out records -> metrics, a reliability diagram, the worst errors.

Every figure is given overall, per language and per kind, because a model that is good on
English paragraphs can still fail on Spanish list items.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

from pipeline.classify.corpus import LabelledText
from pipeline.classify.model import ThemeModel, assigned_labels
from pipeline.classify.train import label_matrix, reading_order

ECE_BINS = 10
WORST_ERRORS = 25


def expected_calibration_error(y_true: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Mean gap between confidence and accuracy over equal-width probability bins."""
    y_true, p = np.asarray(y_true, dtype=float).ravel(), np.asarray(p, dtype=float).ravel()
    if p.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(p[mask].mean() - y_true[mask].mean())
    return float(error)


def reliability_curve(y_true: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> list[dict]:
    y_true, p = np.asarray(y_true, dtype=float).ravel(), np.asarray(p, dtype=float).ravel()
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    return [
        {
            "bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}",
            "count": int((which == b).sum()),
            "mean_p": float(p[which == b].mean()),
            "observed": float(y_true[which == b].mean()),
        }
        for b in range(bins)
        if (which == b).any()
    ]


def _scores(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str], themes: Sequence[str]
) -> dict:
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, zero_division=0
    )
    theme_idx = [labels.index(t) for t in themes]
    return {
        "n": len(y_true),
        "macro_f1_themes": float(np.mean(f1[theme_idx])),
        "macro_f1_all": float(np.mean(f1)),
        "micro_f1_themes": float(
            f1_score(y_true[:, theme_idx], y_pred[:, theme_idx], average="micro", zero_division=0)
        ),
        "per_label": {
            label: {
                "precision": float(precision[k]),
                "recall": float(recall[k]),
                "f1": float(f1[k]),
                "support": int(support[k]),
            }
            for k, label in enumerate(labels)
        },
    }


def _priority_scores(y: np.ndarray, predicted: np.ndarray, p: np.ndarray) -> dict:
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, predicted, average="binary", zero_division=0
    )
    return {
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "support": int(y.sum()),
        "brier": float(np.mean((p - y) ** 2)),
        "ece": expected_calibration_error(y, p),
    }


def evaluate_model(
    model: ThemeModel, records: Sequence[LabelledText], *, use_neighbours: bool = True
) -> dict:
    """Metrics of `model` on `records` (held-out text), overall and per language and kind.

    Records are read as documents (grouped by source, in order), as the pipeline reads them;
    `use_neighbours=False` judges each paragraph alone, as `untoc classify` on a flat file does.
    """
    spec = model.spec
    records = reading_order(records)
    groups = [r.source for r in records] if use_neighbours else None
    thresholds = model.thresholds_for(groups)
    scored = model.score(
        [r.text for r in records],
        kinds=[r.kind for r in records],
        lead_ins=[r.lead_in for r in records],
        headings=[r.heading for r in records],
        groups=groups,
    )
    p_labels, p_priority = scored.themes, scored.priority
    return score_predictions(
        records,
        p_labels,
        p_priority,
        spec=spec,
        thresholds=thresholds,
        priority_threshold=model.priority_threshold_for(groups),
    )


def score_predictions(
    records: Sequence[LabelledText],
    p_labels: np.ndarray,
    p_priority: np.ndarray,
    *,
    spec,
    thresholds: dict[str, float],
    priority_threshold: float | None = None,
) -> dict:
    """Metrics from any model's probabilities, so different architectures compare fairly.

    `spec` needs `labels`, `none_label`, `theme_ids` and `priority_threshold`; `records` must be
    in the order of the probability rows.
    """
    labels = list(spec.labels)
    y_true = label_matrix(records, labels)
    y_pred = np.array(
        [[label in assigned_labels(row, spec, thresholds) for label in labels] for row in p_labels],
        dtype=int,
    )
    y_priority = np.array([r.is_priority for r in records], dtype=int)
    cut = spec.priority_threshold if priority_threshold is None else priority_threshold
    predicted_priority = (p_priority >= cut).astype(int)

    def subset(mask: np.ndarray) -> dict:
        scores = _scores(y_true[mask], y_pred[mask], labels, spec.theme_ids)
        scores["priority"] = _priority_scores(
            y_priority[mask], predicted_priority[mask], p_priority[mask]
        )
        scores["ece_labels"] = expected_calibration_error(y_true[mask], p_labels[mask])
        return scores

    langs = np.array([r.lang for r in records], dtype=object)
    kinds = np.array([r.kind for r in records], dtype=object)
    metrics = subset(np.ones(len(records), dtype=bool))
    metrics["brier_labels"] = float(np.mean((p_labels - y_true) ** 2))
    metrics["ece_per_label"] = {
        label: expected_calibration_error(y_true[:, k], p_labels[:, k])
        for k, label in enumerate(labels)
    }
    metrics["reliability"] = reliability_curve(y_true, p_labels)
    metrics["share_none"] = float(y_true[:, labels.index(spec.none_label)].mean())
    metrics["per_language"] = {lang: subset(langs == lang) for lang in sorted(set(langs))}
    metrics["per_kind"] = {kind: subset(kinds == kind) for kind in sorted(set(kinds))}
    metrics["worst_errors"] = _worst_errors(
        records, labels, y_true, p_labels, y_priority, p_priority, y_pred
    )
    return metrics


def _worst_errors(records, labels, y_true, p_labels, y_priority, p_priority, y_pred) -> list:
    loss = np.abs(p_labels - y_true).max(axis=1) + np.abs(p_priority - y_priority)
    wrong = (y_pred != y_true).any(axis=1) | ((p_priority >= 0.5) != y_priority)
    order = [i for i in np.argsort(-loss) if wrong[i]][:WORST_ERRORS]
    return [
        {
            "id": records[i].id,
            "lang": records[i].lang,
            "kind": records[i].kind,
            "text": records[i].text[:300],
            "true": list(records[i].labels),
            "predicted": [label for k, label in enumerate(labels) if y_pred[i, k]],
            "true_priority": bool(y_priority[i]),
            "p_priority": round(float(p_priority[i]), 3),
            "p": {label: round(float(p_labels[i, k]), 3) for k, label in enumerate(labels)},
        }
        for i in order
    ]


def plot_reliability(metrics: dict, path: Path, *, title: str = "Reliability") -> None:
    """A reliability diagram (predicted probability against observed frequency) as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve = metrics["reliability"]
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    ax.plot(
        [c["mean_p"] for c in curve],
        [c["observed"] for c in curve],
        marker="o",
        label=f"labels (ECE {metrics['ece_labels']:.3f})",
    )
    ax.set_xlabel("predicted probability")
    ax.set_ylabel("observed frequency")
    ax.set_title(title)
    ax.legend(loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
