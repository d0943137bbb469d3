"""Extract: bytes of one file -> a `Document` (text blocks in reading order, with pages).

One extractor per format behind one signature; `extract_document` picks it by the kind that
`discover` read from the file's content. Extractors raise `ExtractionError` with a stable
reason code; they never print and never catch what they cannot explain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipeline.errors import ExtractionError
from pipeline.records import Document, DocumentKind, ErrorReason


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    pdf_engine: str = "pdfium"
    max_pages: int = 2_000
    max_chars: int = 5_000_000


Extractor = Callable[..., Document]


def _registry() -> dict[DocumentKind, Extractor]:
    from pipeline.extract.docx import extract_docx
    from pipeline.extract.email import extract_email
    from pipeline.extract.html import extract_html
    from pipeline.extract.pdf import extract_pdf
    from pipeline.extract.text import extract_markdown, extract_text

    return {
        DocumentKind.PDF: extract_pdf,
        DocumentKind.DOCX: extract_docx,
        DocumentKind.TEXT: extract_text,
        DocumentKind.MARKDOWN: extract_markdown,
        DocumentKind.HTML: extract_html,
        DocumentKind.EMAIL: extract_email,
    }


def warm_up_extractors() -> None:
    """Import every extractor and its library now, so forked workers share them instead of
    each importing them again."""
    _registry()
    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401


def extract_document(
    data: bytes,
    kind: DocumentKind | None,
    *,
    doc_id: str,
    source_file: str,
    options: ExtractOptions | None = None,
) -> Document:
    """Extract one file's bytes; raises `ExtractionError` for anything it cannot read."""
    if kind is None:
        raise ExtractionError(
            ErrorReason.UNSUPPORTED,
            "not a PDF, Word .docx, text, Markdown, HTML or e-mail file (by its content)",
        )
    if not data:
        raise ExtractionError(ErrorReason.EMPTY, "the file has zero bytes")
    extractor = _registry()[kind]
    document = extractor(
        data, doc_id=doc_id, source_file=source_file, options=options or ExtractOptions()
    )
    if not any(block.text.strip() for block in document.blocks) and not document.attachments:
        raise ExtractionError(ErrorReason.EMPTY, "no text found in the file")
    return document
