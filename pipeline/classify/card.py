"""Model card: metrics -> a Markdown page a researcher reads before trusting a model."""

from __future__ import annotations

from pipeline.classify.model import ModelSpec


def _row(name: str, scores: dict) -> str:
    prio = scores["priority"]
    return (
        f"| {name} | {scores['n']} | {scores['macro_f1_themes']:.3f} | "
        f"{scores['micro_f1_themes']:.3f} | {prio['f1']:.3f} | {scores['ece_labels']:.3f} |"
    )


def model_card(spec: ModelSpec, metrics: dict) -> str:
    test = metrics["test"]
    lines = [
        f"# Model card: {spec.name}",
        "",
        f"- Architecture: `{spec.arch}` (word 1-2-gram and character 3-5-gram TF-IDF of the "
        "paragraph, word TF-IDF of its context, one-vs-rest logistic regression with sigmoid "
        "calibration per label, and a separate calibrated priority head).",
        f"- Labels: {', '.join(f'`{label}`' for label in spec.labels)} (from "
        "`corpora/taxonomy.yaml`); `none` is assigned when no theme passes its threshold.",
        f"- Seed {spec.seed}; corpus fingerprint `{spec.corpus_fingerprint[:16]}`; "
        f"{metrics['data']['train']} training and {metrics['data']['test']} held-out records "
        "(split by source document: one document in five is held out).",
        f"- Context: {'used' if spec.use_context else 'not used'} (lead-in of list items and "
        "section heading).",
        *(
            [
                "- Label heads read NB-scaled features (each feature weighed by the log-ratio "
                "of its share in texts with and without the label)."
            ]
            if spec.extra.get("train_config", {}).get("nb_scaling")
            else []
        ),
        *(
            [
                "- Sentences: within a document, each paragraph also carries its highest "
                "probabilities over its own sentences, so one ask in a paragraph of background "
                "is not diluted."
            ]
            if spec.sentence_maxima
            else []
        ),
        "",
        "## Held-out metrics",
        "",
        "| slice | n | macro-F1 (5 themes) | micro-F1 | priority F1 | ECE (labels) |",
        "| --- | --- | --- | --- | --- | --- |",
        _row("all", test),
        *(_row(f"lang={lang}", s) for lang, s in test["per_language"].items()),
        *(_row(f"kind={kind}", s) for kind, s in test["per_kind"].items()),
        "",
        f"Brier score (labels): {test['brier_labels']:.4f}; priority Brier "
        f"{test['priority']['brier']:.4f}, ECE {test['priority']['ece']:.3f}. "
        f"Share of `none` in the held-out data: {test['share_none']:.0%}.",
        "",
        "## Per label",
        "",
        "| label | threshold | precision | recall | F1 | support | ECE |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *(
            f"| {label} | {spec.thresholds[label]:.2f} | {s['precision']:.3f} | "
            f"{s['recall']:.3f} | {s['f1']:.3f} | {s['support']} | "
            f"{test['ece_per_label'][label]:.3f} |"
            for label, s in test["per_label"].items()
        ),
        f"| priority | {spec.priority_threshold:.2f} | {test['priority']['precision']:.3f} | "
        f"{test['priority']['recall']:.3f} | {test['priority']['f1']:.3f} | "
        f"{test['priority']['support']} | {test['priority']['ece']:.3f} |",
        "",
        "Thresholds were tuned for F1 under a precision floor of "
        f"{spec.extra.get('train_config', {}).get('precision_floor', 0.8)} on out-of-fold "
        "predictions of the training split (folds grouped by source document).",
        "",
    ]
    if "context_ablation" in metrics:
        ablation = metrics["context_ablation"]
        lines += [
            "## What context adds",
            "",
            "| variant | macro-F1 (themes) | list items macro-F1 | priority F1 |",
            "| --- | --- | --- | --- |",
            *(
                f"| {name} | {v['macro_f1_themes']:.3f} | {v['list_item_macro_f1']:.3f} | "
                f"{v['priority_f1']:.3f} |"
                for name, v in ablation.items()
            ),
            "",
        ]
    if "comparison" in metrics:
        lines += [
            "## Compared models",
            "",
            "| model | macro-F1 (themes) | ECE | priority F1 |",
            "| --- | --- | --- | --- |",
            *(
                f"| {name} | {v['macro_f1_themes']:.3f} | {v['ece_labels']:.3f} | "
                f"{v['priority_f1']:.3f} |"
                for name, v in metrics["comparison"].items()
            ),
            "",
        ]
    lines += [
        "## Limits",
        "",
        "- Trained on paragraphs written by the project team to read like real submissions "
        "(see `corpora/labelled/DATA_CARD.md`); real submissions differ, and reviewer "
        "corrections (`untoc feedback`) are the way to close that gap.",
        "- English, Spanish and French only; other languages get a language tag but "
        "unreliable themes.",
        "- Bag-of-words: negation and irony are not understood; a paragraph that only "
        "mentions a theme in passing can be labelled with it.",
        "- Probabilities are calibrated on held-out text of the same kind; on very different "
        "text (e.g. legal drafting) they are less reliable, hence the review band "
        f"[{spec.review_low}, {spec.review_high}].",
        "",
    ]
    return "\n".join(lines)
