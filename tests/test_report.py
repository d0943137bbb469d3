"""report.html: a run folder -> one self-contained, escaped, printable page."""

from __future__ import annotations

import html
import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from pipeline.export import ERROR_COLUMNS, read_csv_rows, write_csv, write_json
from pipeline.prioritize import PRIORITY_COLUMNS
from pipeline.report import busiest_documents, write_report
from pipeline.taxonomy import PROJECT_ROOT

LABELS = (
    "convention",
    "trafficking_in_persons",
    "smuggling_of_migrants",
    "firearms",
    "environmental_crime",
    "none",
)
CHARTS = 4  # themes, stakeholder types, theme-by-document heatmap, confidence histogram
SAMPLES = PROJECT_ROOT / "corpora" / "samples"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def paragraph(source: str, index: int, themes: str, confidence: float, **extra) -> dict:
    probabilities = {f"p_{label}": 0.9 if label in themes else 0.05 for label in LABELS}
    return {
        "doc_id": f"sha-{source}",
        "source_file": source,
        "page": 1,
        "para_index": index,
        "kind": "paragraph",
        "lead_in": "",
        "lang": "en",
        "text": f"Paragraph {index} of {source}",
        "themes": themes,
        "top_theme": themes.split(";")[0],
        "confidence": confidence,
        **probabilities,
        "is_priority": True,
        "p_priority": 0.8,
        "needs_review": 0.35 <= confidence <= 0.75,
        "evidence": "victims | traffickers",
        "reviewed_themes": "",
        **extra,
    }


PARAGRAPHS = [
    paragraph("ngo/submission.docx", 0, "trafficking_in_persons", 0.91),
    paragraph("ngo/submission.docx", 1, "trafficking_in_persons;smuggling_of_migrants", 0.55),
    paragraph("firearms_report.pdf", 0, "firearms", 0.82),
    paragraph("firearms_report.pdf", 1, "none", 0.40),
]
PRIORITIES = [
    {
        "theme": "trafficking_in_persons",
        "rank": 1,
        "text": "Guarantee non-punishment of victims <b>& survivors</b> of trafficking",
        "confidence": 0.91,
        "support": 2,
        "sources": "ngo/submission.docx p.1; firearms_report.pdf p.3",
        "lang": "en",
        "stakeholder_types": "NGO;academia",
    },
    {
        "theme": "trafficking_in_persons",
        "rank": 2,
        "text": "Garantizar la protección de las víctimas de trata en la frontera",
        "confidence": 0.64,
        "support": 1,
        "sources": "ngo/submission.docx p.2",
        "lang": "es",
        "stakeholder_types": "NGO",
    },
    {
        "theme": "firearms",
        "rank": 1,
        "text": "=Mark every firearm at import, as the Protocol requires",
        "confidence": 0.82,
        "support": 1,
        "sources": "firearms_report.pdf p.1",
        "lang": "en",
        "stakeholder_types": "",
    },
]
ERRORS = [
    {"source_file": "locked.pdf", "reason": "encrypted", "detail": "the PDF needs a password"},
    {"source_file": "scan.pdf", "reason": "needs_ocr", "detail": "no text layer <img>"},
]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run folder written with the project's own writers, as run_pipeline writes it."""
    from pipeline.run import paragraph_columns

    out = tmp_path / "run"
    write_csv(out / "paragraphs.csv", paragraph_columns(LABELS), PARAGRAPHS)
    write_csv(out / "priorities.csv", PRIORITY_COLUMNS, PRIORITIES)
    write_csv(out / "errors.csv", ERROR_COLUMNS, ERRORS)
    write_json(out / "run_summary.json", {"model": "test-model", "model_arch": "tfidf.v1"})
    model = tmp_path / "model"
    write_json(
        model / "model.json",
        {"name": "test-model", "arch": "tfidf_logreg.v1", "labels": list(LABELS)},
    )
    write_json(
        model / "metrics.json",
        {"test": {"macro_f1_themes": 0.812, "priority": {"f1": 0.734}, "ece_labels": 0.041}},
    )
    return out


def assert_self_contained(page: str, run: Path, charts: int = CHARTS) -> None:
    for row in read_csv_rows(run / "priorities.csv"):
        assert html.escape(row["text"], quote=True) in page, row["text"]
    assert page.count("<svg") == charts
    assert not EXTERNAL.search(page), EXTERNAL.search(page)
    assert "<script" not in page
    assert "<?xml" not in page
    assert "@media print" in page


def test_report_holds_every_priority_chart_and_error_without_external_resources(
    run_dir: Path, tmp_path: Path
) -> None:
    path = write_report(run_dir, model_dir=tmp_path / "model")

    page = path.read_text(encoding="utf-8")
    assert path == run_dir / "report.html"
    assert_self_contained(page, run_dir)
    assert "&lt;b&gt;&amp; survivors&lt;/b&gt;" in page  # escaped, never live markup
    assert html.escape("'=Mark every firearm") in page  # the CSV's formula guard is kept
    for error in ERRORS:
        cells = "".join(f"<td>{html.escape(error[c])}</td>" for c in ERROR_COLUMNS)
        assert f"<tr>{cells}</tr>" in page
    for figure in ("0.812", "0.734", "0.041", "tfidf_logreg.v1"):
        assert figure in page


def test_report_is_byte_for_byte_reproducible(run_dir: Path, tmp_path: Path) -> None:
    first = write_report(run_dir, model_dir=tmp_path / "model").read_bytes()
    second = write_report(run_dir, model_dir=tmp_path / "model").read_bytes()

    assert first == second


def test_report_renders_an_empty_run_without_a_model(tmp_path: Path) -> None:
    from pipeline.run import paragraph_columns

    write_csv(tmp_path / "paragraphs.csv", paragraph_columns(LABELS), [])
    write_csv(tmp_path / "priorities.csv", PRIORITY_COLUMNS, [])
    write_csv(tmp_path / "errors.csv", ERROR_COLUMNS, [])

    page = write_report(tmp_path).read_text(encoding="utf-8")

    assert page.count("<svg") == CHARTS
    assert "Every file was processed without error." in page
    assert "not available" in page


@pytest.mark.slow
@pytest.mark.skipif(
    not (PROJECT_ROOT / "models" / "DEFAULT").is_file()
    or importlib.util.find_spec("pipeline.workbook") is None,
    reason="a real run needs the shipped default model and pipeline.workbook",
)
def test_report_of_a_real_run_on_sample_files(tmp_path: Path) -> None:
    from pipeline.run import run_pipeline
    from pipeline.settings import Settings

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("academic_brief_money_laundering.md", "notes_reunion_migrantes_2026.txt"):
        shutil.copy(SAMPLES / name, inbox / name)
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    out = tmp_path / "out"
    run_pipeline(inbox, out, Settings(workers=2))

    page = write_report(out).read_text(encoding="utf-8")

    assert_self_contained(page, out)
    assert "broken.pdf" in page


def test_the_heatmap_keeps_the_most_themed_documents_in_name_order() -> None:
    labels = ["firearms", "none"]
    documents = [f"doc{n:04d}.pdf" for n in range(100)]
    shares = [[(n % 10) / 10, 1 - (n % 10) / 10] for n in range(100)]
    kept, kept_shares = busiest_documents(documents, shares, labels, limit=12)
    assert len(kept) == 12
    assert kept == sorted(kept)
    most = {f"doc{n:04d}.pdf" for n in range(9, 100, 10)}
    assert set(kept) == most | {"doc0008.pdf", "doc0018.pdf"}
    assert [row[0] for doc, row in zip(kept, kept_shares, strict=True) if doc in most] == [0.9] * 10
    assert busiest_documents(documents[:5], shares[:5], labels, limit=12)[0] == documents[:5]
