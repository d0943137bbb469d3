"""Group & rank: `ClassifiedParagraph` records -> ranked `Priority` lists, one per theme.

The same ask often comes from several submissions in other words, or in another language where
the words are cognates ("protection of victims" / "protección de las víctimas"). Paragraphs are
compared with a cosine over words and character n-grams and grouped greedily within each theme,
most confident first, so the output is a pure function of the input: the same paragraphs always
give the same groups, texts and order.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.errors import PipelineError
from pipeline.records import ClassifiedParagraph, Priority, PrioritySource

# On the table in tests/test_prioritize.py (pairs from the labelled corpus), paraphrases of one
# ask score 0.41-0.65 and different asks on one theme 0.02-0.31. 0.38 sits in that gap, nearer
# the paraphrases: a missed merge shows as two similar lines, a wrong one hides an ask. Asks
# built on one template with another object ("make illegal fishing / illegal gold mining a
# serious crime"), or short ones made mostly of the theme's own words ("shelters" / "screening
# for victims of trafficking among migrants"), score 0.4 and more: words alone cannot part them.
MIN_SIMILARITY = 0.38
WORD_WEIGHT = 0.5
NONE_LABEL = "none"
UNKNOWN_STAKEHOLDER = "unknown"
PRIORITY_COLUMNS = (
    "theme",
    "rank",
    "text",
    "confidence",
    "support",
    "sources",
    "lang",
    "stakeholder_types",
)
METADATA_COLUMNS = ("file", "organization", "stakeholder_type", "country", "date")
TIE_DIGITS = 9

# Function words of the three working languages, and the verbs and nouns every ask shares
# ("strengthen", "garantizar", "priorités"): with no IDF weighting (see `text_vectors`) nothing
# else discounts them, and they would make any two recommendations look alike.
_STOPWORD_TEXT = """
    a about after all also an and any are as at be been being both but by can could do does
    each every for from further has have how if in into is it its may more most must need
    needs of on or other our should so such than that the their them there these they this
    those through to under up upon was we were what when where which while who will with
    within would
    al algunas algunos ante como con contra cual cuando de del desde donde el ella ellas ellos
    en entre es esta estas este estos hay la las le les lo los mas mediante muy nos nuestra
    nuestras nuestro nuestros o para pero por que se ser sin sobre son su sus tambien un una
    unas uno unos y ya
    afin au aucun aussi aux avec ce ces cet cette comme dans des du elle elles en est et etre
    il ils la le les leur leurs lors mais ne nos notre nous ou par pas plus pour qu que qui sa
    se ses son sont sous sur une vers vos votre
    adopt better call calls encourage enhance ensure establish especially greater improve
    include includes including particular particularly priorities priority promote provide
    recommend recommendation recommendations recommended recommends strengthen support urge
    countries government governments participants speakers state states
    adoptar apoyar asegurar cada establecer estados fomentar fortalecer garantizar gobiernos
    impulsar mejorar paises participantes prioridad prioridades promover recomendamos
    recomendar recomienda todas todos
    adopter ameliorer assurer chaque encourager etablir etats garantir gouvernements pays
    priorite priorites promouvoir recommande recommander recommandons renforcer soutenir tous
    toutes
    """
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# A small Spanish and French -> English glossary of the themes' core words, so that an ask made
# in two languages shares more than its cognates. Words that are also English ("formation",
# "passage") or ambiguous ("or", "forces") are left out on purpose.
GLOSSARY = {
    word: english
    for english, words in {
        "trafficking": "trata traite tratantes traficantes trafiquants",
        "victims": "victima victimas victime victimes",
        "migrants": "migrante migrantes",
        "firearms": "arma armas arme armes",
        "ammunition": "municion municiones munitions",
        "marking": "marcado marcaje marcar marquage marquer",
        "tracing": "rastreo rastrear tracage tracer",
        "records": "registro registros registre registres",
        "protection": "proteccion proteger",
        "assistance": "asistencia asistir",
        "prosecution": "enjuiciamiento enjuiciar poursuites poursuivre",
        "investigation": "investigacion investigaciones investigar enquete enquetes",
        "financial": "financiera financieras financiero financieros financier financiere "
        "financieres",
        "confiscation": "decomiso decomisar confiscar confisquer",
        "laundering": "lavado blanchiment",
        "cooperation": "cooperacion",
        "authorities": "autoridades autorites",
        "training": "capacitacion capacitar formacion",
        "women": "mujeres femmes",
        "children": "ninas ninos enfants",
        "workers": "trabajadores travailleurs",
        "labour": "laboral trabajo travail",
        "wildlife": "fauna faune",
        "timber": "madera bois",
        "mining": "mineria orpaillage",
        "gold": "oro",
        "fishing": "pesca peche",
        "border": "frontera fronteras frontiere frontieres",
        "companies": "empresas entreprises",
    }.items()
    for word in words.split()
}
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A priority paragraph under one theme, with the score it brings to its group."""

    item: ClassifiedParagraph
    score: float

    @property
    def order(self) -> tuple:
        p = self.item.paragraph
        return (-round(self.score, TIE_DIGITS), p.source_file, p.index, p.doc_id, p.text)


def normalise_text(text: str) -> str:
    """Lower case, accents and function words dropped, core words in English: what is compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = (
        w for w in _TOKEN.findall(plain) if len(w) > 1 and w not in STOPWORDS and not w.isdigit()
    )
    return " ".join(GLOSSARY.get(w, w) for w in words)


def _term_vectors(texts: Sequence[str], **options) -> sparse.csr_matrix:
    vectorizer = TfidfVectorizer(
        lowercase=False, use_idf=False, sublinear_tf=True, dtype=np.float64, **options
    )
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:
        return sparse.csr_matrix((len(texts), 1))


def text_vectors(texts: Sequence[str], *, word_weight: float = WORD_WEIGHT) -> sparse.csr_matrix:
    """Unit rows whose dot product is `word_weight` * word cosine + the rest * char cosine.

    Words catch paraphrases in one language; character 3-5-grams within words catch inflections
    and cognates across English, Spanish and French. Term frequencies are not weighted by IDF:
    fitted on one night's few candidates, IDF marks the very words two paraphrases share as
    common and pushes them apart (0.41 becomes 0.27 with two texts), so a threshold would mean
    something different on every run. Without it, whether two paragraphs group depends on
    those two alone; the stop-word list does IDF's work on function words and boilerplate.
    """
    cleaned = [normalise_text(text) for text in texts]
    words = _term_vectors(cleaned, analyzer="word", token_pattern=r"\b\w\w+\b")
    chars = _term_vectors(cleaned, analyzer="char_wb", ngram_range=(3, 5))
    return sparse.hstack(
        [words * np.sqrt(word_weight), chars * np.sqrt(1 - word_weight)], format="csr"
    )


def similarity_matrix(texts: Sequence[str]) -> np.ndarray:
    """Pairwise similarities of `texts` (one theme's candidates)."""
    vectors = text_vectors(texts)
    return np.asarray((vectors @ vectors.T).todense())


@dataclass(frozen=True)
class TextVectors:
    """Unit vectors of the distinct normalised texts, and each text's row among them.

    Without IDF a text's vector depends on that text alone, so one night's candidates of every
    theme are vectorised together, and a text repeated across submissions is compared once.
    """

    vectors: sparse.csr_matrix
    row_of: Mapping[str, int]

    @classmethod
    def of(cls, texts: Sequence[str]) -> TextVectors:
        distinct = list(dict.fromkeys(texts))
        return cls(text_vectors(distinct), {text: row for row, text in enumerate(distinct)})

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self.row_of[text] for text in texts], dtype=np.intp)


def group_rows(
    vectors: sparse.csr_matrix,
    rows: np.ndarray,
    *,
    min_similarity: float = MIN_SIMILARITY,
    block: int = 256,
) -> list[list[int]]:
    """Greedy group-average grouping of the texts at `rows` of `vectors`, taken in their order:
    each joins the group with the highest mean similarity to its members, if at least
    `min_similarity`, else starts one.

    The mean, not the cosine with the group's centroid: a large group's centroid drifts toward
    the words every paragraph of the theme uses ("victims", "trafficking") and then pulls in
    any text that mentions them, while the mean stays on the scale of the pairwise table the
    threshold was set on. Similarities are computed a block of texts at a time against the
    distinct texts, so memory grows with the number of candidates, not with its square.
    """
    count = len(rows)
    group_of = np.empty(count, dtype=np.intp)
    sizes = np.zeros(count, dtype=np.float64)
    groups: list[list[int]] = []
    for start in range(0, count, block):
        stop = min(count, start + block)
        similarities = (vectors[rows[start:stop]] @ vectors.T).toarray()
        for position in range(start, stop):
            if groups:
                to_earlier = similarities[position - start, rows[:position]]
                sums = np.bincount(group_of[:position], weights=to_earlier, minlength=len(groups))
                means = sums / sizes[: len(groups)]
                best = int(np.argmax(np.round(means, TIE_DIGITS)))
                if means[best] >= min_similarity:
                    groups[best].append(position)
                    group_of[position] = best
                    sizes[best] += 1
                    continue
            group_of[position] = len(groups)
            sizes[len(groups)] = 1
            groups.append([position])
    return groups


def representative(
    members: Sequence[int], vectors: sparse.csr_matrix, rows: np.ndarray, scores
) -> int:
    """The member closest to the group centroid (the largest sum of similarities to the group);
    ties go to the more confident, then the earlier."""
    member_vectors = vectors[rows[list(members)]]
    closeness = member_vectors @ np.asarray(member_vectors.sum(axis=0)).ravel()
    best = min(
        range(len(members)),
        key=lambda k: (-round(float(closeness[k]), TIE_DIGITS), -round(scores[k], TIE_DIGITS), k),
    )
    return members[best]


def source_of(item: ClassifiedParagraph) -> PrioritySource:
    p = item.paragraph
    return PrioritySource(p.source_file, p.page, p.doc_id, p.paragraph_id)


def _source_key(source: PrioritySource) -> tuple:
    return (source.source_file, source.page is None, source.page or 0, source.paragraph_id)


def metadata_for(source_file: str, metadata: Mapping[str, Mapping[str, str]]) -> Mapping[str, str]:
    """The submissions.csv row of a file: by its path, its name, or (for an e-mail attachment,
    `mail.eml/report.pdf`) the file it came in."""
    path = PurePosixPath(source_file)
    for candidate in (path, *path.parents):
        for key in (str(candidate), candidate.name):
            if key and key != "." and key in metadata:
                return metadata[key]
    return {}


def stakeholder_types(
    sources: Sequence[PrioritySource], metadata: Mapping[str, Mapping[str, str]] | None
) -> tuple[str, ...]:
    """The sorted stakeholder types of the sources; `unknown` for a file the list does not
    name. With no submissions list at all nothing is claimed, rather than `unknown` for all."""
    if not metadata:
        return ()
    found = {
        metadata_for(s.source_file, metadata).get("stakeholder_type") or UNKNOWN_STAKEHOLDER
        for s in sources
    }
    return tuple(sorted(found))


def theme_candidates(classified: Sequence[ClassifiedParagraph], theme: str) -> list[Candidate]:
    candidates = [
        Candidate(item, item.prediction.probabilities.get(theme, 0.0) * item.prediction.p_priority)
        for item in classified
        if item.prediction.is_priority and theme in item.prediction.themes
    ]
    return sorted(candidates, key=lambda c: c.order)


def rank_theme(
    candidates: Sequence[Candidate],
    *,
    theme: str,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    min_similarity: float = MIN_SIMILARITY,
    vectors: TextVectors | None = None,
) -> list[Priority]:
    """One theme's candidates (in `Candidate.order`) -> its ranked priorities.

    `vectors` must hold every candidate's text; by default they are vectorised here."""
    if not candidates:
        return []
    texts = [c.item.paragraph.text for c in candidates]
    vectors = vectors or TextVectors.of(texts)
    rows = vectors.rows(texts)
    unranked = []
    for members in group_rows(vectors.vectors, rows, min_similarity=min_similarity):
        scores = [candidates[m].score for m in members]
        chosen = candidates[representative(members, vectors.vectors, rows, scores)]
        group = [candidates[m] for m in members]
        sources = tuple(sorted((source_of(c.item) for c in group), key=_source_key))
        unranked.append(
            Priority(
                theme=theme,
                rank=0,
                text=chosen.item.paragraph.text,
                confidence=max(c.score for c in group),
                support=len({c.item.paragraph.doc_id for c in group}),
                sources=sources,
                lang=chosen.item.paragraph.lang,
                stakeholder_types=stakeholder_types(sources, metadata),
            )
        )
    unranked.sort(
        key=lambda p: (
            -p.support,
            -round(p.confidence, TIE_DIGITS),
            p.text,
            _source_key(p.sources[0]),
        )
    )
    return [replace(p, rank=rank) for rank, p in enumerate(unranked, start=1)]


def rank_priorities(
    classified: Sequence[ClassifiedParagraph],
    *,
    themes: Sequence[str],
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    min_similarity: float = MIN_SIMILARITY,
) -> dict[str, list[Priority]]:
    """Per theme (in the order given, `none` left out), the priorities raised, ranked by how
    many submissions raise them, then by confidence, then by text.

    A group's confidence is the largest p_theme * p_priority of its members: the chance, taking
    the two as independent, that a paragraph is both about the theme and an ask. A group is as
    credible as its clearest statement, and a weaker paraphrase joining it never lowers it
    (support already counts how many say it).
    """
    candidates = {
        theme: theme_candidates(classified, theme) for theme in themes if theme != NONE_LABEL
    }
    vectors = TextVectors.of(
        [c.item.paragraph.text for found in candidates.values() for c in found]
    )
    return {
        theme: rank_theme(
            found, theme=theme, metadata=metadata, min_similarity=min_similarity, vectors=vectors
        )
        for theme, found in candidates.items()
    }


def format_sources(sources: Sequence[PrioritySource]) -> str:
    """'a.pdf p.3; b.docx' with repeats folded: a reader wants where to look, not paragraph ids."""
    labels = [s.source_file if s.page is None else f"{s.source_file} p.{s.page}" for s in sources]
    return "; ".join(dict.fromkeys(labels))


def priority_rows(priorities: Mapping[str, Sequence[Priority]]) -> list[dict[str, object]]:
    """The rows of priorities.csv (and of the workbook's theme sheets), theme by theme."""
    return [
        {
            "theme": p.theme,
            "rank": p.rank,
            "text": p.text,
            "confidence": p.confidence,
            "support": p.support,
            "sources": format_sources(p.sources),
            "lang": p.lang,
            "stakeholder_types": ";".join(p.stakeholder_types),
        }
        for ranked in priorities.values()
        for p in ranked
    ]


def priorities_json(priorities: Mapping[str, Sequence[Priority]]) -> dict[str, list[dict]]:
    return {
        theme: [
            {
                "rank": p.rank,
                "text": p.text,
                "confidence": round(p.confidence, 4),
                "support": p.support,
                "lang": p.lang,
                "stakeholder_types": list(p.stakeholder_types),
                "sources": [
                    {
                        "file": s.source_file,
                        "page": s.page,
                        "doc_id": s.doc_id,
                        "paragraph_id": s.paragraph_id,
                    }
                    for s in p.sources
                ],
            }
            for p in ranked
        ]
        for theme, ranked in priorities.items()
    }


def breakdown_by_stakeholder(
    priorities: Mapping[str, Sequence[Priority]],
) -> dict[str, dict[str, int]]:
    """Per theme, how many of its priorities each stakeholder type raised (a priority raised by
    an NGO and a company counts once for each); priorities with no known type count as
    `unknown`."""
    return {
        theme: dict(
            sorted(
                Counter(
                    kind for p in ranked for kind in (p.stakeholder_types or (UNKNOWN_STAKEHOLDER,))
                ).items()
            )
        )
        for theme, ranked in priorities.items()
    }


def normalise_stakeholder(value: str) -> str:
    """'NGO' -> 'ngo', 'Private sector' -> 'private_sector'; unknown types are kept."""
    return re.sub(r"[\s\-]+", "_", value.strip().casefold()).strip("_")


def read_submission_metadata(path: Path) -> dict[str, dict[str, str]]:
    """submissions.csv (file, organization, stakeholder_type, country, date) keyed by file.

    Accepts UTF-8 with or without a byte-order mark, comma- or semicolon-separated (as Excel
    saves it in many locales); blank rows are skipped.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise PipelineError(
            f"{path}: cannot read the submissions list ({err}); save it as UTF-8 CSV."
        ) from err
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fields = [name.strip().casefold() for name in reader.fieldnames or []]
    missing = [column for column in METADATA_COLUMNS if column not in fields]
    if missing:
        raise PipelineError(
            f"{path}: missing column(s) {', '.join(missing)}; the submissions list needs "
            f"{', '.join(METADATA_COLUMNS)} in its first row."
        )
    metadata: dict[str, dict[str, str]] = {}
    for raw in reader:
        row = {
            name.strip().casefold(): (value or "").strip()
            for name, value in raw.items()
            if name is not None and isinstance(value, str | None)
        }
        if not row.get("file"):
            continue
        if row["file"] in metadata:
            raise PipelineError(
                f"{path}: line {reader.line_num} lists {row['file']} a second time; keep one row "
                "per file."
            )
        entry = {column: row.get(column, "") for column in METADATA_COLUMNS}
        entry["stakeholder_type"] = normalise_stakeholder(entry["stakeholder_type"])
        metadata[row["file"]] = entry
    return metadata
