"""What changed between two output folders: files, labels (and why), top priorities.

Each folder is written with the project's own CSV writer and real column lists, so a change in
the output format shows here too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.changes import (
    CHANGED_TEXT,
    NEW_MODEL,
    REVIEWER_CORRECTION,
    RunChanges,
    changes_markdown,
    changes_summary,
    diff_runs,
    load_reviewed_ids,
    previous_model_of,
    shorten,
)
from pipeline.export import write_csv
from pipeline.feedback import jsonl_text, record_id
from pipeline.prioritize import PRIORITY_COLUMNS
from pipeline.run import paragraph_columns

LABELS = (
    "convention",
    "trafficking_in_persons",
    "smuggling_of_migrants",
    "firearms",
    "environmental_crime",
    "none",
)
DOC_A = "a" * 64
DOC_A2 = "a2" * 32
DOC_B = "b" * 64


def paragraph(doc_id, source_file, index, text, themes="convention", priority=False) -> dict:
    return {
        "doc_id": doc_id,
        "source_file": source_file,
        "para_index": index,
        "kind": "paragraph",
        "text": text,
        "themes": themes,
        "top_theme": themes.split(";")[0],
        "is_priority": priority,
    }


def priority(theme, rank, text) -> dict:
    return {"theme": theme, "rank": rank, "text": text, "confidence": 0.9, "support": 1}


def write_folder(folder: Path, paragraphs, priorities=()) -> Path:
    folder.mkdir(parents=True)
    write_csv(folder / "paragraphs.csv", paragraph_columns(LABELS), paragraphs)
    write_csv(folder / "priorities.csv", PRIORITY_COLUMNS, priorities)
    return folder


def diff(tmp_path, before, after, *, before_priorities=(), after_priorities=(), **options):
    options = {"previous_model": "m1", "current_model": "m1", **options}
    return diff_runs(
        write_folder(tmp_path / "previous", before, before_priorities),
        write_folder(tmp_path / "current", after, after_priorities),
        **options,
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param([(DOC_A, "a.md")], [(DOC_A, "a.md")], ((), (), ()), id="same bytes: nothing"),
        pytest.param(
            [(DOC_A, "a.md")],
            [(DOC_A, "a.md"), (DOC_B, "b.md")],
            (("b.md",), (), ()),
            id="a new file",
        ),
        pytest.param(
            [(DOC_A, "a.md")], [(DOC_A2, "a.md")], ((), ("a.md",), ()), id="same name, new bytes"
        ),
        pytest.param(
            [(DOC_A, "a.md"), (DOC_B, "b.md")],
            [(DOC_A, "a.md")],
            ((), (), ("b.md",)),
            id="a file gone",
        ),
    ],
)
def test_files_are_new_changed_or_removed_by_name_and_document_id(
    tmp_path, before, after, expected
):
    changes = diff(
        tmp_path,
        [paragraph(d, name, 0, "Text.") for d, name in before],
        [paragraph(d, name, 0, "Text.") for d, name in after],
    )
    assert (changes.new_files, changes.changed_files, changes.removed_files) == expected


REVIEWED = frozenset({record_id(DOC_A, 1)})


@pytest.mark.parametrize(
    ("before", "after", "models", "expected"),
    [
        pytest.param(
            [paragraph(DOC_A, "a.md", 0, "Seize proceeds.")],
            [paragraph(DOC_A, "a.md", 0, "Seize proceeds.")],
            ("m1", "m2"),
            [],
            id="same labels: no change",
        ),
        pytest.param(
            [paragraph(DOC_A, "a.md", 0, "Seize proceeds.", "none")],
            [paragraph(DOC_A, "a.md", 0, "Seize proceeds.", "convention;firearms")],
            ("m1", "m2"),
            [(0, "none", "convention, firearms", NEW_MODEL)],
            id="new model",
        ),
        pytest.param(
            [paragraph(DOC_A, "a.md", 1, "Protect victims.", "convention")],
            [paragraph(DOC_A, "a.md", 1, "Protect victims.", "trafficking_in_persons")],
            ("m1", "m2"),
            [(1, "convention", "trafficking_in_persons", REVIEWER_CORRECTION)],
            id="a reviewed paragraph",
        ),
        pytest.param(
            [paragraph(DOC_A, "a.md", 0, "Mark firearms.", "firearms")],
            [paragraph(DOC_A, "a.md", 0, "Mark firearms.", "firearms", priority=True)],
            ("m1", "m1"),
            [(0, "firearms", "firearms (priority)", NEW_MODEL)],
            id="priority flag: model retrained under the same name",
        ),
        pytest.param(
            [paragraph(DOC_A, "a.md", 0, "Old words.", "none")],
            [paragraph(DOC_A2, "a.md", 0, "We call for marking of firearms.", "firearms")],
            ("m1", "m1"),
            [(0, "none", "firearms", CHANGED_TEXT)],
            id="a rewritten paragraph of a changed file",
        ),
        pytest.param(
            [
                paragraph(DOC_A, "a.md", 0, "Intro.", "none"),
                paragraph(DOC_A, "a.md", 1, "Seize proceeds.", "convention"),
            ],
            [
                paragraph(DOC_A2, "a.md", 0, "Intro.", "none"),
                paragraph(DOC_A2, "a.md", 1, "A new paragraph.", "firearms"),
                paragraph(DOC_A2, "a.md", 2, "Seize proceeds.", "convention"),
            ],
            ("m1", "m1"),
            [],
            id="an inserted paragraph shifts indices but changes no labels",
        ),
        pytest.param(
            [paragraph(DOC_A, "a.md", 0, "Seize proceeds.", "none")],
            [
                paragraph(DOC_A2, "a.md", 0, "Header.", "none"),
                paragraph(DOC_A2, "a.md", 1, "Seize proceeds.", "convention"),
            ],
            ("m1", "m2"),
            [(1, "none", "convention", NEW_MODEL)],
            id="a moved paragraph keeps its pairing by text",
        ),
    ],
)
def test_label_changes_say_why(tmp_path, before, after, models, expected):
    changes = diff(
        tmp_path,
        before,
        after,
        previous_model=models[0],
        current_model=models[1],
        reviewed_ids=REVIEWED,
    )
    found = [(c["para_index"], c["before"], c["after"], c["reason"]) for c in changes.label_changes]
    assert found == expected


@pytest.mark.parametrize(
    ("before", "after", "entered", "left"),
    [
        pytest.param(
            [priority("firearms", 1, "Mark every firearm.")],
            [priority("firearms", 1, "mark every FIREARM")],
            {},
            {},
            id="case and punctuation do not make another ask",
        ),
        pytest.param(
            [priority("firearms", 1, "Mark firearms."), priority("firearms", 2, "Trace guns.")],
            [priority("firearms", 1, "Trace guns."), priority("firearms", 2, "Mark firearms.")],
            {},
            {},
            id="a reorder within the top is not a change",
        ),
        pytest.param(
            [priority("firearms", 1, "Mark firearms."), priority("firearms", 2, "Trace guns.")],
            [
                priority("firearms", 1, "Secure stockpiles."),
                priority("firearms", 2, "Mark firearms."),
                priority("firearms", 3, "Trace guns."),
            ],
            {"firearms": [{"rank": 1, "text": "Secure stockpiles."}]},
            {"firearms": [{"rank": 2, "text": "Trace guns."}]},
            id="a new ask pushes one out of the top two",
        ),
        pytest.param(
            [priority("environmental_crime", 1, "Protect forests.")],
            [priority("convention", 1, "Protect forests.")],
            {"convention": [{"rank": 1, "text": "Protect forests."}]},
            {"environmental_crime": [{"rank": 1, "text": "Protect forests."}]},
            id="per theme",
        ),
    ],
)
def test_priorities_entering_or_leaving_the_top(tmp_path, before, after, entered, left):
    changes = diff(tmp_path, [], [], before_priorities=before, after_priorities=after, top_n=2)
    assert (changes.priorities_entered, changes.priorities_left) == (entered, left)


@pytest.mark.parametrize("previous", [None, "missing folder"])
def test_a_first_run_has_everything_new_and_nothing_else(tmp_path, previous):
    current = write_folder(
        tmp_path / "current",
        [paragraph(DOC_A, "a.md", 0, "Seize proceeds.")],
        [priority("convention", 1, "Seize proceeds.")],
    )
    changes = diff_runs(
        None if previous is None else tmp_path / previous,
        current,
        previous_model=None,
        current_model="m1",
    )
    assert changes.first_run and changes.new_files == ("a.md",)
    assert (changes.label_changes, changes.priorities_left) == ((), {})
    assert "First run" in changes_markdown(changes)


def test_reviewed_ids_come_from_corpus_records_and_skip_broken_lines(tmp_path):
    folder = tmp_path / "reviewed"
    folder.mkdir()
    records = [{"id": record_id(DOC_A, 3)}, {"id": "en_mixed-d04-0001"}]
    (folder / "reviewed-2026-11-01.jsonl").write_text(
        jsonl_text(records) + "{not json\n", encoding="utf-8"
    )
    assert load_reviewed_ids(folder) == {f"reviewed-{DOC_A[:12]}-0003"}
    assert load_reviewed_ids(tmp_path / "absent") == frozenset()


def test_the_markdown_and_json_name_every_kind_of_change(tmp_path):
    changes = diff(
        tmp_path,
        [paragraph(DOC_A, "a.md", 0, "Seize | proceeds.", "none")],
        [
            paragraph(DOC_A, "a.md", 0, "Seize | proceeds.", "convention"),
            paragraph(DOC_B, "b.md", 0, "Mark firearms.", "firearms"),
        ],
        before_priorities=[priority("convention", 1, "Old ask.")],
        after_priorities=[priority("convention", 1, "Seize proceeds.")],
        previous_model="m1",
        current_model="m2",
    )
    markdown = changes_markdown(changes)
    for expected in (
        "Model: `m1` -> `m2`",
        "### New submissions (1)",
        "- b.md",
        "| a.md | 0 | none | convention | new model | Seize \\| proceeds. |",
        "### Entered the top",
        "  - 1. Seize proceeds.",
        "### Left the top",
        "  - 1. Old ask.",
    ):
        assert expected in markdown
    assert json.loads(json.dumps(changes.to_json()))["new_files"] == ["b.md"]


def test_nothing_changed_says_so():
    changes = RunChanges(previous_model="m1", current_model="m1", first_run=False)
    assert "Nothing changed." in changes_markdown(changes)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Short  text\nhere.", 40, "Short text here."),
        ("Protect the victims of trafficking everywhere", 20, "Protect the victims…"),
    ],
)
def test_texts_are_shortened_to_one_line_at_a_word(text, limit, expected):
    assert shorten(text, limit) == expected


def test_the_run_summary_gets_counts_and_the_previous_model(tmp_path):
    previous = write_folder(tmp_path / "previous", [paragraph(DOC_A, "a.md", 0, "T.", "none")])
    (previous / "run_summary.json").write_text('{"model": "m1"}', encoding="utf-8")
    current = write_folder(tmp_path / "current", [paragraph(DOC_A, "a.md", 0, "T.", "firearms")])
    changes = diff_runs(
        previous, current, previous_model=previous_model_of(previous), current_model="m2"
    )
    summary = changes_summary(changes)
    assert (summary["previous_model"], summary["label_changes_by_reason"]) == (
        "m1",
        {NEW_MODEL: 1},
    )
    assert previous_model_of(tmp_path / "absent") is None
