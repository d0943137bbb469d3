"""Model store: a `ThemeModel` <-> `models/<name>/` (skops file, spec, metrics, card).

A model is only ever loaded through `load_model`, which checks the file's SHA-256 against the
spec written beside it and lets skops build nothing but an explicit allow-list of types. No
pickle is read, so a model file from elsewhere cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from pipeline.classify.model import ModelSpec, ThemeModel
from pipeline.errors import ModelError
from pipeline.export import atomic_path, write_json, write_text_atomic
from pipeline.taxonomy import PROJECT_ROOT

MODEL_FILE = "model.skops"
SPEC_FILE = "model.json"
METRICS_FILE = "metrics.json"
POINTER_FILE = "DEFAULT"
MODELS_DIR = PROJECT_ROOT / "models"
REQUIRED_PARTS = frozenset({"vectorizer", "heads", "calibrators"})
TRUSTED_TYPES = frozenset(
    {
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.isotonic.IsotonicRegression",
        "sklearn.model_selection._split.StratifiedKFold",
    }
)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(model: ThemeModel, directory: Path, *, metrics: dict | None = None) -> Path:
    import skops.io as sio

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MODEL_FILE
    with atomic_path(target) as temporary:
        sio.dump(model.parts, temporary, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        digest = sha256_of(temporary)
    spec = model.spec.to_json() | {"model_sha256": digest, "versions": library_versions()}
    write_json(directory / SPEC_FILE, spec)
    if metrics is not None:
        write_json(directory / METRICS_FILE, metrics)
    return directory


def library_versions() -> dict[str, str]:
    import numpy
    import sklearn
    import skops

    return {
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": numpy.__version__,
    }


def resolve_model_dir(path: Path | str | None = None) -> Path:
    """A model folder from a folder, a pointer file (`models/DEFAULT`) or nothing (default)."""
    path = Path(path) if path else MODELS_DIR / POINTER_FILE
    if path.is_file() and path.name != SPEC_FILE:
        name = path.read_text(encoding="utf-8").strip()
        path = path.parent / name
    if not (path / SPEC_FILE).is_file():
        raise ModelError(
            f"{path}: no model here (expected {SPEC_FILE} and {MODEL_FILE}); train one with "
            "`untoc train --out models/NAME` or pass --model models/NAME."
        )
    return path


def load_model(path: Path | str | None = None) -> ThemeModel:
    """Load a stored model after checking its hash and the types it would construct."""
    import skops.io as sio

    directory = resolve_model_dir(path)
    try:
        spec_data = json.loads((directory / SPEC_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelError(f"{directory / SPEC_FILE}: unreadable model spec ({err})") from err
    model_path = directory / MODEL_FILE
    expected = spec_data.pop("model_sha256", None)
    spec_data.pop("versions", None)
    if not model_path.is_file() or expected != sha256_of(model_path):
        raise ModelError(
            f"{model_path}: missing, or its SHA-256 does not match {SPEC_FILE}; the file was "
            "changed after training. Retrain it or restore the original."
        )
    untrusted = set(sio.get_untrusted_types(file=model_path))
    unexpected = sorted(untrusted - TRUSTED_TYPES)
    if unexpected:
        raise ModelError(f"{model_path}: refuses to load unexpected types {unexpected}")
    parts = sio.load(model_path, trusted=sorted(untrusted))
    if not isinstance(parts, dict) or not set(parts) >= REQUIRED_PARTS:
        raise ModelError(f"{model_path}: not a theme model (needs parts {sorted(REQUIRED_PARTS)})")
    return ThemeModel(parts, ModelSpec.from_json(spec_data))


def set_default(directory: Path, models_dir: Path | None = None) -> None:
    """Point `models/DEFAULT` at `directory` (a model folder inside the models folder)."""
    models_dir = models_dir or directory.parent
    write_text_atomic(models_dir / POINTER_FILE, directory.name + "\n")
