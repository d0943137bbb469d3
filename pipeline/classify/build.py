"""Build a model end to end: corpus folders -> trained, evaluated, stored model folder.

What `untoc train` and the retrain flow both run, so the two never drift apart. The same corpus
and seed give the same `metrics.json`, byte for byte (no timestamps in it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pipeline.classify.card import model_card
from pipeline.classify.corpus import (
    LabelledText,
    heldout_fingerprint,
    load_corpus,
    split_by_source,
)
from pipeline.classify.evaluate import evaluate_model, plot_reliability
from pipeline.classify.model import ThemeModel
from pipeline.classify.store import save_model
from pipeline.classify.train import TrainConfig, train_model
from pipeline.export import write_text_atomic
from pipeline.taxonomy import PROJECT_ROOT, load_taxonomy

LABELLED_DIR = PROJECT_ROOT / "corpora" / "labelled"
REVIEWED_DIR = PROJECT_ROOT / "corpora" / "reviewed"


def default_corpus_paths() -> list[Path]:
    """The labelled corpus plus every reviewer correction made so far."""
    return [LABELLED_DIR] + ([REVIEWED_DIR] if REVIEWED_DIR.is_dir() else [])


def load_labelled(paths: Sequence[Path] | None = None) -> list[LabelledText]:
    return load_corpus(paths or default_corpus_paths(), labels=load_taxonomy().labels)


def train_from_records(
    records: Sequence[LabelledText], *, name: str, config: TrainConfig
) -> ThemeModel:
    taxonomy = load_taxonomy()
    return train_model(
        records,
        labels=taxonomy.labels,
        none_label=taxonomy.none_label,
        name=name,
        config=config,
        cues=taxonomy.cues,
    )


def summary_scores(metrics: dict) -> dict[str, float]:
    return {
        "macro_f1_themes": metrics["macro_f1_themes"],
        "list_item_macro_f1": metrics["per_kind"].get("list_item", {}).get("macro_f1_themes", 0.0),
        "priority_f1": metrics["priority"]["f1"],
        "ece_labels": metrics["ece_labels"],
    }


def compare_models(train, test, seed: int, variants: dict) -> dict:
    """Held-out scores of this model beside a spaCy `textcat_multilabel` trained on the same
    split; speeds are left out so the metrics file stays the same from run to run."""
    from pipeline.classify.spacy_textcat import compare_with_spacy

    taxonomy = load_taxonomy()
    spacy_scores = compare_with_spacy(
        train, test, labels=taxonomy.labels, none_label=taxonomy.none_label, seed=seed
    )
    comparison = {"tfidf (this model)": variants["text + lead-in/heading + neighbours"]}
    for name, scores in spacy_scores.items():
        comparison[name] = {k: v for k, v in scores.items() if k != "paragraphs_per_second"}
    return comparison


def build_model(
    out: Path,
    *,
    corpus: Sequence[Path] | None = None,
    config: TrainConfig | None = None,
    measure_context: bool = True,
    compare_spacy: bool = False,
) -> tuple[ThemeModel, dict]:
    """Train on the training split, evaluate on the held-out split, store everything in `out`."""
    config = config or TrainConfig()
    records = load_labelled(corpus)
    train, test = split_by_source(records)
    model = train_from_records(train, name=out.name, config=config)
    test_metrics = evaluate_model(model, test)
    metrics: dict = {
        "model": out.name,
        "arch": model.spec.arch,
        "data": {
            "records": len(records),
            "train": len(train),
            "test": len(test),
            "test_sources": len({r.source for r in test}),
            "heldout_fingerprint": heldout_fingerprint(test),
        },
        "thresholds": model.spec.thresholds,
        "priority_threshold": model.spec.priority_threshold,
        "test": test_metrics,
    }
    variants = {
        "text + lead-in/heading + neighbours": summary_scores(test_metrics),
        "text + lead-in/heading": summary_scores(evaluate_model(model, test, use_neighbours=False)),
    }
    if measure_context:
        text_only = train_from_records(
            train,
            name=f"{out.name}-text-only",
            config=replace(config, use_context=False, use_neighbours=False),
        )
        variants["text only"] = summary_scores(
            evaluate_model(text_only, test, use_neighbours=False)
        )
    metrics["context_ablation"] = variants
    if compare_spacy:
        metrics["comparison"] = compare_models(train, test, config.seed, variants)
    save_model(model, out, metrics=metrics)
    plot_reliability(test_metrics, out / "reliability.png", title=f"{out.name}: held-out")
    write_text_atomic(out / "MODEL_CARD.md", model_card(model.spec, metrics))
    return model, metrics
