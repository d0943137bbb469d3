"""Retrain: the labelled corpus plus reviewer corrections -> a challenger, promoted only if better.

The challenger is trained and stored by `build_model` (as `untoc train` does), compared with the
current default on the challenger's held-out split (`pipeline.promotion`), and `models/DEFAULT`
moves only when no gate got worse. The comparison goes into the challenger's card, beside it as
`promotion.json`, and into a Prefect artifact. Every step is a library call; the tasks only wrap.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from pipeline import promotion
from pipeline.classify.build import build_model, default_corpus_paths
from pipeline.classify.train import TrainConfig
from pipeline.taxonomy import PROJECT_ROOT


def models_root(models_dir: str) -> Path:
    """Relative folders are the project's, where the nightly flow reads `models/DEFAULT`."""
    path = Path(models_dir)
    return path if path.is_absolute() else PROJECT_ROOT / path


def challenger_dir(models: Path, name: str | None, now: dt.datetime) -> Path:
    """`models/NAME`, or `models/retrain-<stamp>`; an existing model folder is never reused."""
    base = name or f"retrain-{now:%Y%m%d-%H%M%S}"
    for n in itertools.count():
        candidate = models / (base if n == 0 else f"{base}-{n}")
        if not candidate.exists():
            return candidate
    raise AssertionError("unreachable")


@task(cache_policy=NO_CACHE, task_run_name="train {out.name}")
def train_challenger(
    out: Path, corpus: list[Path], config: TrainConfig, measure_context: bool
) -> dict:
    _, metrics = build_model(out, corpus=corpus, config=config, measure_context=measure_context)
    return metrics


@task(cache_policy=NO_CACHE)
def compare_with_champion(
    challenger: Path, models: Path, corpus: list[Path], tolerance: float
) -> promotion.PromotionDecision:
    champion = promotion.current_champion(models)
    return promotion.decide(challenger, champion, corpus=corpus, tolerance=tolerance)


@task(cache_policy=NO_CACHE)
def record(challenger: Path, decision: promotion.PromotionDecision) -> None:
    promotion.append_to_card(challenger, decision)
    promotion.record_decision(challenger, decision)
    create_markdown_artifact(
        key="retrain-comparison",
        markdown=f"# Champion/challenger\n\n{promotion.comparison_markdown(decision)}",
        description=f"Retrain: {decision.challenger} against {decision.champion or 'no model'}",
    )


@task(cache_policy=NO_CACHE)
def promote(decision: promotion.PromotionDecision, challenger: Path, models: Path) -> bool:
    return promotion.apply(decision, challenger, models)


@flow(name="retrain")
def retrain_flow(
    corpus: list[str] | None = None,
    models_dir: str = "models",
    name: str | None = None,
    seed: int = 0,
    folds: int = 5,
    measure_context: bool = True,
    tolerance: float = promotion.TOLERANCE,
) -> dict[str, object]:
    """Train a challenger, compare it with the default model, promote it only if not worse."""
    logger = get_run_logger()
    paths = [Path(p) for p in corpus] if corpus else default_corpus_paths()
    models = models_root(models_dir)
    out = challenger_dir(models, name, dt.datetime.now())
    config = TrainConfig(seed=seed, folds=folds)
    train_challenger(out, paths, config, measure_context)
    decision = compare_with_champion(out, models, paths, tolerance)
    record(out, decision)
    promoted = promote(decision, out, models)
    logger.info(
        "%s %s (champion %s): %s",
        out.name,
        "promoted" if promoted else "not promoted",
        decision.champion or "none",
        "; ".join(decision.reasons),
    )
    return {
        "challenger": str(out),
        "champion": decision.champion or None,
        "promoted": promoted,
        "reevaluated": decision.reevaluated,
        "reasons": decision.reasons,
        "table": decision.table,
        "corpus": [str(p) for p in paths],
    }
