"""priorities.xlsx: read back with openpyxl, as a reviewer's Excel would see it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.export import neutralise_cell
from pipeline.prioritize import PRIORITY_COLUMNS
from pipeline.records import Priority, PrioritySource
from pipeline.workbook import REVIEW_SHEET, ZIP_TIME, sheet_title, write_priorities_xlsx

DANGEROUS = [
    "=1+1",
    '=HYPERLINK("http://example.com","click")',
    "+33 1 23 45 67",
    "-list item that starts with a dash",
    "@SUM(A1:A2)",
    "\tindented",
    "＝1+1",
    "#N/A",
    "#DIV/0!",
]
ACCENTED = "Protección de las víctimas; traite des êtres humains; Überwachung"
REVIEW_COLUMNS = ["doc_id", "source_file", "page", "para_index", "text", "p_firearms", "themes"]


def priority(text: str, rank: int = 1, theme: str = "firearms") -> Priority:
    source = PrioritySource("a.pdf", 3, "a" * 64, "a" * 16 + "-0001")
    return Priority(theme, rank, text, 0.8123, 2, (source,), "es", ("ngo",))


def review_row(number: int, text: str) -> dict[str, object]:
    return {
        "doc_id": "d" * 64,
        "source_file": "=cmd.pdf",
        "page": 2,
        "para_index": number,
        "text": text,
        "p_firearms": 0.4567,
        "themes": "firearms",
    }


@pytest.fixture
def workbook_path(tmp_path: Path) -> Path:
    path = tmp_path / "priorities.xlsx"
    write_priorities_xlsx(
        path,
        {
            "firearms": [priority(text, rank) for rank, text in enumerate(DANGEROUS, start=1)],
            "environmental_crime": [priority(ACCENTED, theme="environmental_crime")],
            "convention": [],
        },
        [review_row(n, text) for n, text in enumerate([*DANGEROUS, ACCENTED][::-1])],
        REVIEW_COLUMNS,
        labels=["convention", "firearms", "none"],
    )
    return path


def all_cells(path: Path):
    workbook = openpyxl.load_workbook(path)
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def test_no_cell_is_a_formula_or_an_error_value(workbook_path):
    kinds = {cell.data_type for cell in all_cells(workbook_path) if cell.value is not None}
    assert kinds <= {"s", "n"}


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_is_kept_neutralised_in_both_sheets(workbook_path, text):
    workbook = openpyxl.load_workbook(workbook_path)
    theme_texts = [row[2] for row in workbook["firearms"].iter_rows(min_row=2, values_only=True)]
    review_texts = [row[4] for row in workbook[REVIEW_SHEET].iter_rows(min_row=2, values_only=True)]
    assert neutralise_cell(text) in theme_texts
    assert neutralise_cell(text) in review_texts


def test_accents_survive(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    assert workbook["environmental_crime"]["C2"].value == ACCENTED
    assert workbook[REVIEW_SHEET]["E2"].value == ACCENTED


def test_one_sheet_per_theme_then_the_review_sheet(workbook_path):
    workbook = openpyxl.load_workbook(workbook_path)
    assert workbook.sheetnames == ["firearms", "environmental_crime", "convention", REVIEW_SHEET]
    sheet = workbook["convention"]
    assert [cell.value for cell in sheet[1]] == list(PRIORITY_COLUMNS)
    assert sheet.max_row == 1


def test_theme_sheets_are_laid_out_for_reading(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)["firearms"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:H{len(DANGEROUS) + 1}"
    assert sheet["C2"].alignment.wrap_text
    assert 80 <= sheet.column_dimensions["C"].width < 81  # Excel shows 80; the file adds padding
    assert [sheet["B2"].value, sheet["D2"].value, sheet["E2"].value] == [1, 0.8123, 2]
    assert sheet["F2"].value == "a.pdf p.3"


def test_review_rows_keep_the_callers_order_with_empty_review_columns(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)[REVIEW_SHEET]
    header = [cell.value for cell in sheet[1]]
    assert header == [*REVIEW_COLUMNS, "reviewed_themes", "reviewed_priority"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[3] for row in rows] == list(range(len(DANGEROUS) + 1))
    assert {(row[-2], row[-1]) for row in rows} == {(None, None)}
    assert rows[0][1] == "'=cmd.pdf"
    assert rows[0][5] == 0.4567


def test_review_sheet_offers_true_false_for_reviewed_priority(workbook_path):
    sheet = openpyxl.load_workbook(workbook_path)[REVIEW_SHEET]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    last = len(DANGEROUS) + 2
    assert validations[f"I2:I{last}"].formula1 == '"true,false"'
    assert "convention, firearms, none" in validations[f"H2:H{last}"].prompt


def test_the_same_input_gives_the_same_bytes(tmp_path):
    paths = [tmp_path / "one.xlsx", tmp_path / "two.xlsx"]
    for path in paths:
        write_priorities_xlsx(path, {"firearms": [priority("=1+1")]}, [], REVIEW_COLUMNS)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    with zipfile.ZipFile(paths[0]) as archive:
        assert {info.date_time for info in archive.infolist()} == {ZIP_TIME}
    assert openpyxl.load_workbook(paths[0]).properties.modified.year == 2000


def test_writing_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "priorities.xlsx"
    path.write_bytes(b"old")
    write_priorities_xlsx(path, {"firearms": [priority("Trace guns.")]}, [], REVIEW_COLUMNS)
    assert [p.name for p in tmp_path.iterdir()] == ["priorities.xlsx"]
    assert openpyxl.load_workbook(path)["firearms"]["C2"].value == "Trace guns."


def test_characters_xml_cannot_hold_are_dropped_not_fatal(tmp_path):
    path = tmp_path / "priorities.xlsx"
    write_priorities_xlsx(
        path, {"firearms": [priority("bell\x07 and\x00 null")]}, [], REVIEW_COLUMNS
    )
    assert openpyxl.load_workbook(path)["firearms"]["C2"].value == "bell and null"


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("firearms", [], "firearms"),
        ("trafficking_in_persons", [], "trafficking_in_persons"),
        ("a/b\\c[d]e:f*g?h", [], "a_b_c_d_e_f_g_h"),
        ("x" * 40, [], "x" * 31),
        ("review", ["review"], "review_2"),
        ("Review", ["review", "review_2"], "Review_3"),
        ("y" * 40, ["y" * 31], "y" * 29 + "_2"),
        ("'quoted'", [], "quoted"),
        ("", [], "sheet"),
    ],
)
def test_sheet_names_are_valid_and_unique(name, taken, expected):
    assert sheet_title(name, taken) == expected
