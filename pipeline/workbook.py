"""Export: ranked `Priority` lists and paragraph rows -> priorities.xlsx, the reviewers' workbook.

One sheet per theme and a `review` sheet. openpyxl stores any string that starts with "=" as a
live formula and any "#N/A"-like string as an error value, so every text cell is neutralised as
in the CSV files and then pinned to the string type. The file is written atomically and is the
same, byte for byte, for the same input: document properties and zip entry times are fixed.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pipeline.export import atomic_path, neutralise_cell
from pipeline.prioritize import PRIORITY_COLUMNS, priority_rows
from pipeline.records import Priority

REVIEW_SHEET = "review"
REVIEW_COLUMNS = ("reviewed_themes", "reviewed_priority")
FIXED_TIME = datetime(2000, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_CELL_CHARS = 32_767
MAX_SHEET_NAME = 31
WIDE_COLUMNS = {"text": 80, "lead_in": 40, "sources": 40, "evidence": 40}
MAX_WIDTH = 30
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


def write_row(sheet: Worksheet, row_number: int, values: Sequence[object]) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row_number, column=column, value=cell_value(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        elif isinstance(cell.value, float):
            cell.number_format = "0.0000"


def fill_sheet(
    sheet: Worksheet, columns: Sequence[str], rows: Sequence[Mapping[str, object]]
) -> None:
    """Bold frozen header, an autofilter, widths by column, wrapped long text."""
    write_row(sheet, 1, columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        write_row(sheet, number, [row.get(column) for column in columns])
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last}{max(len(rows), 1) + 1}"
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDE_COLUMNS.get(
            column, min(MAX_WIDTH, max(len(column), 8) + 2)
        )
        if column in WIDE_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = wrap


def add_review_hints(sheet: Worksheet, columns: Sequence[str], rows: int, labels) -> None:
    """A true/false dropdown for reviewed_priority and a prompt listing the labels."""
    last_row = max(rows, 1) + 1
    themes = get_column_letter(columns.index("reviewed_themes") + 1)
    priority = get_column_letter(columns.index("reviewed_priority") + 1)
    choice = DataValidation(type="list", formula1='"true,false"', allow_blank=True)
    choice.add(f"{priority}2:{priority}{last_row}")
    sheet.add_data_validation(choice)
    if labels:
        prompt = DataValidation(allow_blank=True, showInputMessage=True)
        prompt.promptTitle = "Themes"
        prompt.prompt = ("Labels separated by ';': " + ", ".join(labels))[:255]
        prompt.add(f"{themes}2:{themes}{last_row}")
        sheet.add_data_validation(prompt)


def build_workbook(
    priorities_by_theme: Mapping[str, Sequence[Priority]],
    review_rows: Sequence[Mapping[str, object]],
    review_columns: Sequence[str],
    *,
    labels: Sequence[str] = (),
    timestamp: datetime = FIXED_TIME,
) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: list[str] = [REVIEW_SHEET]
    for theme, ranked in priorities_by_theme.items():
        title = sheet_title(theme, taken)
        taken.append(title)
        fill_sheet(workbook.create_sheet(title), PRIORITY_COLUMNS, priority_rows({theme: ranked}))
    columns = [*review_columns, *(c for c in REVIEW_COLUMNS if c not in review_columns)]
    review = workbook.create_sheet(REVIEW_SHEET)
    fill_sheet(review, columns, review_rows)
    add_review_hints(review, columns, len(review_rows), labels)
    workbook.properties.creator = "untoc-pipeline"
    workbook.properties.created = timestamp
    workbook.properties.modified = timestamp
    return workbook


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one timestamp, so equal content gives equal bytes."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_TIME)
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """openpyxl streams each worksheet to a temporary file and adds that file here."""
        data = Path(filename).read_bytes()
        self.writestr(arcname or Path(filename).name, data, compress_type, compresslevel)


def save_workbook(workbook: Workbook, path: Path) -> None:
    """Save atomically. openpyxl's own `save` stamps the current time into the file; its
    writer is driven directly instead, with the properties already set."""
    with (
        atomic_path(path) as temporary,
        _FixedTimeZip(temporary, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
    ):
        ExcelWriter(workbook, archive).write_data()


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
    save_workbook(
        build_workbook(
            priorities_by_theme, review_rows, review_columns, labels=labels, timestamp=timestamp
        ),
        path,
    )
