"""Group & rank: which paragraphs become which priorities, in what order, with what evidence."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.export import read_csv_rows, write_csv, write_json
from pipeline.prioritize import (
    MIN_SIMILARITY,
    PRIORITY_COLUMNS,
    TextVectors,
    breakdown_by_stakeholder,
    group_rows,
    metadata_for,
    normalise_stakeholder,
    priorities_json,
    priority_rows,
    rank_priorities,
    read_submission_metadata,
    similarity_matrix,
)
from pipeline.records import BlockKind, ClassifiedParagraph, Paragraph, Prediction
from pipeline.taxonomy import PROJECT_ROOT, load_taxonomy

LABELS = load_taxonomy().labels
THEMES = load_taxonomy().theme_ids


def item(
    text: str,
    *,
    doc: str = "a",
    index: int = 1,
    themes: tuple[str, ...] = ("firearms",),
    p_theme: float = 0.9,
    p_priority: float = 0.9,
    is_priority: bool = True,
    lang: str = "en",
    page: int | None = 1,
    source_file: str | None = None,
) -> ClassifiedParagraph:
    probabilities = {label: (p_theme if label in themes else 0.05) for label in LABELS}
    paragraph = Paragraph(
        doc_id=doc * 64,
        source_file=source_file or f"{doc}.pdf",
        index=index,
        text=text,
        kind=BlockKind.PARAGRAPH,
        page=page,
        lang=lang,
    )
    prediction = Prediction(
        probabilities=probabilities,
        themes=themes,
        top_theme=themes[0],
        confidence=p_theme,
        p_priority=p_priority,
        is_priority=is_priority,
        needs_review=False,
    )
    return ClassifiedParagraph(paragraph, prediction)


# Pairs from the labelled corpus (and two translations): the same ask in other words...
PARAPHRASES = [
    (
        "license brokers and make unlicensed brokering a criminal offence;",
        "Make unlicensed brokering a criminal offence, punishable by penalties that qualify it "
        "as a serious crime under the Convention.",
    ),
    (
        "bring frames, receivers, barrels, slides and bolts under the same controls as complete "
        "weapons;",
        "Bring essential components – frames, receivers, barrels, slides, bolts – under the same "
        "licensing and record-keeping rules as complete firearms.",
    ),
    (
        "Tighter controls on the sale of alarm and signal weapons that can be readily converted.",
        "regulate the sale of alarm, signal and blank-firing pistols that can be readily "
        "converted;",
    ),
    (
        "To tighten controls on the export of firearms and ammunition and to share tracing data "
        "among countries of origin, transit and destination.",
        "Tighten controls on exports of firearms and ammunition to the region, including better "
        "screening of buyers in the country of origin.",
    ),
    (
        "Sécuriser les dépôts de munitions des forces de défense et de sécurité, principale "
        "source d'approvisionnement des ateliers clandestins.",
        "sécuriser les stocks d'armes et de munitions de leurs forces de défense et de sécurité, "
        "et en dresser l'inventaire chaque année ;",
    ),
    (
        "National focal points able to answer tracing requests within 30 days.",
        "answer tracing requests promptly and report each year on how many were sent and answered;",
    ),
    (
        "Compensation paid from assets confiscated from traffickers and smuggling networks.",
        "Give survivors access to compensation paid out of the assets confiscated from their "
        "exploiters.",
    ),
    (
        "Apply the non-punishment principle to offences, online fraud included, that victims "
        "were compelled to commit inside the compounds.",
        "Non-punishment of trafficking victims, in law and in practice, for every offence they "
        "were compelled to commit, from immigration violations to online fraud.",
    ),
    (
        "ban recruitment fees and related costs charged to workers, and hold user companies "
        "jointly liable for abuses committed by the brokers they hire;",
        "Ban recruitment fees for fishers and hold licensed manning agencies liable for fees "
        "charged by their sub-brokers.",
    ),
    (
        "Several speakers argued that confiscated proceeds of environmental crime should go "
        "towards restoring damaged ecosystems and compensating the communities affected.",
        "part of the confiscated proceeds be used to restore damaged ecosystems and to "
        "compensate affected communities;",
    ),
    (
        "Treat illegal logging, unregulated fishing and wildlife trafficking as predicate "
        "offences for money laundering in every jurisdiction, not only in some.",
        "make the most serious wildlife and forestry offences predicate offences for money "
        "laundering;",
    ),
    (
        "a financial investigation be opened alongside every major seizure of ivory, pangolin "
        "scales or rosewood;",
        "open a financial investigation alongside every significant seizure of protected species "
        "or timber;",
    ),
    (
        "Protect and assist victims of trafficking whether or not they cooperate with the "
        "authorities.",
        "Proteger y asistir a las víctimas de trata, cooperen o no con las autoridades.",
    ),
    (
        "Des enquêtes financières parallèles pour remonter jusqu'aux organisateurs des réseaux "
        "et à leurs complices.",
        "des enquêtes financières systématiques visant les organisateurs des réseaux de passage "
        "et de traite.",
    ),
    (
        "Mark every firearm at manufacture and import with a unique marking.",
        "Marquer chaque arme à feu lors de la fabrication et de l'importation avec un marquage "
        "unique.",
    ),
]
# ...and different asks on the same theme, several sharing most of their words.
DIFFERENT_ASKS = [
    (
        "Make unlicensed brokering a criminal offence, punishable by penalties that qualify it "
        "as a serious crime under the Convention.",
        "The illicit manufacturing of and trafficking in parts and components should be "
        "criminalized everywhere, with penalties high enough for these offences to count as "
        "serious crimes.",
    ),
    (
        "To tighten controls on the export of firearms and ammunition and to share tracing data "
        "among countries of origin, transit and destination.",
        "Set up joint investigation teams between countries of origin, transit and destination, "
        "both for arms trafficking cases and for crimes against migrants.",
    ),
    (
        "Participants also stressed the need to connect firearms cases to the financial side of "
        "organized crime, including the identification of brokers and their assets.",
        "use joint investigation teams and mutual legal assistance in cross-border cases;",
    ),
    (
        "Protect and assist victims of trafficking whether or not they cooperate with the "
        "authorities.",
        "Prosecute traffickers and confiscate their assets.",
    ),
    (
        "Mark every firearm at manufacture and import with a unique marking.",
        "Keep records of every firearm for at least twenty years.",
    ),
    (
        "Train customs staff at postal and express-courier hubs to spot gun components in small "
        "parcels.",
        "Build secure armouries at remote ranger posts.",
    ),
    (
        "Strengthen the protection of victims of trafficking.",
        "Strengthen the prosecution of traffickers.",
    ),
    (
        "Ensure that all States establish national commissions on small arms.",
        "Ensure that all States destroy surplus and seized weapons.",
    ),
]


@pytest.fixture(scope="module")
def table_similarities():
    """Every text of both tables fitted together, as one theme's candidates would be."""
    texts = list(dict.fromkeys(t for pair in PARAPHRASES + DIFFERENT_ASKS for t in pair))
    matrix = similarity_matrix(texts)
    return lambda a, b: float(matrix[texts.index(a), texts.index(b)])


@pytest.mark.parametrize(("a", "b"), PARAPHRASES, ids=[a[:30] for a, _ in PARAPHRASES])
def test_paraphrases_of_one_ask_reach_the_threshold(table_similarities, a, b):
    assert table_similarities(a, b) >= MIN_SIMILARITY


@pytest.mark.parametrize(("a", "b"), DIFFERENT_ASKS, ids=[a[:30] for a, _ in DIFFERENT_ASKS])
def test_different_asks_on_one_theme_stay_below_the_threshold(table_similarities, a, b):
    assert table_similarities(a, b) < MIN_SIMILARITY


def test_same_ask_from_three_submissions_becomes_one_priority_with_support_three():
    texts = [
        "Mark every firearm at manufacture and import with a unique marking.",
        "Marquer chaque arme à feu lors de la fabrication et de l'importation avec un marquage "
        "unique.",
        "Every firearm should carry a unique marking applied at manufacture and at import.",
        "Build secure armouries at remote ranger posts.",
    ]
    ranked = rank_priorities(
        [item(t, doc=d) for t, d in zip(texts, "abcd", strict=True)], themes=["firearms"]
    )["firearms"]
    assert [(p.rank, p.support) for p in ranked] == [(1, 3), (2, 1)]
    assert {s.source_file for s in ranked[0].sources} == {"a.pdf", "b.pdf", "c.pdf"}
    assert ranked[1].text == texts[3]


def test_a_chain_of_near_neighbours_does_not_pull_a_different_ask_into_a_group():
    marking = "Mark every firearm at manufacture and import with a unique marking."
    both = (
        "Mark every firearm at manufacture with a unique marking and keep records of each "
        "marking for twenty years."
    )
    records = "Keep records of every firearm sale for at least twenty years."
    matrix = similarity_matrix([marking, both, records])
    assert matrix[1, 2] >= MIN_SIMILARITY > (matrix[0, 2] + matrix[1, 2]) / 2
    ranked = rank_priorities(
        [item(marking, doc="a", p_theme=0.95), item(both, doc="b"), item(records, doc="c")],
        themes=["firearms"],
    )["firearms"]
    assert [(p.support, p.text) for p in ranked] == [(2, marking), (1, records)]


def test_support_counts_submissions_and_sources_list_every_paragraph():
    text = "Mark every firearm at manufacture and import with a unique marking."
    ranked = rank_priorities(
        [
            item(text, doc="b", index=7, page=3),
            item(text, doc="a", index=2, page=None),
            item(text, doc="a", index=9, page=4),
        ],
        themes=["firearms"],
    )["firearms"]
    (priority,) = ranked
    assert priority.support == 2
    assert [(s.source_file, s.page, s.paragraph_id) for s in priority.sources] == [
        ("a.pdf", 4, "a" * 16 + "-0009"),
        ("a.pdf", None, "a" * 16 + "-0002"),
        ("b.pdf", 3, "b" * 16 + "-0007"),
    ]


@pytest.mark.parametrize(
    ("paragraph", "expected_themes"),
    [
        (
            item("Mark every firearm.", themes=("firearms", "convention")),
            {"firearms", "convention"},
        ),
        (item("Mark every firearm.", is_priority=False), set()),
        (item("Thanks to the donors.", themes=("none",)), set()),
        (item("Mark every firearm.", themes=("firearms",)), {"firearms"}),
    ],
    ids=["two-themes", "not-a-priority", "none", "one-theme"],
)
def test_a_priority_appears_under_each_of_its_themes_and_nowhere_else(paragraph, expected_themes):
    ranked = rank_priorities([paragraph], themes=[*THEMES, "none"])
    assert set(ranked) == set(THEMES)
    assert {theme for theme, priorities in ranked.items() if priorities} == expected_themes


def test_confidence_is_the_groups_best_theme_times_priority_probability():
    text = "Mark every firearm at manufacture and import with a unique marking."
    ranked = rank_priorities(
        [
            item(text, doc="a", p_theme=0.9, p_priority=0.6),
            item(text, doc="b", p_theme=0.7, p_priority=0.95),
        ],
        themes=["firearms"],
    )["firearms"]
    assert ranked[0].confidence == pytest.approx(0.7 * 0.95)


@pytest.mark.parametrize(
    ("specs", "expected_texts"),
    [
        (
            [("Build armouries.", "a", 0.9), ("Trace seized guns.", "b", 0.5)],
            ["Build armouries.", "Trace seized guns."],
        ),
        (
            [("Build armouries.", "a", 0.5), ("Trace seized guns.", "b", 0.9)],
            ["Trace seized guns.", "Build armouries."],
        ),
        (
            [("Zebra crossings for arms.", "a", 0.8), ("Alpha marking of arms.", "b", 0.8)],
            ["Alpha marking of arms.", "Zebra crossings for arms."],
        ),
        (
            [
                ("Build armouries.", "a", 0.99),
                ("Trace every seized gun.", "b", 0.5),
                ("Trace every seized gun.", "c", 0.5),
            ],
            ["Trace every seized gun.", "Build armouries."],
        ),
    ],
    ids=["confidence", "confidence-reversed", "text-on-tie", "support-before-confidence"],
)
def test_rank_is_by_support_then_confidence_then_text(specs, expected_texts):
    ranked = rank_priorities(
        [item(t, doc=d, p_theme=p, p_priority=1.0) for t, d, p in specs], themes=["firearms"]
    )["firearms"]
    assert [p.text for p in ranked] == expected_texts
    assert [p.rank for p in ranked] == list(range(1, len(expected_texts) + 1))


def test_representative_is_the_wording_closest_to_the_group_not_the_most_confident():
    common = "Mark every firearm at manufacture and import with a unique marking."
    outlier = "Mark every firearm at manufacture and import with a unique and durable marking."
    ranked = rank_priorities(
        [
            item(outlier, doc="a", p_theme=0.99),
            item(common, doc="b", p_theme=0.6),
            item(common, doc="c", p_theme=0.5),
        ],
        themes=["firearms"],
    )["firearms"]
    assert ranked[0].text == common
    assert ranked[0].confidence == pytest.approx(0.99 * 0.9)


def test_between_two_wordings_the_more_confident_one_represents_the_group():
    first = "Mark every firearm at manufacture and import with a unique marking."
    second = "Every firearm should carry a unique marking applied at manufacture and import."
    for p_first, expected in ((0.9, first), (0.6, second)):
        ranked = rank_priorities(
            [item(first, doc="a", p_theme=p_first), item(second, doc="b", p_theme=0.8)],
            themes=["firearms"],
        )["firearms"]
        assert (len(ranked), ranked[0].text) == (1, expected)


def test_the_same_paragraphs_in_any_order_give_the_same_priorities():
    paragraphs = [
        item(text, doc=doc, index=index)
        for pair, doc in zip(PARAPHRASES[:6], "abcdef", strict=True)
        for index, text in enumerate(pair)
    ]
    expected = rank_priorities(paragraphs, themes=["firearms"])
    for seed in range(3):
        shuffled = paragraphs[:]
        random.Random(seed).shuffle(shuffled)
        assert rank_priorities(shuffled, themes=["firearms"]) == expected


def test_stakeholder_types_come_from_the_submissions_list_by_file_name_or_parent_message():
    metadata = {
        "a.pdf": {"stakeholder_type": "ngo"},
        "mail.eml": {"stakeholder_type": "academia"},
    }
    text = "Mark every firearm at manufacture and import with a unique marking."
    ranked = rank_priorities(
        [
            item(text, doc="a", source_file="inbox/a.pdf"),
            item(text, doc="b", source_file="mail.eml/brief.docx"),
            item(text, doc="c", source_file="c.pdf"),
            item("Build secure armouries at remote ranger posts.", doc="d"),
        ],
        themes=["firearms"],
        metadata=metadata,
    )
    assert [p.stakeholder_types for p in ranked["firearms"]] == [
        ("academia", "ngo", "unknown"),
        ("unknown",),
    ]
    assert breakdown_by_stakeholder(ranked) == {"firearms": {"academia": 1, "ngo": 1, "unknown": 2}}


@pytest.mark.parametrize("metadata", [None, {}])
def test_without_a_submissions_list_no_stakeholder_types_are_claimed(metadata):
    ranked = rank_priorities([item("Mark every firearm.")], themes=["firearms"], metadata=metadata)
    assert ranked["firearms"][0].stakeholder_types == ()
    assert breakdown_by_stakeholder(ranked) == {"firearms": {"unknown": 1}}


@pytest.mark.parametrize(
    ("source_file", "expected"),
    [("a.pdf", "ngo"), ("sub/a.pdf", "ngo"), ("m.eml/x.pdf", "academia"), ("zzz.pdf", None)],
)
def test_metadata_is_found_by_path_name_or_enclosing_message(source_file, expected):
    metadata = {"a.pdf": {"stakeholder_type": "ngo"}, "m.eml": {"stakeholder_type": "academia"}}
    assert metadata_for(source_file, metadata).get("stakeholder_type") == expected


def test_priorities_csv_and_json_carry_sources_and_survive_a_round_trip(tmp_path: Path):
    text = "=Mark every firearm at manufacture and import with a unique marking."
    ranked = rank_priorities(
        [
            item(text, doc="a", page=3, lang="en"),
            item(text, doc="b", page=None),
            item(text, doc="a", index=2, page=3),
        ],
        themes=["firearms", "convention"],
        metadata={"a.pdf": {"stakeholder_type": "ngo"}},
    )
    rows = priority_rows(ranked)
    assert rows[0]["sources"] == "a.pdf p.3; b.pdf"
    write_csv(tmp_path / "priorities.csv", PRIORITY_COLUMNS, rows)
    (back,) = read_csv_rows(tmp_path / "priorities.csv")
    assert back == {
        "theme": "firearms",
        "rank": "1",
        "text": "'" + text,
        "confidence": "0.8100",
        "support": "2",
        "sources": "a.pdf p.3; b.pdf",
        "lang": "en",
        "stakeholder_types": "ngo;unknown",
    }
    write_json(tmp_path / "priorities.json", priorities_json(ranked))
    data = json.loads((tmp_path / "priorities.json").read_text(encoding="utf-8"))
    assert data["convention"] == []
    assert data["firearms"][0]["sources"] == [
        {"file": "a.pdf", "page": 3, "doc_id": "a" * 64, "paragraph_id": "a" * 16 + "-0001"},
        {"file": "a.pdf", "page": 3, "doc_id": "a" * 64, "paragraph_id": "a" * 16 + "-0002"},
        {"file": "b.pdf", "page": None, "doc_id": "b" * 64, "paragraph_id": "b" * 16 + "-0001"},
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("NGO", "ngo"),
        ("private sector", "private_sector"),
        (" Private-Sector ", "private_sector"),
        ("academia", "academia"),
        ("Trade Union", "trade_union"),
        ("", ""),
    ],
)
def test_stakeholder_types_are_normalised_but_kept(given, expected):
    assert normalise_stakeholder(given) == expected


HEADER = "file,organization,stakeholder_type,country,date"
ROW = "a.pdf,Red Andina,NGO,Perú,2026-02-23"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (f"{HEADER}\r\n{ROW}\r\n\r\n", "utf-8-sig"),
        (f"{HEADER}\n{ROW}\n", "utf-8"),
        (f"{HEADER.title().replace(',', ';')}\n{ROW.replace(',', ';')}\n", "utf-8"),
    ],
    ids=["bom-crlf", "plain", "semicolons"],
)
def test_submission_metadata_reads_as_excel_or_an_editor_saves_it(tmp_path, content, encoding):
    path = tmp_path / "submissions.csv"
    path.write_text(content, encoding=encoding, newline="")
    assert read_submission_metadata(path) == {
        "a.pdf": {
            "file": "a.pdf",
            "organization": "Red Andina",
            "stakeholder_type": "ngo",
            "country": "Perú",
            "date": "2026-02-23",
        }
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("file,organization,country,date\na.pdf,X,Peru,2026\n", "stakeholder_type"),
        ("", "file"),
        (
            "file,organization,stakeholder_type,country,date\na.pdf,X,ngo,,\na.pdf,Y,ngo,,\n",
            "line 3 lists a.pdf a second time",
        ),
    ],
    ids=["missing-column", "empty", "duplicate"],
)
def test_a_bad_submissions_list_names_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "submissions.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PipelineError, match=message) as caught:
        read_submission_metadata(path)
    assert "submissions.csv" in str(caught.value)


def test_the_sample_submissions_list_loads():
    metadata = read_submission_metadata(PROJECT_ROOT / "corpora" / "samples" / "submissions.csv")
    assert metadata["ngo_submission_environmental_crime.docx"]["stakeholder_type"] == "ngo"
    assert {entry["stakeholder_type"] for entry in metadata.values()} >= {
        "ngo",
        "academia",
        "private_sector",
    }


def test_grouping_does_not_depend_on_how_many_texts_are_compared_at_once():
    texts = [t for pair in PARAPHRASES + DIFFERENT_ASKS for t in pair]
    vectors = TextVectors.of(texts)
    rows = vectors.rows(texts)
    whole = group_rows(vectors.vectors, rows)
    assert len(whole) < len(set(texts))
    for block in (1, 3, 7):
        assert group_rows(vectors.vectors, rows, block=block) == whole


def test_a_text_repeated_across_submissions_is_vectorised_once():
    texts = ["Mark every firearm.", "Trace seized guns.", "Mark every firearm."]
    vectors = TextVectors.of(texts)
    assert vectors.vectors.shape[0] == 2
    assert list(vectors.rows(texts)) == [0, 1, 0]
    assert [len(g) for g in group_rows(vectors.vectors, vectors.rows(texts))] == [2, 1]
