"""The nightly ledger: what counts as done, what is stored, and the process lock."""

from __future__ import annotations

import pytest

from pipeline.errors import PipelineError
from pipeline.ledger import (
    documents_needing_reclassification,
    entries,
    is_done,
    ledger_lock,
    open_ledger,
    record_document,
    stored_paragraphs,
)
from pipeline.records import (
    BlockKind,
    ClassifiedParagraph,
    ErrorReason,
    FileError,
    Paragraph,
    Prediction,
)


def classified(
    doc_id: str, index: int, text: str = "Protect victims of trafficking."
) -> ClassifiedParagraph:
    paragraph = Paragraph(
        doc_id,
        f"{doc_id}.txt",
        index,
        text,
        BlockKind.LIST_ITEM,
        page=2,
        lead_in="We ask:",
        lang="en",
    )
    prediction = Prediction(
        probabilities={"trafficking_in_persons": 0.9, "none": 0.1},
        themes=("trafficking_in_persons",),
        top_theme="trafficking_in_persons",
        confidence=0.9,
        p_priority=0.8,
        is_priority=True,
        needs_review=False,
        evidence=("victims", "trafficking"),
    )
    return ClassifiedParagraph(paragraph, prediction)


@pytest.fixture
def ledger(tmp_path):
    connection = open_ledger(tmp_path / "ledger.sqlite")
    yield connection
    connection.close()


def test_opens_in_wal_mode(ledger):
    assert ledger.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize(
    ("recorded", "asked", "expected"),
    [
        (None, "m1", False),
        (("done", "m1"), "m1", True),
        (("done", "m1"), "m2", False),
        (("error", "m1"), "m2", True),
    ],
)
def test_is_done_means_done_with_this_model_or_failed(ledger, recorded, asked, expected):
    if recorded:
        status, model = recorded
        paragraphs = [classified("a", 0)] if status == "done" else []
        errors = [] if status == "done" else [FileError("a.txt", ErrorReason.CORRUPT, "bad", "a")]
        record_document(
            ledger,
            doc_id="a",
            source_file="a.txt",
            model=model,
            paragraphs=paragraphs,
            errors=errors,
        )
    assert is_done(ledger, "a", asked) is expected


def test_stored_paragraphs_round_trip_exactly(ledger):
    items = [classified("a", 0), classified("a", 1, "Marquage des armes à feu.")]
    record_document(ledger, doc_id="a", source_file="a.txt", model="m1", paragraphs=items)
    assert stored_paragraphs(ledger, "a") == items
    assert stored_paragraphs(ledger, "unknown") == []


def test_a_file_with_only_errors_is_an_error_with_its_reason(ledger):
    error = FileError("b.pdf", ErrorReason.ENCRYPTED, "password", "b")
    record_document(ledger, doc_id="b", source_file="b.pdf", model="m1", errors=[error])
    [entry] = entries(ledger)
    assert (entry.status, entry.reason, entry.errors) == ("error", "encrypted", (error,))


def test_a_changed_file_replaces_its_earlier_version(ledger):
    record_document(ledger, doc_id="old", source_file="a.txt", model="m1", paragraphs=[])
    record_document(ledger, doc_id="new", source_file="a.txt", model="m1", paragraphs=[])
    record_document(ledger, doc_id="new", source_file="a.txt", model="m1", paragraphs=[])
    assert [e.doc_id for e in entries(ledger)] == ["new"]


def test_reclassification_lists_done_documents_of_other_models(ledger):
    record_document(ledger, doc_id="a", source_file="a.txt", model="m1", paragraphs=[])
    record_document(ledger, doc_id="b", source_file="b.txt", model="m2", paragraphs=[])
    error = FileError("c.pdf", ErrorReason.CORRUPT, "bad", "c")
    record_document(ledger, doc_id="c", source_file="c.pdf", model="m1", errors=[error])
    assert documents_needing_reclassification(ledger, "m2") == ["a"]


def test_a_second_run_cannot_take_the_lock(tmp_path):
    path = tmp_path / "ledger.sqlite"
    with (
        ledger_lock(path),
        pytest.raises(PipelineError, match="another nightly run holds"),
        ledger_lock(path, wait_s=0.1),
    ):
        pass
    with ledger_lock(path, wait_s=0.1):  # released after the first run
        pass
