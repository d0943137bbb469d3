"""The review loop as staff and researchers meet it: run, correct in a spreadsheet, feed back,
retrain."""

from __future__ import annotations

import csv
import json
import shutil

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.taxonomy import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "corpora" / "samples"
LABELLED = PROJECT_ROOT / "corpora" / "labelled"


def test_a_correction_flows_back_through_feedback_and_train(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "contribution_ecrite_armes_sahel.md", inbox)
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(inbox), "--out", str(tmp_path / "out")]).exit_code == 0

    with (tmp_path / "out" / "paragraphs.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    target = next(r for r in rows if r["kind"] == "paragraph")
    target["reviewed_themes"] = "firearms; convention"
    target["reviewed_priority"] = "oui"
    reviewed_csv = tmp_path / "reviewed.csv"
    with reviewed_csv.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    reviewed_dir = tmp_path / "reviewed"
    result = runner.invoke(app, ["feedback", str(reviewed_csv), "--out", str(reviewed_dir)])
    assert result.exit_code == 0, result.output
    records = [
        json.loads(line)
        for path in reviewed_dir.glob("*.jsonl")
        for line in path.read_text("utf-8").splitlines()
    ]
    assert len(records) == 1
    assert records[0]["labels"] == ["convention", "firearms"]
    assert records[0]["is_priority"] is True
    assert records[0]["text"] == target["text"].lstrip("'")

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("en_workshop_01.jsonl", "fr_sub_01.jsonl", "es_sub_01.jsonl", "en_ngo_01.jsonl"):
        shutil.copy(LABELLED / name, corpus)
    model_dir = tmp_path / "model"
    result = runner.invoke(
        app,
        ["train", "--corpus", str(corpus), "--corpus", str(reviewed_dir), "--out", str(model_dir)],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((model_dir / "metrics.json").read_text())
    copied = sum(1 for p in corpus.glob("*.jsonl") for line in p.open() if line.strip())
    assert metrics["data"]["records"] == copied + 1


def test_unknown_label_in_a_correction_is_a_clear_error(tmp_path):
    reviewed_csv = tmp_path / "reviewed.csv"
    reviewed_csv.write_text(
        "doc_id,source_file,page,para_index,kind,lead_in,lang,text,themes,is_priority,"
        "reviewed_themes,reviewed_priority\n"
        f"{'a' * 64},x.txt,,3,paragraph,,en,Some text.,none,false,guns,\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["feedback", str(reviewed_csv), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "guns" in result.output
