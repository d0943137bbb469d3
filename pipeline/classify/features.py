"""Model inputs: a paragraph and its surroundings -> the two text columns the model reads.

The paragraph's own words and its context (the lead-in of a list item, the section heading)
are kept in separate columns, so "priorities on firearms include:" can lend a terse item its
theme without the item's words and the context's words being confused.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer

START = "xxstart"
KIND_TOKENS = {"list_item": "xxitem", "heading": "xxheading", "paragraph": "xxpara"}


def text_column(text: str, kind: str = "paragraph") -> str:
    """The text with markers for its start and kind, so the first word counts on its own
    (an imperative "Strengthen ..." or "Fortalecer ..." opens a recommendation)."""
    return f"{KIND_TOKENS.get(kind, 'xxpara')} {START} {text}"


def context_column(lead_in: str = "", heading: str = "") -> str:
    return f"{lead_in} {heading}".strip()


def model_inputs(
    texts: Sequence[str],
    *,
    kinds: Sequence[str] | None = None,
    lead_ins: Sequence[str] | None = None,
    headings: Sequence[str] | None = None,
    use_context: bool = True,
) -> np.ndarray:
    count = len(texts)
    kinds = kinds or ["paragraph"] * count
    lead_ins = lead_ins if (lead_ins is not None and use_context) else [""] * count
    headings = headings if (headings is not None and use_context) else [""] * count
    rows = np.empty((count, 2), dtype=object)
    for i in range(count):
        rows[i, 0] = text_column(texts[i], kinds[i])
        rows[i, 1] = context_column(lead_ins[i], headings[i])
    return rows


def build_vectorizer(
    *, context_weight: float = 0.5, char_ngrams: bool = True, use_context: bool = True
) -> ColumnTransformer:
    """Word 1-2-grams and (optionally) character 3-5-grams of the text; words of the context."""
    transformers = [
        (
            "w",
            TfidfVectorizer(
                ngram_range=(1, 2),
                min_df=2,
                sublinear_tf=True,
                max_features=80_000,
                strip_accents="unicode",
                dtype=np.float32,
            ),
            0,
        ),
        (
            "x",
            TfidfVectorizer(
                ngram_range=(1, 2),
                min_df=2,
                sublinear_tf=True,
                max_features=20_000,
                strip_accents="unicode",
                dtype=np.float32,
            ),
            1,
        ),
    ]
    weights = {"w": 1.0, "x": context_weight}
    if not use_context:
        transformers.pop()
        del weights["x"]
    if char_ngrams:
        transformers.insert(
            1,
            (
                "c",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=3,
                    sublinear_tf=True,
                    max_features=120_000,
                    strip_accents="unicode",
                    dtype=np.float32,
                ),
                0,
            ),
        )
        weights["c"] = 1.0
    return ColumnTransformer(transformers, transformer_weights=weights, sparse_threshold=1.0)
