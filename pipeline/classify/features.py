"""Model inputs: a paragraph and its surroundings -> the two text columns the model reads.

The paragraph's own words and its context (the lead-in of a list item, the section heading)
are kept in separate columns, so "priorities on firearms include:" can lend a terse item its
theme without the item's words and the context's words being confused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.sentences import split_sentences

START = "xxstart"
KIND_TOKENS = {"list_item": "xxitem", "heading": "xxheading", "paragraph": "xxpara"}


def text_column(text: str, kind: str = "paragraph") -> str:
    """The text with markers for its start and kind, so the first word counts on its own
    (an imperative "Strengthen ..." or "Fortalecer ..." opens a recommendation)."""
    return f"{KIND_TOKENS.get(kind, 'xxpara')} {START} {text}"


def context_column(lead_in: str = "", heading: str = "") -> str:
    return f"{lead_in} {heading}".strip()


def fold(text: str) -> str:
    """Lower case without accents, so 'Tráfico' and 'trafico' match the same cue."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def trie_pattern(words: Sequence[str]) -> str:
    """A regular expression matching any of `words`, factored by shared prefixes.

    A flat alternation of hundreds of cues is tried branch by branch at every word; the
    factored form decides character by character, about ten times faster.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + render(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + "?" if ends else body

    return render(trie)


@lru_cache(maxsize=8)
def _cue_matcher(
    cues: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[re.Pattern, dict[str, set[str]]]:
    themes_of: dict[str, set[str]] = {}
    for theme, terms in cues:
        for term in terms:
            themes_of.setdefault(fold(term), set()).add(theme)
    return re.compile(r"\b" + trie_pattern(sorted(themes_of))), themes_of


def cue_themes(text: str, cues: Mapping[str, Sequence[str]]) -> list[str]:
    """Themes whose cue words (any language) occur in the text, in taxonomy order."""
    if not cues:
        return []
    pattern, themes_of = _cue_matcher(tuple((t, tuple(terms)) for t, terms in cues.items()))
    found: set[str] = set()
    for match in pattern.finditer(fold(text)):
        found |= themes_of.get(match.group(0), set())
    return [theme for theme in cues if theme in found]


def cue_column(text: str, context: str, cues: Mapping[str, Sequence[str]]) -> str:
    """Tokens naming the themes whose cue words occur in the text or in its context.

    The same token for 'firearms', 'armas de fuego' and 'armes à feu' lets what the model
    learns in one language carry to the others.
    """
    tokens = [f"cue{theme}" for theme in cue_themes(text, cues)]
    tokens += [f"ctxcue{theme}" for theme in cue_themes(context, cues)]
    return " ".join(tokens) or "nocue"


def model_inputs(
    texts: Sequence[str],
    *,
    kinds: Sequence[str] | None = None,
    lead_ins: Sequence[str] | None = None,
    headings: Sequence[str] | None = None,
    use_context: bool = True,
    cues: Mapping[str, Sequence[str]] | None = None,
) -> np.ndarray:
    count = len(texts)
    kinds = kinds or ["paragraph"] * count
    lead_ins = lead_ins if (lead_ins is not None and use_context) else [""] * count
    headings = headings if (headings is not None and use_context) else [""] * count
    rows = np.empty((count, 3), dtype=object)
    for i in range(count):
        rows[i, 0] = text_column(texts[i], kinds[i])
        rows[i, 1] = context_column(lead_ins[i], headings[i])
        rows[i, 2] = cue_column(texts[i], rows[i, 1], cues or {})
    return rows


def sentence_inputs(
    texts: Sequence[str],
    kinds: Sequence[str],
    rows: np.ndarray,
    cues: Mapping[str, Sequence[str]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence of a multi-sentence paragraph as a model input of its own, in the
    context of its paragraph, with the index of the row it came from.

    An ask often fills one sentence of a long paragraph of background; scored alone, that
    sentence is not diluted by the rest.
    """
    sentence_rows: list[tuple[str, str, str]] = []
    owners: list[int] = []
    for index, (text, kind) in enumerate(zip(texts, kinds, strict=True)):
        if kind != "paragraph":
            continue
        sentences = split_sentences(text)
        if len(sentences) < 2:
            continue
        context = rows[index, 1]
        for sentence in sentences:
            sentence_rows.append(
                (text_column(sentence, kind), context, cue_column(sentence, context, cues or {}))
            )
            owners.append(index)
    result = np.empty((len(sentence_rows), 3), dtype=object)
    for i, row in enumerate(sentence_rows):
        result[i] = row
    return result, np.array(owners, dtype=int)


def word_tfidf(*, max_features: int) -> TfidfVectorizer:
    """Word 1-2-grams, accents folded, each seen in two texts at least."""
    return TfidfVectorizer(
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=max_features,
        strip_accents="unicode",
        dtype=np.float32,
    )


def build_vectorizer(
    *,
    context_weight: float = 0.5,
    char_ngrams: bool = True,
    use_context: bool = True,
    cue_weight: float = 0.5,
) -> ColumnTransformer:
    """Word 1-2-grams and (optionally) character 3-5-grams of the text; words of the context."""
    transformers = [
        ("w", word_tfidf(max_features=80_000), 0),
        ("x", word_tfidf(max_features=20_000), 1),
    ]
    transformers.append(
        (
            "k",
            TfidfVectorizer(
                token_pattern=r"\S+",
                lowercase=False,
                use_idf=False,
                norm=None,
                dtype=np.float32,
            ),
            2,
        )
    )
    weights = {"w": 1.0, "x": context_weight, "k": cue_weight}
    if not use_context:
        transformers = [t for t in transformers if t[0] != "x"]
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
