"""The `untoc` command as a user meets it: help, start-up, extract on a folder of odd files."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import file_factory
import pdf_factory
import pytest
from typer.testing import CliRunner

from pipeline.cli import app

COMMANDS = [
    "run",
    "extract",
    "train",
    "evaluate",
    "classify",
    "feedback",
    "report",
    "nightly",
    "schedule",
    "retrain",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.splitlines()) > 3


def test_cli_starts_without_heavy_libraries():
    code = (
        "import sys, pipeline.cli; "
        "heavy = [m for m in ('sklearn', 'spacy', 'prefect', 'pandas', 'pdfplumber') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def read_csv(path):
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def odd_inbox(tmp_path_factory):
    """A folder like a real inbox on a bad day: good files beside broken and hostile ones."""
    root = tmp_path_factory.mktemp("inbox")
    (root / "notes.txt").write_text(
        "Constructive dialogue on firearms\n"
        "The key priorities identified include:\n"
        "- Mark firearms at import and keep records for tracing.\n"
        "- Secure state stockpiles against theft.\n",
        encoding="utf-8",
    )
    (root / "-rf notas de la reunión.txt").write_bytes(
        "Se recomienda fortalecer la cooperación judicial contra la trata de personas.".encode(
            "cp1252"
        )
    )
    (root / "utf16.txt").write_bytes(
        "Il convient de protéger les migrants objets d'un trafic.".encode("utf-16")
    )
    (root / "report.pdf").write_bytes(pdf_factory.single_column_report())
    (root / "truncated.pdf").write_bytes(pdf_factory.truncated_report())
    (root / "locked.pdf").write_bytes(pdf_factory.encrypted_report("secret"))
    (root / "scan.pdf").write_bytes(pdf_factory.image_only_report())
    (root / "empty.docx").write_bytes(b"")
    (root / "junk.docx").write_bytes(file_factory.junk_zip())
    (root / "page.pdf").write_bytes(
        b"<!DOCTYPE html><html><body><p>Wildlife trafficking finances armed groups.</p>"
        b"</body></html>"
    )
    (root / "binary.txt").write_bytes(bytes(range(256)) * 40)
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("not yours", encoding="utf-8")
    os.symlink(outside, root / "link.txt")
    return root


def test_extract_reports_each_bad_file_and_reads_every_good_one(odd_inbox, tmp_path):
    result = CliRunner().invoke(app, ["extract", str(odd_inbox), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    errors = {row["source_file"]: row["reason"] for row in read_csv(tmp_path / "errors.csv")}
    assert errors == {
        "truncated.pdf": "corrupt",
        "locked.pdf": "encrypted",
        "scan.pdf": "needs_ocr",
        "empty.docx": "empty",
        "junk.docx": "corrupt",
        "binary.txt": "unsupported",
        "link.txt": "outside_input",
    }
    rows = read_csv(tmp_path / "paragraphs.csv")
    by_file = {}
    for row in rows:
        by_file.setdefault(row["source_file"], []).append(row)
    spanish_file = "'-rf notas de la reunión.txt"  # a leading '-' is neutralised for Excel
    assert set(by_file) == {"notes.txt", spanish_file, "utf16.txt", "report.pdf", "page.pdf"}
    items = [r for r in by_file["notes.txt"] if r["kind"] == "list_item"]
    assert [r["text"] for r in items] == [
        "Mark firearms at import and keep records for tracing.",
        "Secure state stockpiles against theft.",
    ]
    assert {r["lead_in"] for r in items} == {"The key priorities identified include:"}
    spanish = by_file[spanish_file][0]
    assert "cooperación" in spanish["text"] and spanish["lang"] == "es"
    assert by_file["utf16.txt"][0]["lang"] == "fr"
    assert by_file["page.pdf"][0]["text"] == "Wildlife trafficking finances armed groups."


def test_strict_mode_fails_when_a_file_fails(odd_inbox, tmp_path):
    result = CliRunner().invoke(
        app, ["extract", str(odd_inbox), "--out", str(tmp_path), "--strict"]
    )
    assert result.exit_code == 1


def test_missing_input_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_classify_writes_every_prediction_column(tmp_path):
    import json

    source = tmp_path / "texts.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(row, ensure_ascii=False)
            for row in [
                {"id": "a", "text": "Mark firearms at import and trace those seized."},
                {
                    "id": "b",
                    "text": "Diagnose local capacities to measure flows.",
                    "kind": "list_item",
                    "lead_in": "Priorities on illicit arms flows include:",
                },
                {"id": "c", "text": '=HYPERLINK("http://x") Merci pour votre accueil.'},
            ]
        ),
        encoding="utf-8",
    )
    out = tmp_path / "preds.csv"
    result = CliRunner().invoke(app, ["classify", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    labels = [
        "convention",
        "trafficking_in_persons",
        "smuggling_of_migrants",
        "firearms",
        "environmental_crime",
        "none",
    ]
    assert list(rows[0]) == [
        "id",
        *(f"p_{label}" for label in labels),
        "themes",
        "top_theme",
        "confidence",
        "is_priority",
        "p_priority",
        "needs_review",
        "evidence",
    ]
    assert "firearms" in rows[0]["themes"] and "firearms" in rows[1]["themes"]
    assert rows[1]["is_priority"] == "true"


def test_evaluate_reports_metrics_and_draws_the_reliability_diagram(tmp_path):
    from pipeline.taxonomy import PROJECT_ROOT

    corpus = PROJECT_ROOT / "corpora" / "labelled" / "fr_sub_01.jsonl"
    result = CliRunner().invoke(
        app, ["evaluate", "--corpus", str(corpus), "--split", "all", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "lang=fr" in result.output
    import json

    metrics = json.loads((tmp_path / "evaluation.json").read_text())
    assert metrics["n"] == sum(1 for line in corpus.open() if line.strip())
    assert 0 <= metrics["ece_labels"] <= 1 and metrics["worst_errors"]
    assert (tmp_path / "reliability.png").read_bytes().startswith(b"\x89PNG")


def test_python_dash_m_pipeline_is_the_same_command():
    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=True
    )
    assert "extract" in out.stdout and "classify" in out.stdout
