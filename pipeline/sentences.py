"""Sentences of a paragraph, for the stages that read a paragraph sentence by sentence."""

from __future__ import annotations

import re

SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[\"“«¿¡(]?[A-ZÁÉÍÓÚÑÀÂÇÈÊÎÔÛ0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences cut where a full stop, question or exclamation mark meets a capital."""
    return [s for s in (part.strip() for part in SENTENCE_SPLIT.split(text.strip())) if s]
