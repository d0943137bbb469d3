"""Detect language: `Paragraph` records -> the same records with `lang` set (ISO 639-1).

English, Spanish and French are the working languages of the submissions; a few other languages
are known so that a Portuguese or Arabic paragraph is tagged as such rather than forced into one
of the three. Snippets too short to judge take their document's main language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from pipeline.records import Paragraph

UNDETERMINED = "und"
MIN_WORDS = 4
ISO_CODES = {
    "ENGLISH": "en",
    "SPANISH": "es",
    "FRENCH": "fr",
    "PORTUGUESE": "pt",
    "GERMAN": "de",
    "ITALIAN": "it",
    "ARABIC": "ar",
    "RUSSIAN": "ru",
    "CHINESE": "zh",
}


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in ISO_CODES]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_minimum_relative_distance(0.05)
        .build()
    )


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`, or 'und' when it is too short or unclear to tell."""
    if len(text.split()) < MIN_WORDS and not _is_non_latin(text):
        return UNDETERMINED
    language = _detector().detect_language_of(text)
    return ISO_CODES.get(language.name, UNDETERMINED) if language is not None else UNDETERMINED


def _is_non_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(ord(c) > 0x2FF for c in letters) > len(letters) // 2


def detect_languages(texts: Sequence[str]) -> list[str]:
    """Languages of a document's texts; undetermined snippets take the document's majority."""
    codes = [detect_language(text) for text in texts]
    known = Counter(code for code in codes if code != UNDETERMINED)
    fallback = known.most_common(1)[0][0] if known else UNDETERMINED
    return [code if code != UNDETERMINED else fallback for code in codes]


def tag_languages(paragraphs: Sequence[Paragraph]) -> list[Paragraph]:
    codes = detect_languages([_with_context(p) for p in paragraphs])
    return [replace(p, lang=code) for p, code in zip(paragraphs, codes, strict=True)]


def _with_context(paragraph: Paragraph) -> str:
    """A terse list item is judged with its lead-in, which is in the same language."""
    if len(paragraph.text.split()) < MIN_WORDS and paragraph.lead_in:
        return f"{paragraph.lead_in} {paragraph.text}"
    return paragraph.text
