"""The label set, read from `corpora/taxonomy.yaml`; nothing else hard-codes it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipeline.errors import PipelineError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TAXONOMY_PATH = PROJECT_ROOT / "corpora" / "taxonomy.yaml"


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    name: str
    definition: str
    terms: dict[str, tuple[str, ...]]
    cues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    none_label: str
    version: int

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)

    @property
    def cues(self) -> dict[str, tuple[str, ...]]:
        return {theme.id: theme.cues for theme in self.themes if theme.cues}

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the classifier predicts: the themes, then `none`."""
        return (*self.theme_ids, self.none_label)


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        themes = tuple(
            Theme(
                id=item["id"],
                name=item["name"],
                definition=" ".join(item["definition"].split()),
                terms={lang: tuple(words) for lang, words in item.get("terms", {}).items()},
                cues=tuple(str(cue) for cue in item.get("cues", ())),
            )
            for item in data["themes"]
        )
        return Taxonomy(themes=themes, none_label=data["none"]["id"], version=int(data["version"]))
    except (OSError, yaml.YAMLError, KeyError, TypeError) as err:
        raise PipelineError(
            f"{path}: cannot read the taxonomy ({err}); it needs `themes` (id, name, "
            "definition, terms) and `none`."
        ) from err
