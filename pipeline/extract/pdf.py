"""Extract PDF: bytes of one PDF -> `Document` (paragraphs, list items and headings by page).

Two engines read positioned words from the pages: "pdfium" (pypdfium2, fast, the default) and
"pdfplumber" (pdfminer underneath; slower). Both hand their words to `pdf_layout`, which does
all the layout judgement, so the engines give the same blocks.

Failures become `ExtractionError`s with a stable reason: CORRUPT (not a PDF, cut short, damaged),
ENCRYPTED (a password other than the empty one is needed), NEEDS_OCR (no text layer), TOO_LARGE
(`max_pages`, `max_chars`). A hang or memory blow-up is the caller's to contain: it runs
extraction in a separate, limited process. The title is the PDF's own unless that is a
placeholder or a file name, else the largest heading on the first page with headings.
"""

from __future__ import annotations

import ctypes
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from pipeline.errors import ExtractionError, PipelineError
from pipeline.extract import ExtractOptions
from pipeline.extract.pdf_layout import Line, Word, layout_document, page_lines
from pipeline.records import BlockKind, Document, DocumentKind, ErrorReason, TextBlock

OCR_HINT = "run OCR on it (for example with ocrmypdf) and submit the result"
TAIL_BYTES = 8192


@dataclass(frozen=True, slots=True)
class ParsedPdf:
    """What an engine read: each page's row segments and the document information."""

    lines: tuple[tuple[Line, ...], ...]
    info: dict[str, str]


def extract_pdf(data: bytes, *, doc_id: str, source_file: str, options: ExtractOptions) -> Document:
    """Read a PDF's text as blocks in reading order; raises `ExtractionError` when it cannot."""
    reader = _engine(options.pdf_engine)
    check_envelope(data)
    parsed = reader(data, options)
    if not parsed.lines:
        raise ExtractionError(
            ErrorReason.CORRUPT, "the PDF has no pages that can be read (a damaged page tree)"
        )
    if not any(parsed.lines) and reader is read_with_pdfium:
        parsed = _second_opinion(data, options, parsed)
    if not any(parsed.lines):
        raise ExtractionError(
            ErrorReason.NEEDS_OCR,
            f"no text layer on any of the {len(parsed.lines)} pages (scanned or images only); "
            f"{OCR_HINT}",
        )
    blocks = layout_document(parsed.lines)
    if not blocks:
        raise ExtractionError(
            ErrorReason.NEEDS_OCR,
            f"only page headers, footers or numbers carry text, the body looks scanned; {OCR_HINT}",
        )
    return Document(
        doc_id=doc_id,
        source_file=source_file,
        kind=DocumentKind.PDF,
        title=document_title(parsed.info.get("Title", ""), blocks),
        blocks=blocks,
        page_count=len(parsed.lines),
        metadata=document_metadata(parsed.info),
    )


def _second_opinion(data: bytes, options: ExtractOptions, parsed: ParsedPdf) -> ParsedPdf:
    """pdfium silently drops text it cannot reach (forms nested past its limit); before a
    file is sent for OCR, pdfplumber looks again. A scanned file costs it little."""
    confirmed = read_with_pdfplumber(data, options)
    return confirmed if any(confirmed.lines) else parsed


def _engine(name: str) -> Callable[[bytes, ExtractOptions], ParsedPdf]:
    engines = {"pdfium": read_with_pdfium, "pdfplumber": read_with_pdfplumber}
    if name not in engines:
        raise PipelineError(
            f"unknown PDF engine {name!r}; set pdf_engine to one of: {', '.join(engines)}"
        )
    return engines[name]


def check_envelope(data: bytes) -> None:
    """Refuse non-PDFs and cut-off files before a library guesses at them.

    pdfium rebuilds a damaged cross-reference table, so a half-downloaded file can open and
    silently yield only its first pages; a missing %%EOF marker is the tell.
    """
    if b"%PDF-" not in data[:1024]:
        raise ExtractionError(ErrorReason.CORRUPT, "not a PDF: no %PDF- header at the start")
    if b"%%EOF" not in data[-TAIL_BYTES:]:
        raise ExtractionError(
            ErrorReason.CORRUPT,
            "the PDF is cut short (no %%EOF end marker), probably an incomplete download or "
            "copy; ask the sender for the complete file",
        )


def _check_page_count(count: int, options: ExtractOptions) -> None:
    if count > options.max_pages:
        raise ExtractionError(
            ErrorReason.TOO_LARGE,
            f"{count} pages, more than the limit of {options.max_pages} (max_pages); split the "
            "file or raise the limit",
        )


def _check_chars(count: int, options: ExtractOptions) -> None:
    if count > options.max_chars:
        raise ExtractionError(
            ErrorReason.TOO_LARGE,
            f"more than {options.max_chars} characters of text (max_chars); split the file or "
            "raise the limit",
        )


def _collect(pages: Iterator[list[Word]], options: ExtractOptions) -> tuple[tuple[Line, ...], ...]:
    """Each page's lines, made page by page so a long document never holds all its words."""
    lines: list[tuple[Line, ...]] = []
    chars = 0
    for number, words in enumerate(pages, start=1):
        chars += sum(len(word.text) for word in words)
        _check_chars(chars, options)
        lines.append(page_lines(words, number))
    return tuple(lines)


# --------------------------------------------------------------------------- pdfium

PASSWORD_PROTECTED = (
    ErrorReason.ENCRYPTED,
    "the PDF is protected by a password; ask the sender for an unprotected copy",
)
UNSUPPORTED_ENCRYPTION = (
    ErrorReason.ENCRYPTED,
    "the PDF uses an unsupported kind of encryption; ask the sender for an unprotected copy",
)
DAMAGED = (ErrorReason.CORRUPT, "not a readable PDF: its structure is damaged")
WORD_GAP = 0.15
"""pdfplumber splits words at gaps over this share of the font size, close to pdfium's rule."""
WORD_PATTERN = re.compile(r"[^\s\ufffe\x02]+[\ufffe\x02]?")
LINE_END_HYPHENS = str.maketrans({"\ufffe": "-", "\x02": "-"})


def read_with_pdfium(data: bytes, options: ExtractOptions) -> ParsedPdf:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise ExtractionError(*_pdfium_open_error(err.err_code)) from err
    try:
        _check_page_count(len(pdf), options)
        info = {key: str(value) for key, value in pdf.get_metadata_dict(skip_empty=True).items()}
        return ParsedPdf(_collect(_pdfium_pages(pdf), options), info)
    finally:
        pdf.close()


def _pdfium_open_error(code: int | None) -> tuple[ErrorReason, str]:
    import pypdfium2.raw as raw

    known = {
        raw.FPDF_ERR_PASSWORD: PASSWORD_PROTECTED,
        raw.FPDF_ERR_SECURITY: UNSUPPORTED_ENCRYPTION,
    }
    return known.get(code, DAMAGED)


def _pdfium_pages(pdf: object) -> Iterator[list[Word]]:
    import pypdfium2 as pdfium

    for index in range(len(pdf)):  # type: ignore[arg-type]
        try:
            page = pdf[index]  # type: ignore[index]
            try:
                textpage = page.get_textpage()
                try:
                    words = pdfium_words(textpage, page.get_bbox()[3])
                finally:
                    textpage.close()
            finally:
                page.close()
        except pdfium.PdfiumError as err:
            raise ExtractionError(
                ErrorReason.CORRUPT, f"page {index + 1} of the PDF could not be read ({err})"
            ) from err
        yield words


def pdfium_words(textpage: object, page_top: float) -> list[Word]:
    """Words with boxes from a pdfium text page, a few C calls per word (not per character).

    The page text comes out in one call; pdfium's char indices match its positions, so only
    a word's first and last characters are asked for their boxes and font.
    """
    import pypdfium2.raw as raw

    handle = textpage.raw  # type: ignore[attr-defined]
    count = raw.FPDFText_CountChars(handle)
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)  # type: ignore[attr-defined]
    if len(text) != count:
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i) or 32) for i in range(count))
    box = raw.FS_RECTF()
    matrix = raw.FS_MATRIX()
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    loose_box = raw.FPDFText_GetLooseCharBox
    bold_fonts: dict[bytes, bool] = {}
    words: list[Word] = []
    for match in WORD_PATTERN.finditer(text):
        first, last = match.start(), match.end() - 1
        raw.FPDFText_GetMatrix(handle, first, matrix)
        if not is_horizontal(matrix.a, matrix.b, matrix.c, matrix.d):
            continue
        size = raw.FPDFText_GetFontSize(handle, first) * matrix.d
        loose_box(handle, first, box)
        x0, bottom = box.left, page_top - box.bottom
        loose_box(handle, last, box)
        raw.FPDFText_GetFontInfo(handle, first, name, len(name), flags)
        font = name.value
        if font not in bold_fonts:
            bold_fonts[font] = is_bold_font(font.decode("utf-8", "replace"))
        words.append(
            Word(
                text=match.group().translate(LINE_END_HYPHENS),
                x0=x0,
                x1=box.right,
                top=bottom - size,
                bottom=bottom,
                size=size,
                bold=bold_fonts[font],
            )
        )
    return words


# --------------------------------------------------------------------------- pdfplumber


def read_with_pdfplumber(data: bytes, options: ExtractOptions) -> ParsedPdf:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data), password="")
        pages = pdf.pages
    except Exception as err:  # pdfminer raises anything from its parser on a bad file
        if isinstance(err, MemoryError):
            raise
        raise _pdfminer_error(err) from err
    try:
        _check_page_count(len(pages), options)
        info = {key: _info_text(value) for key, value in pdf.metadata.items() if value}
        return ParsedPdf(_collect(_pdfplumber_pages(pages), options), info)
    finally:
        pdf.close()


def _pdfplumber_pages(pages: list) -> Iterator[list[Word]]:
    for page in pages:
        try:
            found = page.extract_words(
                use_text_flow=True, x_tolerance_ratio=WORD_GAP, return_chars=True
            )
        except Exception as err:  # pdfminer raises anything from its parser on a bad page
            if isinstance(err, MemoryError) or "allocate" in str(err):
                raise MemoryError(str(err)) from err
            raise ExtractionError(
                ErrorReason.CORRUPT,
                f"page {page.page_number} of the PDF could not be read ({_one_line(err)})",
            ) from err
        finally:
            page.close()
        yield [
            _plumber_word(word) for word in found if is_horizontal(*word["chars"][0]["matrix"][:4])
        ]


def _plumber_word(word: dict) -> Word:
    """Size, font and baseline come from the first character, as pdfium reports them."""
    first = word["chars"][0]
    return Word(
        text=word["text"],
        x0=word["x0"],
        x1=word["x1"],
        top=first["bottom"] - first["size"],
        bottom=first["bottom"],
        size=first["size"],
        bold=is_bold_font(first["fontname"]),
    )


def _pdfminer_error(err: Exception) -> ExtractionError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = err.args[0] if err.args and isinstance(err.args[0], Exception) else err
    if isinstance(cause, PDFPasswordIncorrect):
        return ExtractionError(*PASSWORD_PROTECTED)
    if isinstance(cause, PDFEncryptionError):
        return ExtractionError(*UNSUPPORTED_ENCRYPTION)
    reason, detail = DAMAGED
    return ExtractionError(reason, f"{detail} ({_one_line(cause)})")


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text[:160]


def _info_text(value: object) -> str:
    if isinstance(value, bytes):
        if value.startswith((b"\xfe\xff", b"\xff\xfe")):
            return value.decode("utf-16", "replace")
        return value.decode("latin-1")
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------- shared

BOLD_FONT = re.compile(r"bold|black|heavy|demi|[-,]bd?$", re.IGNORECASE)
PLACEHOLDERS = frozenset(
    {"", "untitled", "anonymous", "unspecified", "unknown", "title", "none", "n/a", "-"}
)
FILE_NAME_TITLE = re.compile(r"\.(?:docx?|pdf|odt|rtf|indd|pptx?|xlsx?)$", re.IGNORECASE)
PDF_DATE = re.compile(
    r"^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz])|([+-])(\d{2})'?(\d{2})?'?)?"
)


def is_horizontal(a: float, b: float, c: float, d: float) -> bool:
    """Upright, unrotated text; rotated words (watermarks, margin notes) are left out."""
    return abs(b) < 1e-3 and abs(c) < 1e-3 and a > 0 and d > 0


def is_bold_font(name: str) -> bool:
    return bool(BOLD_FONT.search(name.split("+")[-1]))


def _placeholder(value: str) -> bool:
    """Producers fill empty fields with "(anonymous)", "untitled" and the like."""
    return value.strip("()[] ").casefold() in PLACEHOLDERS


def document_title(info_title: str, blocks: tuple[TextBlock, ...]) -> str:
    """The metadata title unless it is a placeholder or a file name, else the first heading."""
    title = " ".join(info_title.split())
    title = title.removeprefix("Microsoft Word - ")
    if not _placeholder(title) and not FILE_NAME_TITLE.search(title):
        return title
    headings = [block for block in blocks if block.kind is BlockKind.HEADING]
    if not headings:
        return ""
    first_page = [block for block in headings if block.page == headings[0].page]
    return min(first_page, key=lambda block: block.level).text


def document_metadata(info: Mapping[str, str]) -> dict[str, str]:
    """Author, subject, keywords, producer and dates (ISO 8601) from the PDF information."""
    names = {
        "Author": "author",
        "Subject": "subject",
        "Keywords": "keywords",
        "Producer": "producer",
        "CreationDate": "created",
        "ModDate": "modified",
    }
    metadata = {}
    for key, name in names.items():
        value = " ".join(info.get(key, "").split())
        if _placeholder(value):
            continue
        metadata[name] = pdf_date(value) if key.endswith("Date") else value
    return metadata


def pdf_date(value: str) -> str:
    """ "D:20240131093000+01'00'" -> "2024-01-31T09:30:00+01:00"; unparsable values unchanged."""
    match = PDF_DATE.match(value)
    if not match:
        return value
    year, month, day, hour, minute, second, zulu, sign, tz_hour, tz_minute = match.groups()
    date = f"{year}-{month or '01'}-{day or '01'}"
    if hour is None:
        return date
    stamp = f"{date}T{hour}:{minute or '00'}:{second or '00'}"
    if zulu:
        return stamp + "Z"
    if sign:
        return f"{stamp}{sign}{tz_hour}:{tz_minute or '00'}"
    return stamp
