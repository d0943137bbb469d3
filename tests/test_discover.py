"""Discovery: identity by content hash, kind by content, skipping and links."""

from __future__ import annotations

import os

import pytest

from pipeline.discover import discover, sniff_kind
from pipeline.records import DocumentKind, ErrorReason, FileError, SourceFile


@pytest.mark.parametrize(
    ("head", "suffix", "expected"),
    [
        (b"%PDF-1.7\n", ".pdf", DocumentKind.PDF),
        (b"<!DOCTYPE html><html><body>x</body></html>", ".pdf", DocumentKind.HTML),
        (b"PK\x03\x04....word/document.xml", ".docx", DocumentKind.DOCX),
        (b"PK\x03\x04....xl/workbook.xml", ".zip", None),
        (b"From: a@b.org\nTo: c@d.org\nSubject: Submission\n\nHello", ".txt", DocumentKind.EMAIL),
        (b"# Title\n\nText", ".md", DocumentKind.MARKDOWN),
        ("Texto en español".encode("utf-16"), ".txt", DocumentKind.TEXT),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ".pdf", None),
        (b"plain words", ".pdf", DocumentKind.TEXT),
    ],
)
def test_kind_is_read_from_content(head, suffix, expected):
    assert sniff_kind(head, suffix) == expected


def test_same_bytes_under_two_names_is_one_document(tmp_path):
    (tmp_path / "a.txt").write_text("Mark and trace firearms.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "copy.txt").write_text("Mark and trace firearms.", encoding="utf-8")
    found = list(discover(tmp_path))
    assert len(found) == 1
    assert isinstance(found[0], SourceFile)
    assert found[0].relative_path == "a.txt"
    assert found[0].aliases == ("sub/copy.txt",)


def test_hidden_temporary_and_metadata_files_are_skipped(tmp_path):
    for name in [".hidden.txt", "~$draft.docx", "report.txt.part", "submissions.csv"]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "real.txt").write_text("Real text.", encoding="utf-8")
    assert [f.relative_path for f in discover(tmp_path)] == ["real.txt"]


def test_links_out_of_the_folder_are_reported_not_followed(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    os.symlink(outside, inbox / "link.txt")
    os.symlink(tmp_path, inbox / "loop")
    (inbox / "ok.txt").write_text("fine", encoding="utf-8")
    found = list(discover(inbox))
    errors = [f for f in found if isinstance(f, FileError)]
    assert [(e.source_file, e.reason) for e in errors] == [("link.txt", ErrorReason.OUTSIDE_INPUT)]
    assert [f.relative_path for f in found if isinstance(f, SourceFile)] == ["ok.txt"]


def test_empty_and_oversized_files_are_errors(tmp_path):
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "big.txt").write_bytes(b"a" * 2048)
    found = {f.source_file: f.reason for f in discover(tmp_path, max_file_bytes=1024)}
    assert found == {"empty.pdf": ErrorReason.EMPTY, "big.txt": ErrorReason.TOO_LARGE}


def test_password_protected_word_file_is_reported_as_encrypted(tmp_path):
    import file_factory

    from pipeline.run import extract_options, ingest_source
    from pipeline.settings import Settings

    (tmp_path / "locked.docx").write_bytes(file_factory.ole_file(encrypted=True))
    (tmp_path / "old.doc").write_bytes(file_factory.ole_file(encrypted=False))
    sources = [f for f in discover(tmp_path) if isinstance(f, SourceFile)]
    reasons = {
        s.relative_path: [e.reason for e in ingest_source(s, extract_options(Settings())).errors]
        for s in sources
    }
    assert reasons == {
        "locked.docx": [ErrorReason.ENCRYPTED],
        "old.doc": [ErrorReason.UNSUPPORTED],
    }
