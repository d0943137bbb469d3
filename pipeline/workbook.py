"""Export: ranked `Priority` lists and paragraph rows -> priorities.xlsx, the reviewers' workbook.

One sheet per theme and a `review` sheet. Every text cell is neutralised as in the CSV files and
written as a string, never as a formula, number or link. XlsxWriter streams each row to disk
as it is written (a night's review sheet can hold a hundred thousand rows) and is several times
faster than building openpyxl cells; openpyxl reads the workbook back when reviewers return
it. The file is written atomically and is the same, byte for byte, for the same input:
document times are fixed and XlsxWriter stamps every zip entry with one date.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pipeline.export import atomic_path, neutralise_cell
from pipeline.prioritize import PRIORITY_COLUMNS, priority_rows
from pipeline.records import Priority

REVIEW_SHEET = "review"
REVIEW_COLUMNS = ("reviewed_themes", "reviewed_priority")
FIXED_TIME = datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 31, 0, 0, 0)
MAX_CELL_CHARS = 32_767
MAX_SHEET_NAME = 31
WIDE_COLUMNS = {"text": 80, "lead_in": 40, "sources": 40, "evidence": 40}
MAX_WIDTH = 30
NUMBER_FORMAT = "0.0000"
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: Sequence[str] = ()) -> str:
    """A valid, unused sheet name: no []:*?/\\, at most 31 characters, unique ignoring case."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'").strip() or "sheet"
    base = base[:MAX_SHEET_NAME]
    used = {title.casefold() for title in taken}
    title, number = base, 1
    while title.casefold() in used:
        number += 1
        suffix = f"_{number}"
        title = base[: MAX_SHEET_NAME - len(suffix)] + suffix
    return title


def cell_value(value: object) -> object:
    """Numbers stay numbers (so Excel sorts and filters them); everything else becomes neutralised
    text without the control characters XML cannot hold, cut to Excel's cell limit."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", neutralise_cell(value))
    return text[:MAX_CELL_CHARS] or None


class _Formats:
    """The few cell formats the workbook uses, created once per workbook."""

    def __init__(self, workbook) -> None:
        self.header = workbook.add_format({"bold": True})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.number = workbook.add_format({"num_format": NUMBER_FORMAT})
        self.wrapped_number = workbook.add_format(
            {"num_format": NUMBER_FORMAT, "text_wrap": True, "valign": "top"}
        )


def write_row(sheet, row: int, values: Sequence[object], formats: _Formats, wide: Sequence[bool]):
    for column, raw in enumerate(values):
        value = cell_value(raw)
        if value is None:
            continue
        if isinstance(value, str):
            sheet.write_string(row, column, value, formats.wrap if wide[column] else None)
        elif isinstance(value, float):
            sheet.write_number(
                row, column, value, formats.wrapped_number if wide[column] else formats.number
            )
        else:
            sheet.write_number(row, column, value, formats.wrap if wide[column] else None)


def fill_sheet(
    sheet, columns: Sequence[str], rows: Sequence[Mapping[str, object]], formats: _Formats
) -> None:
    """Bold frozen header, an autofilter, widths by column, wrapped long text."""
    for index, column in enumerate(columns):
        sheet.set_column(
            index, index, WIDE_COLUMNS.get(column, min(MAX_WIDTH, max(len(column), 8) + 2))
        )
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column, formats.header)
    wide = [column in WIDE_COLUMNS for column in columns]
    for number, row in enumerate(rows, start=1):
        write_row(sheet, number, [row.get(column) for column in columns], formats, wide)


def add_review_hints(sheet, columns: Sequence[str], rows: int, labels) -> None:
    """A true/false dropdown for reviewed_priority and a prompt listing the labels."""
    last_row = max(rows, 1)
    themes = columns.index("reviewed_themes")
    priority = columns.index("reviewed_priority")
    sheet.data_validation(
        1, priority, last_row, priority, {"validate": "list", "source": ["true", "false"]}
    )
    if labels:
        sheet.data_validation(
            1,
            themes,
            last_row,
            themes,
            {
                "validate": "any",
                "input_title": "Themes",
                "input_message": ("Labels separated by ';': " + ", ".join(labels))[:255],
            },
        )


def write_priorities_xlsx(
    path: Path,
    priorities_by_theme: Mapping[str, Sequence[Priority]],
    review_rows: Sequence[Mapping[str, object]],
    review_columns: Sequence[str],
    *,
    labels: Sequence[str] = (),
    timestamp: datetime = FIXED_TIME,
) -> None:
    """priorities.xlsx: a sheet per theme (as priorities.csv) and a `review` sheet of the
    paragraph rows in the order given (the caller puts the rows needing review first), with
    empty reviewed_themes and reviewed_priority columns for the reviewers."""
    import xlsxwriter

    columns = [*review_columns, *(c for c in REVIEW_COLUMNS if c not in review_columns)]
    with atomic_path(path) as temporary:
        workbook = xlsxwriter.Workbook(
            str(temporary),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
                "tmpdir": str(temporary.parent),
            },
        )
        workbook.set_properties({"author": "untoc-pipeline", "created": timestamp})
        formats = _Formats(workbook)
        taken: list[str] = [REVIEW_SHEET]
        for theme, ranked in priorities_by_theme.items():
            title = sheet_title(theme, taken)
            taken.append(title)
            fill_sheet(
                workbook.add_worksheet(title),
                PRIORITY_COLUMNS,
                priority_rows({theme: ranked}),
                formats,
            )
        review = workbook.add_worksheet(REVIEW_SHEET)
        add_review_hints(review, columns, len(review_rows), labels)
        fill_sheet(review, columns, review_rows, formats)
        workbook.close()
