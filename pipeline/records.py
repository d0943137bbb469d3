"""Typed records passed between the stages of the pipeline.

Every record is a frozen dataclass that carries its provenance (document id, page, index), so a
row in any output file can be traced back to the bytes it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class DocumentKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"
    EMAIL = "email"


class BlockKind(StrEnum):
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    HEADING = "heading"


class ErrorReason(StrEnum):
    """Stable codes written to `errors.csv`; never renamed, only added to."""

    EMPTY = "empty"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    NEEDS_OCR = "needs_ocr"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    UNREADABLE = "unreadable"
    OUTSIDE_INPUT = "outside_input"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file found by `discover`: where it is, what it really is, and its identity."""

    path: Path
    relative_path: str
    doc_id: str
    kind: DocumentKind | None
    size: int
    aliases: tuple[str, ...] = ()
    parent_id: str | None = None


@dataclass(frozen=True, slots=True)
class TextBlock:
    """One unit of text as an extractor sees it, before segmentation.

    `kind` is a hint from the format (a Word heading style, an HTML <li>); `None` means the
    segmenter decides from the text itself. A block may hold several lines separated by newlines
    when the extractor cannot tell wraps from breaks (plain text); the segmenter settles that.
    """

    text: str
    page: int | None = None
    kind: BlockKind | None = None
    level: int = 0


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file embedded in another (an e-mail attachment), ingested as a document of its own."""

    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Document:
    """The text of one submission, as blocks in reading order."""

    doc_id: str
    source_file: str
    kind: DocumentKind
    title: str
    blocks: tuple[TextBlock, ...]
    page_count: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph, list item or heading: the unit that is classified."""

    doc_id: str
    source_file: str
    index: int
    text: str
    kind: BlockKind
    page: int | None = None
    lead_in: str = ""
    heading: str = ""
    lang: str = "und"

    @property
    def paragraph_id(self) -> str:
        return f"{self.doc_id[:16]}-{self.index:04d}"


@dataclass(frozen=True, slots=True)
class FileError:
    """One row of `errors.csv`: a file that could not be processed, and why."""

    source_file: str
    reason: ErrorReason
    detail: str
    doc_id: str = ""


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the classifier says of one text."""

    probabilities: dict[str, float]
    themes: tuple[str, ...]
    top_theme: str
    confidence: float
    p_priority: float
    is_priority: bool
    needs_review: bool
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassifiedParagraph:
    paragraph: Paragraph
    prediction: Prediction


@dataclass(frozen=True, slots=True)
class PrioritySource:
    source_file: str
    page: int | None
    doc_id: str
    paragraph_id: str


@dataclass(frozen=True, slots=True)
class Priority:
    """A priority raised in one or more submissions, ranked within a theme."""

    theme: str
    rank: int
    text: str
    confidence: float
    support: int
    sources: tuple[PrioritySource, ...]
    lang: str
    stakeholder_types: tuple[str, ...] = ()
