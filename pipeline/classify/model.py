"""Classify: texts (with their context) -> `Prediction` records.

`ThemeModel` wraps the fitted scikit-learn parts with what the library adds: per-label
thresholds tuned on validation data, the rule that `none` never goes with a theme, the review
band, and evidence (the words that pushed each assigned label).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from pipeline.classify.features import model_inputs, sentence_inputs
from pipeline.records import ClassifiedParagraph, Paragraph, Prediction

EVIDENCE_TERMS = 3
KINDS = ("paragraph", "list_item", "heading")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """Everything about a model that is not a fitted array: stored as JSON beside it."""

    name: str
    arch: str
    labels: tuple[str, ...]
    none_label: str
    thresholds: dict[str, float]
    priority_threshold: float
    base_thresholds: dict[str, float] = field(default_factory=dict)
    base_priority_threshold: float | None = None
    neighbour_kinds: bool = False
    heading_sections: bool = False
    sentence_maxima: bool = False
    review_low: float = 0.35
    review_high: float = 0.75
    use_context: bool = True
    cues: dict[str, list[str]] = field(default_factory=dict)
    seed: int = 0
    corpus_fingerprint: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(label for label in self.labels if label != self.none_label)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["labels"] = list(self.labels)
        return data

    @classmethod
    def from_json(cls, data: dict) -> ModelSpec:
        data = dict(data)
        data["labels"] = tuple(data["labels"])
        return cls(**data)


def assigned_labels(
    probabilities: Sequence[float], spec: ModelSpec, thresholds: dict[str, float] | None = None
) -> tuple[str, ...]:
    """Themes at or above their threshold; `none` alone when no theme passes."""
    thresholds = thresholds or spec.thresholds
    themes = tuple(
        label
        for label, p in zip(spec.labels, probabilities, strict=True)
        if label != spec.none_label and p >= thresholds[label]
    )
    return themes or (spec.none_label,)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def neighbour_features(
    probabilities: np.ndarray,
    groups: Sequence[str],
    sections: Sequence[str],
    kinds: Sequence[str] | None = None,
    texts: Sequence[str] | None = None,
    sentence_maxima: np.ndarray | None = None,
) -> np.ndarray:
    """Each row's label probabilities beside those of its neighbours, section and document.

    Rows of one group (document) must come in reading order. A paragraph's theme often shows
    in the paragraphs around it ("the same concerns apply to ammunition"); these features let
    a second-stage model read that. Missing neighbours take the document's mean. The kind of
    each unit (paragraph, list item, heading) is added as +1/-1 columns: a list item under a
    recommending lead-in is read differently from a paragraph beside one. With `texts` (and
    `kinds`), a heading's section features are those of the section it announces (the rows
    whose heading is its text), since a heading is about what follows it. With
    `sentence_maxima` (each row's highest probabilities over its sentences), those are added:
    a paragraph of background with one ask in it reads as an ask.
    """
    count, width = probabilities.shape
    features = np.zeros((count, width * 5))
    members: dict[str, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(group, []).append(row)
    for rows in members.values():
        document_mean = probabilities[rows].mean(axis=0)
        by_section: dict[str, list[int]] = {}
        for row in rows:
            by_section.setdefault(sections[row], []).append(row)
        for position, row in enumerate(rows):
            previous = probabilities[rows[position - 1]] if position > 0 else document_mean
            following = (
                probabilities[rows[position + 1]] if position + 1 < len(rows) else document_mean
            )
            section = by_section[sections[row]] if sections[row] else rows
            if texts is not None and kinds is not None and kinds[row] == "heading":
                section = by_section.get(texts[row]) or section
            features[row] = np.concatenate(
                [
                    probabilities[row],
                    previous,
                    following,
                    document_mean,
                    probabilities[section].mean(axis=0),
                ]
            )
    logits = _logit(features)
    if sentence_maxima is not None:
        logits = np.hstack([logits, _logit(sentence_maxima)])
    if kinds is None:
        return logits
    marks = np.array([[kind == k for k in KINDS] for kind in kinds], dtype=float) * 2 - 1
    return np.hstack([logits, marks])


def in_review_band(p: float, spec: ModelSpec) -> bool:
    return spec.review_low <= p <= spec.review_high


def decide(
    probabilities: Sequence[float],
    p_priority: float,
    spec: ModelSpec,
    evidence=(),
    thresholds: dict[str, float] | None = None,
    priority_threshold: float | None = None,
) -> Prediction:
    themes = assigned_labels(probabilities, spec, thresholds)
    by_label = dict(zip(spec.labels, (float(p) for p in probabilities), strict=True))
    top = max(themes, key=lambda label: by_label[label])
    theme_ps = [by_label[label] for label in spec.theme_ids]
    uncertain = any(in_review_band(p, spec) for p in (*theme_ps, p_priority))
    return Prediction(
        probabilities=by_label,
        themes=themes,
        top_theme=top,
        confidence=by_label[top],
        p_priority=float(p_priority),
        is_priority=bool(
            p_priority
            >= (spec.priority_threshold if priority_threshold is None else priority_threshold)
        ),
        needs_review=uncertain,
        evidence=tuple(evidence),
    )


def stacked_weights(heads: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """The heads' weights as one matrix, so all labels are scored in one product."""
    return (
        np.vstack([h.coef_.ravel() for h in heads]),
        np.array([h.intercept_[0] for h in heads]),
    )


def decision_values(features, heads: Sequence) -> np.ndarray:
    weights, intercepts = stacked_weights(heads)
    return np.asarray(features @ weights.T) + intercepts


def highest_per_row(scores: np.ndarray, part_scores: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """Each row's highest score over itself and its parts (`owners[i]` is part i's row)."""
    result = np.array(scores, dtype=float, copy=True)
    if len(owners):
        np.maximum.at(result, owners, part_scores)
    return result


def highest_over_sentences(
    scores: np.ndarray, sentences: tuple[np.ndarray, np.ndarray], decide: Callable
) -> np.ndarray:
    """Each row's highest decision values over itself and its sentences.

    `sentences` is what `sentence_inputs` gives (the sentences' inputs and their rows);
    `decide` turns inputs into decision values with the text model being applied.
    """
    parts, owners = sentences
    part_scores = decide(parts) if len(owners) else scores[:0]
    return highest_per_row(scores, part_scores, owners)


@dataclass(frozen=True, slots=True)
class Scored:
    """What the model computed for a batch of texts: their features and probabilities."""

    features: object
    themes: np.ndarray
    priority: np.ndarray


def calibrate(scores: np.ndarray, calibrators: Sequence) -> np.ndarray:
    """Platt scaling: each head's decision value through its fitted sigmoid."""
    slopes = np.array([c.coef_[0, 0] for c in calibrators])
    offsets = np.array([c.intercept_[0] for c in calibrators])
    return 1.0 / (1.0 + np.exp(-(scores * slopes + offsets)))


class ThemeModel:
    """A fitted theme and priority classifier with its thresholds; load with `load_model`."""

    def __init__(self, parts: dict, spec: ModelSpec) -> None:
        self.parts = parts
        self.spec = spec
        self._weights = stacked_weights(parts["heads"])
        self._names = np.array(
            [readable_feature(name) for name in parts["vectorizer"].get_feature_names_out()],
            dtype=object,
        )
        self._readable = self._names != ""

    @property
    def labels(self) -> tuple[str, ...]:
        return self.spec.labels

    def inputs(self, texts, *, kinds=None, lead_ins=None, headings=None) -> np.ndarray:
        return model_inputs(
            list(texts),
            kinds=kinds,
            lead_ins=lead_ins,
            headings=headings,
            use_context=self.spec.use_context,
            cues=self.spec.cues,
        )

    @property
    def uses_neighbours(self) -> bool:
        return "neighbours" in self.parts

    def score(
        self,
        texts: Sequence[str],
        *,
        kinds: Sequence[str] | None = None,
        lead_ins: Sequence[str] | None = None,
        headings: Sequence[str] | None = None,
        groups: Sequence[str] | None = None,
    ) -> Scored:
        """Features and per-label and priority probabilities of texts.

        With `groups` (the document of each row, rows in reading order) and a model that has a
        neighbour stage, probabilities also weigh the surrounding paragraphs.
        """
        texts = list(texts)
        kinds = list(kinds) if kinds is not None else ["paragraph"] * len(texts)
        inputs = self.inputs(texts, kinds=kinds, lead_ins=lead_ins, headings=headings)
        vectorizer = self.parts["vectorizer"]
        weights, intercepts = self._linear()

        def decide(rows: np.ndarray) -> np.ndarray:
            return np.asarray(vectorizer.transform(rows) @ weights.T) + intercepts

        features = vectorizer.transform(inputs)
        scores = np.asarray(features @ weights.T) + intercepts
        calibrators = self.parts["calibrators"]
        calibrated = calibrate(scores, calibrators)
        themes, priority = calibrated[:, :-1], calibrated[:, -1]
        if groups is not None and self.uses_neighbours:
            maxima = None
            if self.spec.sentence_maxima:
                sentences = sentence_inputs(texts, kinds, inputs, self.spec.cues)
                maxima = calibrate(highest_over_sentences(scores, sentences, decide), calibrators)
            stacked = neighbour_features(
                calibrated,
                groups,
                headings or [""] * len(groups),
                kinds if self.spec.neighbour_kinds else None,
                texts if self.spec.heading_sections else None,
                maxima,
            )
            both = np.column_stack(
                [head.predict_proba(stacked)[:, 1] for head in self.parts["neighbours"]]
            )
            themes, priority = both[:, :-1], both[:, -1]
        return Scored(features, themes, priority)

    def thresholds_for(self, groups: Sequence[str] | None) -> dict[str, float]:
        if groups is None and self.uses_neighbours and self.spec.base_thresholds:
            return self.spec.base_thresholds
        return self.spec.thresholds

    def priority_threshold_for(self, groups: Sequence[str] | None) -> float:
        base = self.spec.base_priority_threshold
        if groups is None and self.uses_neighbours and base is not None:
            return base
        return self.spec.priority_threshold

    def predict(
        self,
        texts: Sequence[str],
        *,
        kinds: Sequence[str] | None = None,
        lead_ins: Sequence[str] | None = None,
        headings: Sequence[str] | None = None,
        groups: Sequence[str] | None = None,
        with_evidence: bool = True,
    ) -> list[Prediction]:
        """Predictions for texts; pass `groups` (document ids, rows in reading order) to let
        neighbouring paragraphs inform each other, as `classify` does."""
        if len(texts) == 0:
            return []
        scored = self.score(texts, kinds=kinds, lead_ins=lead_ins, headings=headings, groups=groups)
        features, themes, priority = scored.features, scored.themes, scored.priority
        thresholds = self.thresholds_for(groups)
        cut = self.priority_threshold_for(groups)
        predictions = []
        for row in range(len(texts)):
            prediction = decide(themes[row], priority[row], self.spec, (), thresholds, cut)
            if with_evidence:
                evidence = tuple(self._evidence(features[row], prediction))
                prediction = replace(prediction, evidence=evidence)
            predictions.append(prediction)
        return predictions

    def classify(self, paragraphs: Sequence[Paragraph]) -> list[ClassifiedParagraph]:
        """Paragraphs of one or more documents, each document's in reading order."""
        predictions = self.predict(
            [p.text for p in paragraphs],
            kinds=[str(p.kind) for p in paragraphs],
            lead_ins=[p.lead_in for p in paragraphs],
            headings=[p.heading for p in paragraphs],
            groups=[p.doc_id for p in paragraphs],
        )
        return [
            ClassifiedParagraph(p, pred) for p, pred in zip(paragraphs, predictions, strict=True)
        ]

    def _evidence(self, row, prediction: Prediction) -> list[str]:
        """The readable words (not character n-grams) that added most to each decision."""
        weights, names = self._explainer()
        wanted = [label for label in prediction.themes if label != self.spec.none_label]
        if prediction.is_priority:
            wanted.append("priority")
        index = {label: k for k, label in enumerate((*self.spec.labels, "priority"))}
        evidence = []
        readable = self._readable[row.indices]
        for label in wanted:
            contributions = row.data * weights[index[label], row.indices]
            candidates = np.flatnonzero((contributions > 0) & readable)
            best = candidates[np.argsort(-contributions[candidates], kind="stable")]
            terms = [names[row.indices[j]] for j in best[:EVIDENCE_TERMS]]
            if terms:
                evidence.append(f"{label}: {', '.join(terms)}")
        return evidence

    def _linear(self) -> tuple[np.ndarray, np.ndarray]:
        return self._weights

    def _explainer(self) -> tuple[np.ndarray, np.ndarray]:
        """Weights and readable names, built once at load so threads can share the model."""
        return self._weights[0], self._names


def readable_feature(name: str) -> str:
    """'w__arms flows' -> 'arms flows'; context words are marked; other features hidden."""
    block, _, term = name.partition("__")
    if any(token.startswith("xx") for token in term.split()):
        return ""
    if block == "w":
        return term
    if block == "x":
        return f"(context) {term}"
    return ""
