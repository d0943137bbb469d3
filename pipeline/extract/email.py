"""Extract e-mail: bytes of an .eml file -> a `Document` of the body's blocks, plus attachments.

The plain-text body is preferred (it is what the sender wrote; the HTML part is a rendering of
it), read with the plain-text extractor's logic; an HTML-only body goes through the HTML
extractor's. Quoted replies and signatures are dropped. Attachments come back as
`Attachment`s for the caller to ingest as documents of their own.
"""

from __future__ import annotations

import email
import email.errors
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message

from pipeline.errors import ExtractionError
from pipeline.extract import ExtractOptions
from pipeline.extract.html import html_blocks
from pipeline.extract.text import (
    clean_text,
    collapse_spaces,
    decode_text,
    ensure_within,
    one_line,
    text_blocks,
)
from pipeline.records import Attachment, Document, DocumentKind, ErrorReason, TextBlock

# Where a reply's copy of the previous message starts, in Outlook and others (EN, FR, ES).
ORIGINAL_MESSAGE = re.compile(
    r"-{2,}\s*(original message|message d'origine|mensaje original)\s*-{2,}", re.IGNORECASE
)
OUTLOOK_RULE = re.compile(r"_{10,}")
COPIED_FROM = re.compile(r"\s*(from|de|von)\s?:", re.IGNORECASE)
# "On Mon, 3 Jun 2024, Ana wrote:" above a quoted reply.
ATTRIBUTION = re.compile(r"(wrote|a écrit|escribió)\s*:\s*$", re.IGNORECASE)
MAX_DEPTH = 20  # multipart nesting; real mail nests three or four levels
UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f]")
# What the e-mail parser or a malformed header may raise on hostile input.
BROKEN_MESSAGE = (
    email.errors.MessageError,
    LookupError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    AssertionError,
    RecursionError,
)


def extract_email(
    data: bytes, *, doc_id: str, source_file: str, options: ExtractOptions
) -> Document:
    """An .eml file -> its body's blocks, titled by its subject, with its attachments."""
    try:
        message = email.message_from_bytes(data, policy=policy.default)
        body = _body_part(message)
        attachments = tuple(_attachments(message, body))
        blocks = _body_blocks(body, attachments) if body is not None else ()
        metadata = _headers(message)
    except BROKEN_MESSAGE as err:
        raise ExtractionError(
            ErrorReason.CORRUPT,
            f"not a readable e-mail: {type(err).__name__}: {one_line(err)}",
        ) from err
    ensure_within(sum(len(block.text) for block in blocks), options.max_chars)
    return Document(
        doc_id=doc_id,
        source_file=source_file,
        kind=DocumentKind.EMAIL,
        title=metadata.get("subject", ""),
        blocks=blocks,
        metadata=metadata,
        attachments=attachments,
    )


def _headers(message: EmailMessage) -> dict[str, str]:
    """From, date (ISO 8601 when it parses) and subject; a header that will not parse is omitted."""
    found = {name: _header(message, name) for name in ("from", "date", "subject")}
    try:
        parsed = message["date"].datetime if message["date"] is not None else None
    except BROKEN_MESSAGE:
        parsed = None
    if parsed is not None:
        found["date"] = parsed.isoformat()
    return {name: value for name, value in found.items() if value}


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message[name]
    except BROKEN_MESSAGE:
        return ""
    if value is None:
        return ""
    text = str(value)
    if "\ufffd" in text:
        text = _raw_header(message, name) or text
    return collapse_spaces(clean_text(text))


def _raw_header(message: EmailMessage, name: str) -> str:
    """A header sent as raw 8-bit bytes (old clients do, against RFC 5322), decoded as text."""
    for key, raw in message.raw_items():
        if key.lower() == name:
            try:
                return decode_text(str(raw).encode("utf-8", "surrogateescape"))
            except (ExtractionError, UnicodeError):
                return ""
    return ""


def _body_part(message: EmailMessage) -> EmailMessage | None:
    return message.get_body(preferencelist=("plain", "html"))


def _body_blocks(part: EmailMessage, attachments: tuple[Attachment, ...]) -> tuple[TextBlock, ...]:
    """The body's blocks; a body that is no text is dropped if attachments carry the content."""
    try:
        text = part_text(part)
    except ExtractionError:
        if attachments:
            return ()
        raise
    if part.get_content_subtype() == "html":
        return html_blocks(text, email_quotes=True).blocks
    if str(part.get_param("format", "")).lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp", "")).lower() == "yes")
    return text_blocks(without_replies(text))


def part_text(part: Message) -> str:
    """A text part's content as cleaned str: its declared charset if the bytes fit, else sniffed."""
    payload = part.get_payload(decode=True) or b""
    return clean_text(decode_text(payload, declared=part.get_content_charset()))


def unflow(text: str, *, delsp: bool) -> str:
    """Undo format=flowed (RFC 3676): a line ending in a space continues on the next line."""
    lines: list[str] = []
    pending = ""
    for line in text.split("\n"):
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
        else:
            lines.append(pending + line)
            pending = ""
    if pending:
        lines.append(pending)
    return "\n".join(lines)


def without_replies(text: str) -> str:
    """Drop quoted lines (`> `), their "... wrote:" line, and everything after a signature
    separator (`-- `) or the start of a copied message ("-----Original Message-----", or
    Outlook's rule of underscores over "From:")."""
    kept: list[str] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.rstrip() == "--" or ORIGINAL_MESSAGE.search(line):
            break
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if OUTLOOK_RULE.fullmatch(line.strip()) and COPIED_FROM.match(following):
            break
        if line.lstrip().startswith(">"):
            _drop_attribution(kept)
            continue
        kept.append(line)
    return "\n".join(kept)


def _drop_attribution(kept: list[str]) -> None:
    while kept and not kept[-1].strip():
        kept.pop()
    if kept and ATTRIBUTION.search(kept[-1]):
        kept.pop()


def _attachments(message: EmailMessage, body: Message | None) -> Iterator[Attachment]:
    """Every part with a file name (and every attached message), except the body itself.

    Inline images (logos, signatures) are decoration, not submissions, and are left out.
    """
    for number, part in enumerate(_leaf_parts(message, depth=0), start=1):
        if part is body:
            continue
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                filename = part.get_filename() or f"attached-message-{number}.eml"
                yield Attachment(_safe_filename(filename, number), inner[0].as_bytes())
            continue
        filename = part.get_filename()
        if not filename or _is_inline_image(part):
            continue
        yield Attachment(_safe_filename(filename, number), part.get_payload(decode=True) or b"")


def _leaf_parts(part: Message, *, depth: int) -> Iterator[Message]:
    """Non-multipart parts in order; an attached message is one leaf, not opened here."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    if depth >= MAX_DEPTH:
        return
    for child in part.get_payload():
        yield from _leaf_parts(child, depth=depth + 1)


def _is_inline_image(part: Message) -> bool:
    return part.get_content_maintype() == "image" and part.get_content_disposition() != "attachment"


def _safe_filename(filename: str, number: int) -> str:
    """The last path component without control characters: names come from the sender."""
    name = UNSAFE_FILENAME.sub("", str(filename)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name if name not in ("", ".", "..") else f"attachment-{number}"
