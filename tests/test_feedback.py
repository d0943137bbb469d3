"""Reviewer corrections: a reviewed CSV or workbook -> labelled-corpus records on disk."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from pipeline.classify.corpus import load_corpus
from pipeline.export import prediction_columns, prediction_fields, write_csv
from pipeline.feedback import (
    FeedbackError,
    ReviewedRow,
    corrections_to_records,
    parse_flag,
    parse_labels,
    read_reviewed,
    write_reviewed,
)
from pipeline.records import Prediction
from pipeline.run import PARAGRAPH_COLUMNS_EXTRACT
from pipeline.taxonomy import load_taxonomy
from pipeline.workbook import REVIEW_SHEET, write_priorities_xlsx

LABELS = load_taxonomy().labels
DOC = "0123456789abcdef" * 4
COLUMNS = [
    *PARAGRAPH_COLUMNS_EXTRACT,
    *prediction_columns(LABELS),
    "reviewed_themes",
    "reviewed_priority",
]


def paragraph_row(index: int, text: str, *, themes=("firearms",), is_priority=True, **review):
    probabilities = {label: (0.8 if label in themes else 0.1) for label in LABELS}
    prediction = Prediction(
        probabilities, tuple(themes), themes[0], 0.8, 0.7, is_priority, True, ("firearms: arms",)
    )
    return {
        "doc_id": DOC,
        "source_file": "notas_taller.docx",
        "page": 2,
        "para_index": index,
        "kind": "list_item",
        "lead_in": "Las prioridades son:",
        "lang": "es",
        "text": text,
        **prediction_fields(prediction, LABELS),
        "reviewed_themes": "",
        "reviewed_priority": "",
        **review,
    }


ROWS = [
    paragraph_row(
        0, "Rastrear todas las armas incautadas.", reviewed_themes="Firearms; convention"
    ),
    paragraph_row(1, "Gracias a los donantes.", is_priority=False),
    paragraph_row(2, "=Proteger a las víctimas de trata", reviewed_priority="sí"),
    paragraph_row(3, "Agenda del día", reviewed_themes="none", reviewed_priority="FALSE"),
]
EXPECTED = [
    {
        "id": f"reviewed-{DOC[:12]}-0000",
        "text": "Rastrear todas las armas incautadas.",
        "labels": ["convention", "firearms"],
        "is_priority": True,
    },
    {
        "id": f"reviewed-{DOC[:12]}-0002",
        "text": "=Proteger a las víctimas de trata",
        "labels": ["firearms"],
        "is_priority": True,
    },
    {
        "id": f"reviewed-{DOC[:12]}-0003",
        "text": "Agenda del día",
        "labels": ["none"],
        "is_priority": False,
    },
]


def essentials(records: list[dict]) -> list[dict]:
    return [{key: r[key] for key in ("id", "text", "labels", "is_priority")} for r in records]


def write_excel_style_csv(path: Path, rows: list[dict], *, delimiter: str, encoding: str) -> None:
    """What Excel writes on 'Save as CSV' in a French or Spanish locale: no BOM, TRUE/FALSE."""
    lines = [delimiter.join(COLUMNS)]
    for row in rows:
        cells = []
        for column in COLUMNS:
            value = row.get(column)
            if isinstance(value, bool):
                text = "VRAI" if value else "FAUX"
            elif isinstance(value, float):
                text = f"{value:.4f}".replace(".", ",")
            else:
                text = "" if value is None else str(value)
            cells.append(f'"{text}"' if delimiter in text or "," in text else text)
        lines.append(delimiter.join(cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def test_a_reviewed_csv_written_by_the_pipeline_becomes_corpus_records(tmp_path):
    path = tmp_path / "paragraphs.csv"
    write_csv(path, COLUMNS, ROWS)
    rows = read_reviewed(path)
    assert [row.row for row in rows] == [2, 3, 4, 5]
    records = corrections_to_records(rows, labels=LABELS, reviewer_date="2026-03-14")
    assert essentials(records) == EXPECTED
    assert records[0] | {"labels": None} == {
        "id": f"reviewed-{DOC[:12]}-0000",
        "text": "Rastrear todas las armas incautadas.",
        "lang": "es",
        "labels": None,
        "is_priority": True,
        "source": f"reviewed-{DOC[:12]}",
        "kind": "list_item",
        "lead_in": "Las prioridades son:",
        "heading": "",
        "doc_type": "",
        "source_file": "notas_taller.docx",
        "page": 2,
        "reviewed_at": "2026-03-14",
    }


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "cp1252"), (";", "utf-8"), (",", "cp1252"), ("\t", "utf-8-sig")],
)
def test_a_csv_resaved_by_excel_reads_the_same(tmp_path, delimiter, encoding):
    path = tmp_path / "paragraphs.csv"
    rows = [dict(row, text=row["text"].lstrip("=")) for row in ROWS]
    write_excel_style_csv(path, rows, delimiter=delimiter, encoding=encoding)
    records = corrections_to_records(read_reviewed(path), labels=LABELS, reviewer_date="2026-03-14")
    expected = [dict(r, text=r["text"].lstrip("=")) for r in EXPECTED]
    assert essentials(records) == expected


def test_the_review_sheet_of_the_workbook_is_read_after_a_reviewer_edits_it(tmp_path):
    path = tmp_path / "priorities.xlsx"
    clean = [dict(row, reviewed_themes="", reviewed_priority="") for row in ROWS]
    write_priorities_xlsx(path, {"firearms": []}, clean, COLUMNS[:-2])
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[REVIEW_SHEET]
    header = [cell.value for cell in sheet[1]]
    themes, flag = header.index("reviewed_themes") + 1, header.index("reviewed_priority") + 1
    sheet.cell(2, themes).value = "firearms, CONVENTION"
    sheet.cell(4, flag).value = True
    sheet.cell(5, themes).value = "'none"
    sheet.cell(5, flag).value = "no"
    workbook.save(path)
    records = corrections_to_records(read_reviewed(path), labels=LABELS, reviewer_date="2026-03-14")
    assert essentials(records) == EXPECTED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("firearms", ("firearms",)),
        ("Firearms; Convention", ("convention", "firearms")),
        (
            " trafficking in persons , smuggling-of-migrants ",
            ("trafficking_in_persons", "smuggling_of_migrants"),
        ),
        ("'none", ("none",)),
        ("NONE;", ("none",)),
        ("firearms;firearms", ("firearms",)),
    ],
)
def test_reviewed_themes_are_read_leniently(value, expected):
    assert parse_labels(value, LABELS) == (expected, [])


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("guns", "unknown label(s) guns"),
        ("none; firearms", "'none' cannot go with another label"),
        ("firearms; drugs; cyber", "unknown label(s) drugs, cyber"),
    ],
)
def test_unknown_or_contradictory_themes_are_problems(value, problem):
    assert problem in parse_labels(value, LABELS)[1][0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *(
            (word, True)
            for word in ("true", "TRUE", "yes", "1", "sí", "Si", "oui", "VRAI", "'true")
        ),
        *((word, False) for word in ("false", "No", "0", "non", "FAUX", "falso")),
        ("", None),
        ("maybe", None),
    ],
)
def test_reviewed_priority_accepts_the_words_reviewers_type(value, expected):
    assert parse_flag(value) is expected


def test_every_problem_is_reported_by_row_and_nothing_is_returned(tmp_path):
    path = tmp_path / "paragraphs.csv"
    rows = [
        paragraph_row(0, "Rastrear armas.", reviewed_themes="guns"),
        paragraph_row(1, "Bien.", reviewed_themes="firearms"),
        paragraph_row(2, "Proteger.", reviewed_themes="none;firearms", reviewed_priority="maybe"),
        paragraph_row(3, "Rastrear armas.", reviewed_themes="firearms", para_index="x"),
        paragraph_row(1, "Bien otra vez.", reviewed_themes="convention"),
    ]
    write_csv(path, COLUMNS, rows)
    with pytest.raises(FeedbackError) as caught:
        corrections_to_records(read_reviewed(path), labels=LABELS, reviewer_date="2026-03-14")
    message = str(caught.value)
    assert message.startswith("paragraphs.csv: 5 problem(s)")
    for expected in (
        "row 2: unknown label(s) guns",
        "row 4: 'none' cannot go with another label",
        "row 4: reviewed_priority 'maybe' is not true/false",
        "row 5: para_index 'x' is not a whole number",
        "row 6: same paragraph as row 3",
    ):
        assert expected in message


def test_a_row_without_model_themes_needs_reviewed_themes():
    row = ReviewedRow(
        "p.csv", 2, DOC, "a.pdf", "", "4", "paragraph", "", "", "en", "Text.", "", "", "", "yes"
    )
    with pytest.raises(FeedbackError, match="row 2: no themes"):
        corrections_to_records([row], labels=LABELS, reviewer_date="2026-03-14")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("doc_id,text,reviewed_themes\r\n", "missing column(s) para_index"),
        ("doc_id,para_index,text,themes\r\n", "reviewed_themes, reviewed_priority"),
        ("", "the file is empty"),
    ],
)
def test_a_file_that_is_not_a_reviewed_paragraphs_csv_is_refused(tmp_path, content, message):
    path = tmp_path / "notes.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FeedbackError, match=re.escape(message)):
        read_reviewed(path)


def test_a_bad_review_date_is_refused():
    with pytest.raises(FeedbackError, match="YYYY-MM-DD"):
        corrections_to_records([], labels=LABELS, reviewer_date="14/03/2026")


def record(index: int, labels: list[str], day: str) -> dict:
    return {
        "id": f"reviewed-{DOC[:12]}-{index:04d}",
        "text": f"Paragraph {index}",
        "lang": "en",
        "labels": labels,
        "is_priority": True,
        "source": f"reviewed-{DOC[:12]}",
        "kind": "paragraph",
        "lead_in": "",
        "heading": "",
        "doc_type": "",
        "source_file": "a.pdf",
        "page": None,
        "reviewed_at": day,
    }


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_corrections_are_saved_by_day_sorted_and_a_later_one_replaces_the_earlier(tmp_path):
    folder = tmp_path / "corpora" / "reviewed"
    first = write_reviewed(
        [record(2, ["firearms"], "2026-03-01"), record(1, ["none"], "2026-03-01")], folder
    )
    assert first.name == "reviewed-2026-03-01.jsonl"
    assert [r["id"][-4:] for r in read_lines(first)] == ["0001", "0002"]
    second = write_reviewed([record(2, ["convention"], "2026-03-14")], folder)
    assert second.name == "reviewed-2026-03-14.jsonl"
    assert [(r["id"][-4:], r["labels"]) for r in read_lines(first)] == [("0001", ["none"])]
    assert [(r["id"][-4:], r["labels"]) for r in read_lines(second)] == [("0002", ["convention"])]
    corpus = load_corpus([folder], labels=LABELS)
    assert sorted((r.id[-4:], r.labels) for r in corpus) == [
        ("0001", ("none",)),
        ("0002", ("convention",)),
    ]


def test_an_older_correction_does_not_override_a_newer_one(tmp_path):
    write_reviewed([record(1, ["convention"], "2026-03-14")], tmp_path)
    write_reviewed(
        [record(1, ["firearms"], "2026-03-01"), record(2, ["none"], "2026-03-01")], tmp_path
    )
    labels = {r.id[-4:]: r.labels for r in load_corpus([tmp_path], labels=LABELS)}
    assert labels == {"0001": ("convention",), "0002": ("none",)}


def test_a_file_emptied_by_newer_corrections_is_removed(tmp_path):
    old = write_reviewed([record(1, ["convention"], "2026-03-01")], tmp_path)
    write_reviewed([record(1, ["firearms"], "2026-03-14")], tmp_path)
    assert not old.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reviewed-2026-03-14.jsonl"]


def test_records_from_a_reviewed_csv_load_as_a_corpus_next_to_the_labelled_one(tmp_path):
    path = tmp_path / "paragraphs.csv"
    write_csv(path, COLUMNS, ROWS)
    records = corrections_to_records(read_reviewed(path), labels=LABELS, reviewer_date="2026-03-14")
    saved = write_reviewed(records, tmp_path / "reviewed")
    corpus = load_corpus([saved], labels=LABELS)
    assert [(r.id, r.labels, r.is_priority, r.kind) for r in corpus] == [
        (f"reviewed-{DOC[:12]}-0000", ("convention", "firearms"), True, "list_item"),
        (f"reviewed-{DOC[:12]}-0002", ("firearms",), True, "list_item"),
        (f"reviewed-{DOC[:12]}-0003", ("none",), False, "list_item"),
    ]
    assert corpus[1].text == "=Proteger a las víctimas de trata"
    assert corpus[0].lead_in == "Las prioridades son:"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.write_bytes(b"PK\x03\x04 not really a zip"), "not a readable .xlsx"),
        (lambda path: openpyxl.Workbook().save(path), "no 'review' sheet"),
    ],
    ids=["corrupt", "no-review-sheet"],
)
def test_a_workbook_without_a_readable_review_sheet_is_refused(tmp_path, make, message):
    path = tmp_path / "priorities.xlsx"
    make(path)
    with pytest.raises(FeedbackError, match=message):
        read_reviewed(path)
