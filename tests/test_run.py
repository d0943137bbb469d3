"""`untoc run` on the shipped samples, checked against the team's gold annotations.

`corpora/samples_gold.jsonl` lists, for every sample, the text of each stated priority and of
some narrative paragraphs, with their themes. The run must bring every one of them out whole,
and find the priorities under their themes.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.taxonomy import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "corpora" / "samples"
GOLD = [
    json.loads(line)
    for line in (PROJECT_ROOT / "corpora" / "samples_gold.jsonl").read_text("utf-8").splitlines()
    if line.strip()
]


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), f"{path.name} has no byte-order mark"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = CliRunner().invoke(app, ["run", str(SAMPLES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def paragraphs(run_dir):
    return read_csv(run_dir / "paragraphs.csv")


def find(paragraphs, item):
    return [
        p
        for p in paragraphs
        if p["text"] == item["text"] and p["source_file"].split("/")[0] == item["file"]
    ]


def test_every_output_file_is_written(run_dir):
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "paragraphs.csv",
        "priorities.csv",
        "priorities.json",
        "priorities.xlsx",
        "errors.csv",
        "run_summary.json",
        "report.html",
    } <= names
    assert not [n for n in names if n.endswith(".tmp")]
    summary = json.loads((run_dir / "run_summary.json").read_text())
    assert summary["errors"] == 0
    assert summary["documents"] == 12  # eleven samples and the e-mail's attachment


@pytest.mark.parametrize("item", GOLD, ids=lambda g: f"{g['file'][:24]}:{g['text'][:30]}")
def test_gold_paragraph_comes_out_whole(paragraphs, item):
    assert len(find(paragraphs, item)) == 1


def test_priorities_are_found_and_narrative_is_not(paragraphs):
    stated = [g for g in GOLD if g["is_priority"]]
    narrative = [g for g in GOLD if not g["is_priority"]]
    found = [find(paragraphs, g)[0] for g in stated if find(paragraphs, g)]
    quiet = [find(paragraphs, g)[0] for g in narrative if find(paragraphs, g)]
    recall = sum(p["is_priority"] == "true" for p in found) / len(stated)
    false_alarms = sum(p["is_priority"] == "true" for p in quiet) / len(narrative)
    print(f"priority recall {recall:.2f}, narrative flagged {false_alarms:.2f}")
    assert recall >= 0.85
    assert false_alarms <= 0.15


def test_confidence_orders_right_themes_above_wrong_ones(paragraphs):
    """Over every gold paragraph and theme, a theme the paragraph has should score higher than
    one it lacks (the area under the ROC curve)."""
    from sklearn.metrics import roc_auc_score

    truth, scores = [], []
    for item in GOLD:
        for row in find(paragraphs, item):
            for theme in (
                "convention",
                "trafficking_in_persons",
                "smuggling_of_migrants",
                "firearms",
                "environmental_crime",
            ):
                truth.append(theme in item["themes"])
                scores.append(float(row[f"p_{theme}"]))
    auc = roc_auc_score(truth, scores)
    print(f"theme AUC on gold paragraphs {auc:.3f}")
    assert auc >= 0.9


def test_each_priority_is_listed_under_each_of_its_themes(run_dir, paragraphs):
    listed = read_csv(run_dir / "priorities.csv")
    by_theme = {}
    for row in listed:
        by_theme.setdefault(row["theme"], []).append(row)
    for rows in by_theme.values():
        assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    for paragraph in paragraphs:
        if paragraph["is_priority"] != "true":
            continue
        for theme in paragraph["themes"].split(";"):
            if theme == "none":
                continue
            sources = " ".join(r["sources"] for r in by_theme.get(theme, []))
            assert paragraph["source_file"].lstrip("'") in sources


def test_review_rows_come_first_and_metadata_is_joined(paragraphs):
    flags = [p["needs_review"] for p in paragraphs]
    assert flags == sorted(flags, key=lambda f: f != "true")
    assert all(p["reviewed_themes"] == "" for p in paragraphs)
    ngo = [p for p in paragraphs if p["source_file"] == "ngo_submission_environmental_crime.docx"]
    assert ngo and {p["stakeholder_type"] for p in ngo} == {"ngo"}


def test_same_input_gives_byte_identical_csvs(run_dir, tmp_path):
    result = CliRunner().invoke(app, ["run", str(SAMPLES), "--out", str(tmp_path)])
    assert result.exit_code == 0
    for name in (
        "paragraphs.csv",
        "priorities.csv",
        "errors.csv",
        "priorities.json",
        "priorities.xlsx",
    ):
        assert (tmp_path / name).read_bytes() == (run_dir / name).read_bytes(), name
