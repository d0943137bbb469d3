"""Train: labelled records -> a fitted `ThemeModel` with thresholds tuned on validation data.

Thresholds come from out-of-fold probabilities on the training split (folds grouped by source
document), so they are tuned on text the model did not see; the test split is touched only by
`evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier

from pipeline.classify.corpus import LabelledText, corpus_fingerprint
from pipeline.classify.features import build_vectorizer, model_inputs
from pipeline.classify.model import ModelSpec, ThemeModel, neighbour_features

ARCH = "tfidf_logreg_neighbours.v1"
THRESHOLD_GRID = np.round(np.arange(0.15, 0.86, 0.01), 2)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    seed: int = 0
    use_context: bool = True
    context_weight: float = 0.5
    char_ngrams: bool = True
    calibration: str = "sigmoid"
    c: float = 8.0
    precision_floor: float = 0.80
    folds: int = 5
    use_neighbours: bool = True


def label_matrix(records: Sequence[LabelledText], labels: Sequence[str]) -> np.ndarray:
    return np.array([[label in r.labels for label in labels] for r in records], dtype=int)


def records_inputs(records: Sequence[LabelledText], *, use_context: bool) -> np.ndarray:
    return model_inputs(
        [r.text for r in records],
        kinds=[r.kind for r in records],
        lead_ins=[r.lead_in for r in records],
        headings=[r.heading for r in records],
        use_context=use_context,
    )


def _head(config: TrainConfig) -> CalibratedClassifierCV:
    return CalibratedClassifierCV(
        LogisticRegression(C=config.c, max_iter=3000, solver="liblinear", random_state=config.seed),
        method=config.calibration,
        cv=StratifiedKFold(3, shuffle=True, random_state=config.seed),
        ensemble=False,
    )


def fit_parts(
    inputs: np.ndarray, y_labels: np.ndarray, y_priority: np.ndarray, config: TrainConfig
) -> dict:
    vectorizer = build_vectorizer(
        context_weight=config.context_weight,
        char_ngrams=config.char_ngrams,
        use_context=config.use_context,
    )
    features = vectorizer.fit_transform(inputs)
    slim_vectorizer(vectorizer)
    themes = OneVsRestClassifier(_head(config)).fit(features, y_labels)
    priority = _head(config).fit(features, y_priority)
    return {"vectorizer": vectorizer, "themes": themes, "priority": priority}


def slim_vectorizer(vectorizer) -> None:
    """Slim the fitted TF-IDF parts for storage.

    TF-IDF keeps every term it pruned (`stop_words_`), only for inspection; and its vocabulary
    maps terms to numpy integers, which skops stores one file each. Neither changes a result.
    """
    for _, transformer, _ in vectorizer.transformers_:
        if hasattr(transformer, "stop_words_"):
            del transformer.stop_words_
        if hasattr(transformer, "vocabulary_"):
            transformer.vocabulary_ = {t: int(i) for t, i in transformer.vocabulary_.items()}


def predict_parts(parts: dict, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = parts["vectorizer"].transform(inputs)
    return (
        np.asarray(parts["themes"].predict_proba(features)),
        parts["priority"].predict_proba(features)[:, 1],
    )


def out_of_fold(
    records: Sequence[LabelledText], labels: Sequence[str], config: TrainConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities for every training record from a model that never saw its document."""
    inputs = records_inputs(records, use_context=config.use_context)
    y_labels = label_matrix(records, labels)
    y_priority = np.array([r.is_priority for r in records], dtype=int)
    groups = [r.source for r in records]
    p_labels = np.zeros(y_labels.shape, dtype=float)
    p_priority = np.zeros(len(records), dtype=float)
    for fit_idx, hold_idx in GroupKFold(n_splits=config.folds).split(inputs, groups=groups):
        parts = fit_parts(inputs[fit_idx], y_labels[fit_idx], y_priority[fit_idx], config)
        p_labels[hold_idx], p_priority[hold_idx] = predict_parts(parts, inputs[hold_idx])
    return p_labels, p_priority


def tune_threshold(y_true: np.ndarray, p: np.ndarray, *, precision_floor: float) -> float:
    """The threshold with the best F1 among those meeting the precision floor (else best F1)."""
    best, best_f1, fallback, fallback_f1 = None, -1.0, 0.5, -1.0
    for threshold in THRESHOLD_GRID:
        predicted = (p >= threshold).astype(int)
        f1 = f1_score(y_true, predicted, zero_division=0)
        if f1 > fallback_f1:
            fallback, fallback_f1 = float(threshold), f1
        if precision_score(y_true, predicted, zero_division=0) >= precision_floor and f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best if best is not None else fallback


def reading_order(records: Sequence[LabelledText]) -> list[LabelledText]:
    """Records grouped by source document, each document's in the order it was written."""
    return sorted(records, key=lambda r: (r.source, r.id))


def tune_thresholds(
    y: np.ndarray, p: np.ndarray, labels: Sequence[str], precision_floor: float
) -> dict[str, float]:
    return {
        label: tune_threshold(y[:, k], p[:, k], precision_floor=precision_floor)
        for k, label in enumerate(labels)
    }


def fit_neighbour_heads(features: np.ndarray, y_labels: np.ndarray, seed: int) -> list:
    return [
        LogisticRegression(C=1.0, max_iter=2000, random_state=seed).fit(features, y_labels[:, k])
        for k in range(y_labels.shape[1])
    ]


def neighbour_out_of_fold(
    features: np.ndarray, y_labels: np.ndarray, groups: Sequence[str], config: TrainConfig
) -> np.ndarray:
    """Out-of-fold probabilities of the neighbour stage, for tuning its thresholds."""
    p = np.zeros(y_labels.shape, dtype=float)
    for fit_idx, hold_idx in GroupKFold(n_splits=config.folds).split(features, groups=groups):
        heads = fit_neighbour_heads(features[fit_idx], y_labels[fit_idx], config.seed)
        p[hold_idx] = np.column_stack([h.predict_proba(features[hold_idx])[:, 1] for h in heads])
    return p


def train_model(
    records: Sequence[LabelledText],
    *,
    labels: Sequence[str],
    none_label: str,
    name: str,
    config: TrainConfig | None = None,
) -> ThemeModel:
    """Tune thresholds out of fold on `records`, then fit the final model on all of them.

    Two stages: a text model reads each paragraph with its lead-in and heading; a neighbour
    stage, trained on the text model's out-of-fold probabilities, re-weighs them with those
    of the surrounding paragraphs of the same document.
    """
    config = config or TrainConfig()
    records = reading_order(records)
    p_labels, p_priority = out_of_fold(records, labels, config)
    y_labels = label_matrix(records, labels)
    y_priority = np.array([r.is_priority for r in records], dtype=int)
    base_thresholds = tune_thresholds(y_labels, p_labels, labels, config.precision_floor)
    thresholds = base_thresholds
    priority_threshold = tune_threshold(
        y_priority, p_priority, precision_floor=config.precision_floor
    )
    parts = fit_parts(
        records_inputs(records, use_context=config.use_context), y_labels, y_priority, config
    )
    if config.use_neighbours:
        groups = [r.source for r in records]
        features = neighbour_features(p_labels, groups, [r.heading for r in records])
        stacked = neighbour_out_of_fold(features, y_labels, groups, config)
        thresholds = tune_thresholds(y_labels, stacked, labels, config.precision_floor)
        parts["neighbours"] = fit_neighbour_heads(features, y_labels, config.seed)
    spec = ModelSpec(
        name=name,
        arch=ARCH,
        labels=tuple(labels),
        none_label=none_label,
        thresholds=thresholds,
        priority_threshold=priority_threshold,
        base_thresholds=base_thresholds,
        use_context=config.use_context,
        seed=config.seed,
        corpus_fingerprint=corpus_fingerprint(records),
        extra={
            "train_config": {k: getattr(config, k) for k in config.__slots__},
            "train_records": len(records),
        },
    )
    return ThemeModel(parts, spec)
