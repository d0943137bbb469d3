"""CSV output: BOM, formula neutralising, atomic writes; property-based on the writer."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.export import csv_bytes, neutralise_cell, write_csv, write_text_atomic


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555", "'+1 555"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Trata de personas — «víctimas»", "Trata de personas — «víctimas»"),
        (True, "true"),
        (0.123456, "0.1235"),
        (None, ""),
        (["firearms", "convention"], "firearms;convention"),
    ],
)
def test_cells_are_neutralised_and_formatted(value, expected):
    assert neutralise_cell(value) == expected


def test_csv_has_bom_and_round_trips_accents(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["id", "text"], [{"id": 1, "text": "Armes à feu, munições, señal"}])
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [{"id": "1", "text": "Armes à feu, munições, señal"}]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.csv"
    write_text_atomic(path, "old")

    def rows():
        yield {"a": "1"}
        raise RuntimeError("killed mid-way")

    with pytest.raises(RuntimeError):
        write_csv(path, ["a"], rows())
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_any_text_survives_the_csv_writer(texts):
    data = csv_bytes(["text"], [{"text": t} for t in texts]).decode("utf-8-sig")
    rows = [r["text"] for r in csv.DictReader(io.StringIO(data, newline=""))]
    expected = [neutralise_cell(t) for t in texts]
    assert [r.replace("\r\n", "\n").replace("\r", "\n") for r in rows] == [
        e.replace("\r\n", "\n").replace("\r", "\n") for e in expected
    ]
    assert not any(r.startswith(("=", "+", "-", "@")) for r in rows)


def test_the_streamed_file_holds_exactly_the_bytes_of_the_in_memory_table(tmp_path):
    rows = [{"text": "=1+1", "n": 3}, {"text": "Protección\r\nde víctimas", "n": None}]
    write_csv(tmp_path / "out.csv", ["text", "n"], iter(rows))
    assert (tmp_path / "out.csv").read_bytes() == csv_bytes(["text", "n"], rows)
