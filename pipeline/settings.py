"""Run settings: limits, engines and paths, read from an optional TOML file.

Defaults suit a nightly run on a 2-core machine; `untoc.toml` (or `--config FILE`) overrides them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from pipeline.errors import PipelineError

DEFAULT_MODEL_POINTER = Path("models") / "DEFAULT"


@dataclass(frozen=True, slots=True)
class Settings:
    max_file_mb: float = 100.0
    max_pages: int = 2_000
    max_chars: int = 5_000_000
    file_timeout_s: float = 120.0
    file_memory_mb: int = 2_048
    pdf_engine: str = "pdfium"
    workers: int = 0
    review_low: float = 0.35
    review_high: float = 0.75
    model: str = ""

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


def load_settings(path: Path | None = None, **overrides: object) -> Settings:
    """Settings from `path` (or `./untoc.toml` when present), then keyword overrides."""
    settings = Settings()
    candidate = path or Path("untoc.toml")
    if path is not None and not path.is_file():
        raise PipelineError(f"{path}: config file not found; pass an existing TOML file.")
    if candidate.is_file():
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise PipelineError(f"{candidate}: not valid TOML ({err}); fix or remove it.") from err
        settings = _apply(settings, data.get("untoc", data), origin=str(candidate))
    given = {key: value for key, value in overrides.items() if value is not None}
    return _apply(settings, given, origin="command line")


def _apply(settings: Settings, values: dict[str, object], *, origin: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise PipelineError(
            f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}."
        )
    cast = {}
    for key, value in values.items():
        default = getattr(Settings(), key)
        try:
            cast[key] = type(default)(value)
        except (TypeError, ValueError) as err:
            raise PipelineError(
                f"{origin}: setting {key}={value!r} should be a {type(default).__name__}."
            ) from err
    return replace(settings, **cast)
