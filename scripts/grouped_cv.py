"""Choose training settings by grouped cross-validation on the training split only.

    python scripts/grouped_cv.py                       # the default settings
    python scripts/grouped_cv.py c=4 c=16 context_weight=0.5 --folds 4 --jobs 2
    python scripts/grouped_cv.py nb_scaling=true,c=2       # several settings in one variant

Each argument `field=value` is one variant of `TrainConfig` beside the default. The training
split is cut into folds by source document; each variant is trained on all folds but one and
scored on that one, exactly as `untoc evaluate` scores the held-out split. The held-out split
is never read, so a setting chosen here does not peek at the test documents.
"""

from __future__ import annotations

import argparse
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import fields, replace
from pathlib import Path

from sklearn.model_selection import GroupKFold

from pipeline.classify.build import load_labelled, train_from_records
from pipeline.classify.corpus import split_by_source
from pipeline.classify.evaluate import evaluate_model
from pipeline.classify.train import TrainConfig


def parse_variant(text: str) -> dict[str, object]:
    """'c=4' or several settings at once: 'nb_scaling=true,c=2'."""
    kinds = {f.name: f.type for f in fields(TrainConfig)}
    variant: dict[str, object] = {}
    for setting in text.split(","):
        name, _, raw = setting.partition("=")
        if name not in kinds:
            raise SystemExit(f"unknown setting {name!r}; known: {', '.join(kinds)}")
        value: object = json.loads(raw.lower()) if raw.lower() in ("true", "false") else float(raw)
        if kinds[name] in ("int", int):
            value = int(value)
        variant[name] = value
    return variant


def score_fold(variant: dict, fold: int, folds: int, corpus: list[Path] | None) -> dict:
    train, _ = split_by_source(load_labelled(corpus))
    groups = [r.source for r in train]
    fit_idx, hold_idx = list(GroupKFold(n_splits=folds).split(train, groups=groups))[fold]
    config = replace(TrainConfig(), **variant)
    model = train_from_records([train[i] for i in fit_idx], name="cv", config=config)
    metrics = evaluate_model(model, [train[i] for i in hold_idx])
    return {
        "macro_f1_themes": metrics["macro_f1_themes"],
        "priority_f1": metrics["priority"]["f1"],
        "priority_f1_paragraph": metrics["per_kind"]["paragraph"]["priority"]["f1"],
        "ece_labels": metrics["ece_labels"],
        **{
            f"macro_f1_{lang}": scores["macro_f1_themes"]
            for lang, scores in metrics["per_language"].items()
        },
        **{f"f1_{label}": scores["f1"] for label, scores in metrics["per_label"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", help="field=value settings to try")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folder (repeatable)")
    parser.add_argument("--no-default", action="store_true", help="score only the variants given")
    args = parser.parse_args()
    variants = ([] if args.no_default else [{}]) + [parse_variant(v) for v in args.variants]
    jobs = [(v, f) for v in variants for f in range(args.folds)]
    with ProcessPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(score_fold, v, f, args.folds, args.corpus) for v, f in jobs]
        scores = [future.result() for future in futures]
    for variant in variants:
        rows = [s for (v, _), s in zip(jobs, scores, strict=True) if v == variant]
        means = {k: statistics.mean(r[k] for r in rows) for k in rows[0]}
        name = ", ".join(f"{k}={v}" for k, v in variant.items()) or "default"
        print(json.dumps({"variant": name, **{k: round(v, 4) for k, v in means.items()}}))


if __name__ == "__main__":
    main()
