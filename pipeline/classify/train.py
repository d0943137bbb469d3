"""Train: labelled records -> a fitted `ThemeModel` with thresholds tuned on validation data.

Thresholds come from out-of-fold probabilities on the training split (folds grouped by source
document), so they are tuned on text the model did not see; the test split is touched only by
`evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score
from sklearn.model_selection import GroupKFold

from pipeline.classify.corpus import LabelledText, corpus_fingerprint
from pipeline.classify.features import build_vectorizer, model_inputs, sentence_inputs
from pipeline.classify.model import (
    ModelSpec,
    ThemeModel,
    calibrate,
    decision_values,
    highest_over_sentences,
    neighbour_features,
)

ARCH = "tfidf_nblogreg_platt_neighbours_sentences.v4"
THRESHOLD_GRID = np.round(np.arange(0.15, 0.86, 0.01), 2)


@dataclass(frozen=True, slots=True)
class TrainConfig:
    seed: int = 0
    use_context: bool = True
    context_weight: float = 0.25
    char_ngrams: bool = True
    c: float = 64.0
    priority_c: float = 8.0
    precision_floor: float = 0.80
    folds: int = 5
    use_neighbours: bool = True
    use_cues: bool = True
    heading_sections: bool = True
    sentence_maxima: bool = True
    nb_scaling: bool = True


def label_matrix(records: Sequence[LabelledText], labels: Sequence[str]) -> np.ndarray:
    return np.array([[label in r.labels for label in labels] for r in records], dtype=int)


def records_inputs(
    records: Sequence[LabelledText], *, use_context: bool, cues: dict | None = None
) -> np.ndarray:
    return model_inputs(
        [r.text for r in records],
        kinds=[r.kind for r in records],
        lead_ins=[r.lead_in for r in records],
        headings=[r.heading for r in records],
        use_context=use_context,
        cues=cues,
    )


def nb_ratios(features, target: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Log-ratio of each feature's share of the positive and of the negative texts.

    Scaling features by it before the logistic regression (Wang and Manning's NB-SVM) lets a
    rare word that only ever appears with a label count for more than its TF-IDF weight.
    """
    positive = np.asarray(features[target == 1].sum(axis=0)).ravel() + alpha
    negative = np.asarray(features[target == 0].sum(axis=0)).ravel() + alpha
    return np.log((positive / positive.sum()) / (negative / negative.sum()))


def fit_linear_head(
    features, target: np.ndarray, config: TrainConfig, *, c: float, nb_scaling: bool
) -> LogisticRegression:
    head = LogisticRegression(C=c, max_iter=3000, solver="liblinear", random_state=config.seed)
    if not nb_scaling:
        return head.fit(features, target)
    ratios = nb_ratios(features, target)
    head.fit(features.multiply(ratios).tocsr(), target)
    head.coef_ = head.coef_ * ratios
    return head


def fit_linear_heads(features, targets: np.ndarray, config: TrainConfig) -> list:
    """One logistic regression per column of `targets` (the labels, then priority).

    With `nb_scaling`, the label heads read NB-scaled features (folded back into their
    weights, so scoring stays one product); the priority head does not, and keeps its own,
    stronger regularisation (`priority_c`): an ask is marked by common words spread over every
    theme, on which neither the scaling nor a weaker penalty gained anything in grouped CV.
    """
    last = targets.shape[1] - 1
    return [
        fit_linear_head(
            features,
            targets[:, k],
            config,
            c=config.c if k < last else config.priority_c,
            nb_scaling=config.nb_scaling and k < last,
        )
        for k in range(targets.shape[1])
    ]


def fit_calibrators(scores: np.ndarray, targets: np.ndarray, seed: int) -> list:
    """Platt scaling per head, fitted on out-of-fold decision values (never seen text)."""
    return [
        LogisticRegression(C=1e4, max_iter=1000, random_state=seed).fit(
            scores[:, [k]], targets[:, k]
        )
        for k in range(targets.shape[1])
    ]


def targets_of(records: Sequence[LabelledText], labels: Sequence[str]) -> np.ndarray:
    """The label columns, then the priority column."""
    priority = np.array([[r.is_priority] for r in records], dtype=int)
    return np.hstack([label_matrix(records, labels), priority])


def fit_text_model(inputs: np.ndarray, targets: np.ndarray, config: TrainConfig):
    vectorizer = build_vectorizer(
        context_weight=config.context_weight,
        char_ngrams=config.char_ngrams,
        use_context=config.use_context,
    )
    features = vectorizer.fit_transform(inputs)
    slim_vectorizer(vectorizer)
    return vectorizer, fit_linear_heads(features, targets, config)


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


def out_of_fold_scores(
    inputs: np.ndarray,
    records: Sequence[LabelledText],
    labels: Sequence[str],
    config: TrainConfig,
    sentences: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Decision values for every training record from a model that never saw its document,
    and (given `sentences`, the inputs and owner rows of paragraphs' sentences) each record's
    highest decision values over itself and its sentences."""
    targets = targets_of(records, labels)
    groups = [r.source for r in records]
    scores = np.zeros(targets.shape, dtype=float)
    maxima = np.zeros(targets.shape, dtype=float) if sentences is not None else None
    for fit_idx, hold_idx in GroupKFold(n_splits=config.folds).split(inputs, groups=groups):
        vectorizer, heads = fit_text_model(inputs[fit_idx], targets[fit_idx], config)
        scores[hold_idx] = decision_values(vectorizer.transform(inputs[hold_idx]), heads)
        if sentences is not None:
            parts, owners = sentences
            held = np.isin(owners, hold_idx)
            maxima[hold_idx] = highest_over_sentences(
                scores,
                (parts[held], owners[held]),
                lambda rows, vectorizer=vectorizer, heads=heads: decision_values(
                    vectorizer.transform(rows), heads
                ),
            )[hold_idx]
    return scores, maxima


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
    cues: dict[str, Sequence[str]] | None = None,
) -> ThemeModel:
    """Tune thresholds out of fold on `records`, then fit the final model on all of them.

    Two stages: a text model reads each paragraph with its lead-in and heading; a neighbour
    stage, trained on the text model's out-of-fold probabilities, re-weighs them with those
    of the surrounding paragraphs of the same document.
    """
    config = config or TrainConfig()
    records = reading_order(records)
    targets = targets_of(records, labels)
    cue_terms = {theme: list(terms) for theme, terms in (cues or {}).items()}
    cue_terms = cue_terms if config.use_cues else {}
    inputs = records_inputs(records, use_context=config.use_context, cues=cue_terms)
    sentences = (
        sentence_inputs([r.text for r in records], [r.kind for r in records], inputs, cue_terms)
        if config.sentence_maxima and config.use_neighbours
        else None
    )
    scores, maxima = out_of_fold_scores(inputs, records, labels, config, sentences)
    calibrators = fit_calibrators(scores, targets, config.seed)
    oof = calibrate(scores, calibrators)
    p_labels, y_labels = oof[:, :-1], targets[:, :-1]
    base_thresholds = tune_thresholds(y_labels, p_labels, labels, config.precision_floor)
    thresholds = base_thresholds
    priority_threshold = tune_threshold(
        targets[:, -1], oof[:, -1], precision_floor=config.precision_floor
    )
    vectorizer, heads = fit_text_model(inputs, targets, config)
    parts = {"vectorizer": vectorizer, "heads": heads, "calibrators": calibrators}
    base_priority_threshold = priority_threshold
    if config.use_neighbours:
        groups = [r.source for r in records]
        features = neighbour_features(
            oof,
            groups,
            [r.heading for r in records],
            [r.kind for r in records],
            [r.text for r in records] if config.heading_sections else None,
            calibrate(maxima, calibrators) if maxima is not None else None,
        )
        stacked = neighbour_out_of_fold(features, targets, groups, config)
        thresholds = tune_thresholds(y_labels, stacked[:, :-1], labels, config.precision_floor)
        priority_threshold = tune_threshold(
            targets[:, -1], stacked[:, -1], precision_floor=config.precision_floor
        )
        parts["neighbours"] = fit_neighbour_heads(features, targets, config.seed)
    spec = ModelSpec(
        name=name,
        arch=ARCH,
        labels=tuple(labels),
        none_label=none_label,
        thresholds=thresholds,
        priority_threshold=priority_threshold,
        base_thresholds=base_thresholds,
        base_priority_threshold=base_priority_threshold,
        neighbour_kinds=True,
        heading_sections=config.heading_sections,
        sentence_maxima=maxima is not None,
        use_context=config.use_context,
        cues=cue_terms,
        seed=config.seed,
        corpus_fingerprint=corpus_fingerprint(records),
        extra={
            "train_config": {k: getattr(config, k) for k in config.__slots__},
            "train_records": len(records),
        },
    )
    return ThemeModel(parts, spec)
