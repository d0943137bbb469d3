"""Discover: an input folder -> `SourceFile` records, one per distinct document.

Files are identified by the SHA-256 of their bytes (the same bytes under two names are one
document) and typed by their content, not their extension alone. Links that lead out of the
input folder are reported, never followed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from pipeline.records import DocumentKind, ErrorReason, FileError, SourceFile

SKIPPED_NAMES = {"Thumbs.db", "desktop.ini", "submissions.csv"}
TEMPORARY_PREFIXES = (".", "~$", "~", ".~lock")
TEMPORARY_SUFFIXES = (".tmp", ".part", ".crdownload", ".swp", "~", ".bak")
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".eml", ".csv", ".log"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
EMAIL_HEADERS = (
    b"from:",
    b"to:",
    b"subject:",
    b"date:",
    b"mime-version:",
    b"received:",
    b"message-id:",
    b"return-path:",
    b"content-type:",
)


def sha256_file(path: Path, *, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def is_skipped(name: str) -> bool:
    """Hidden, temporary and lock files, which editors and sync tools leave in inboxes."""
    return (
        name in SKIPPED_NAMES
        or name.startswith(TEMPORARY_PREFIXES)
        or name.endswith(TEMPORARY_SUFFIXES)
    )


def sniff_kind(head: bytes, suffix: str) -> DocumentKind | None:
    """The document kind from the first bytes of a file; the extension only breaks ties."""
    suffix = suffix.lower()
    stripped = head.lstrip(b"\xef\xbb\xbf\r\n\t ")
    if stripped.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return DocumentKind.PDF
    if head.startswith(b"PK\x03\x04"):
        return DocumentKind.DOCX if b"word/" in head or suffix == ".docx" else None
    if head.startswith(b"\xd0\xcf\x11\xe0") and suffix in {".docx", ".doc", ".docm"}:
        return DocumentKind.DOCX
    if head.startswith(
        (
            b"\xd0\xcf\x11\xe0",
            b"\x7fELF",
            b"MZ",
            b"\x89PNG",
            b"\xff\xd8\xff",
            b"GIF8",
            b"\x1f\x8b",
            b"Rar!",
            b"7z\xbc\xaf",
        )
    ):
        return None
    text = _as_text_sample(head)
    if text is None:
        return None
    lowered = text.lstrip("\ufeff \r\n\t").lower()
    if lowered.startswith(("<!doctype html", "<html", "<?xml")) or (
        "<html" in lowered[:2048] or "<body" in lowered[:2048]
    ):
        return DocumentKind.HTML
    if suffix == ".eml" or _looks_like_email(lowered):
        return DocumentKind.EMAIL
    if suffix in {".html", ".htm"} and "<" in lowered:
        return DocumentKind.HTML
    if suffix in MARKDOWN_SUFFIXES:
        return DocumentKind.MARKDOWN
    return DocumentKind.TEXT


def _as_text_sample(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    if not head:
        return ""
    if head.count(b"\x00") > len(head) // 10:
        if head[1::2].count(b"\x00") > len(head) // 3 or head[0::2].count(b"\x00") > len(head) // 3:
            return head.decode(
                "utf-16-le" if head[1::2].count(b"\x00") else "utf-16-be", errors="replace"
            )
        return None
    control = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if control > max(8, len(head) // 50):
        return None
    return head.decode("utf-8", errors="replace")


def _looks_like_email(text: str) -> bool:
    lines = text.splitlines()[:20]
    hits = sum(1 for line in lines if line.encode().startswith(EMAIL_HEADERS))
    return hits >= 3


def discover(root: Path, *, max_file_bytes: int | None = None) -> Iterator[SourceFile | FileError]:
    """Walk `root` recursively in a stable order, yielding each distinct document once.

    Yields a `FileError` for files that cannot be taken (links out of the folder, unreadable,
    too large); duplicates by content are folded into the first file's `aliases`.
    """
    root = root.resolve()
    if root.is_file():
        yield from _discover_files([root], root.parent, max_file_bytes)
        return
    if not root.is_dir():
        return
    yield from _discover_files(_walk(root), root, max_file_bytes)


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not is_skipped(d))
        for name in sorted(filenames):
            if not is_skipped(name):
                yield Path(dirpath) / name


def _discover_files(
    paths: Iterator[Path] | list[Path], root: Path, max_file_bytes: int | None
) -> Iterator[SourceFile | FileError]:
    seen: dict[str, SourceFile] = {}
    pending: list[SourceFile] = []
    for path in paths:
        relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        result = _inspect(path, root, relative, max_file_bytes)
        if isinstance(result, FileError):
            yield result
            continue
        first = seen.get(result.doc_id)
        if first is not None:
            seen[result.doc_id] = replace(first, aliases=(*first.aliases, relative))
            continue
        seen[result.doc_id] = result
        pending.append(result)
    for found in pending:
        yield seen[found.doc_id]


def _inspect(
    path: Path, root: Path, relative: str, max_file_bytes: int | None
) -> SourceFile | FileError:
    try:
        if path.is_symlink():
            target = path.resolve()
            if not target.is_relative_to(root):
                return FileError(
                    relative,
                    ErrorReason.OUTSIDE_INPUT,
                    "link points outside the input folder; not followed",
                )
            if not target.is_file():
                return FileError(relative, ErrorReason.UNSUPPORTED, "link to a non-file")
        if not path.is_file():
            return FileError(relative, ErrorReason.UNSUPPORTED, "not a regular file")
        size = path.stat().st_size
        if size == 0:
            return FileError(relative, ErrorReason.EMPTY, "the file has zero bytes")
        if max_file_bytes is not None and size > max_file_bytes:
            return FileError(
                relative,
                ErrorReason.TOO_LARGE,
                f"{size / 1e6:.1f} MB is over the {max_file_bytes / 1e6:.0f} MB limit "
                "(raise max_file_mb in untoc.toml to take it)",
            )
        with path.open("rb") as handle:
            head = handle.read(8192)
        doc_id = sha256_file(path)
    except OSError as err:
        return FileError(relative, ErrorReason.UNREADABLE, f"cannot read the file: {err.strerror}")
    kind = sniff_kind(head, path.suffix)
    return SourceFile(path=path, relative_path=relative, doc_id=doc_id, kind=kind, size=size)
