"""Segment: a `Document` -> `Paragraph` records (paragraphs, list items, headings).

Extractors hand over blocks; where a block still holds several lines (plain text, e-mail), this
stage decides which newlines are wraps and which are breaks. In notes pasted from the web a single
newline separates whole paragraphs; in hard-wrapped text it is only a wrap. The block's own line
lengths tell the two apart. List items carry the sentence that introduces their list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.records import BlockKind, Document, Paragraph, TextBlock
from pipeline.sentences import split_sentences

LIST_MARKER = re.compile(
    r"""^\s*(?:
        [-*+•▪◦‣⁃·–—○■□➢➤►✓✔]                # bullet glyphs
        | \(?\d{1,3}(?:\.\d{1,3})*[.)]          # 1.  2)  (3)  1.2.
        | \(?[a-zA-Z][.)](?=\s)                 # a)  b.  (c)
        | \(?(?:[ivxlc]{1,6}|[IVXLC]{1,6})[.)]  # iv)  (ii)  IV.
    )\s+(?=\S)""",
    re.VERBOSE,
)
SENTENCE_END = re.compile(r"[.!?:;…»”\"')\]]$")
TERMINAL = re.compile(r"[.!?:;…]['\"”»)\]]*$")
HAS_LETTER = re.compile(r"[^\W\d_]")
NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.|[A-H]\.)\s+")
HARD_WRAP_MAX = 100
LEAD_IN_MAX_WORDS = 45


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of text with its kind, before ids, headings and lead-ins are attached."""

    text: str
    kind: BlockKind
    page: int | None
    marker: str = ""


def split_marker(line: str) -> tuple[str, str]:
    """The line without its list marker, and the marker ('' when there is none)."""
    match = LIST_MARKER.match(line)
    if match is None:
        return line.strip(), ""
    return line[match.end() :].strip(), match.group(0).strip()


def strip_marker(line: str) -> tuple[str, bool]:
    """The line without its list marker, and whether it had one."""
    body, marker = split_marker(line)
    return body, bool(marker)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def looks_like_heading(text: str) -> bool:
    """A short line that names a section rather than saying something."""
    words = text.split()
    if not words or len(words) > 12 or len(text) > 90 or TERMINAL.search(text):
        return False
    first = NUMBERING.sub("", text)[:1]
    if text.isupper() and sum(c.isalpha() for c in text) >= 3:
        return True
    return bool(first) and first.isupper() and len(words) <= 10


def is_hard_wrapped(lines: list[str]) -> bool:
    """Lines cut at a fixed width (an e-mail, a typed memo) rather than one line per paragraph."""
    lengths = [len(line.rstrip()) for line in lines if line.strip()]
    if len(lengths) < 2:
        return False
    width = max(lengths)
    if width > HARD_WRAP_MAX:
        return False
    long_lines = sum(1 for n in lengths[:-1] if n >= 0.6 * width)
    return long_lines >= 0.5 * (len(lengths) - 1) and width >= 40


def split_lines(text: str, *, page: int | None = None) -> list[Unit]:
    """Split a block of several lines into units, joining wraps and keeping breaks."""
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    if not lines:
        return []
    wrapped = is_hard_wrapped(lines)
    width = max(len(line) for line in lines)
    pieces: list[tuple[list[str], str]] = []
    for index, line in enumerate(lines):
        body, marker = split_marker(line)
        hanging = bool(pieces) and bool(pieces[-1][1]) and line[:1].isspace()
        if (
            index == 0
            or marker
            or (not hanging and _breaks_before(lines[index - 1], line, wrapped, width))
        ):
            pieces.append(([body], marker))
        else:
            pieces[-1][0].append(body)
    return [_unit(" ".join(parts), marker, page) for parts, marker in pieces]


def _breaks_before(previous: str, line: str, wrapped: bool, width: int) -> bool:
    prev = previous.strip()
    current = line.strip()
    if wrapped:
        next_word = current.split(maxsplit=1)[0]
        return len(previous) + 1 + len(next_word) <= width
    return not _continues(prev, current)


def _continues(prev: str, current: str) -> bool:
    """A sentence cut mid-way: no final punctuation before, a lower-case word after."""
    if TERMINAL.search(prev):
        return False
    return current[:1].islower() or prev.endswith((",", "-", "–", "(", "/"))


def _unit(text: str, marker: str, page: int | None) -> Unit:
    text = normalise_space(text)
    if marker:
        return Unit(text, BlockKind.LIST_ITEM, page, marker=marker)
    if looks_like_heading(text):
        return Unit(text, BlockKind.HEADING, page)
    return Unit(text, BlockKind.PARAGRAPH, page)


def units_of_block(block: TextBlock) -> list[Unit]:
    if block.kind is BlockKind.HEADING:
        return [Unit(normalise_space(block.text), BlockKind.HEADING, block.page)]
    if block.kind is BlockKind.LIST_ITEM:
        body, _ = split_marker(normalise_space(block.text))
        return [Unit(body, BlockKind.LIST_ITEM, block.page, marker="•")]
    if block.kind is BlockKind.PARAGRAPH and "\n" not in block.text:
        text = normalise_space(block.text)
        body, marker = split_marker(text)
        if marker:
            return [Unit(body, BlockKind.LIST_ITEM, block.page, marker=marker)]
        return [Unit(text, BlockKind.PARAGRAPH, block.page)]
    return split_lines(block.text, page=block.page)


def demote_lonely_numbered_items(units: list[Unit]) -> list[Unit]:
    """'1. Introduction' alone between paragraphs is a numbered heading, not a one-item list."""
    result = list(units)
    for index, unit in enumerate(units):
        if unit.kind is not BlockKind.LIST_ITEM or not any(c.isalnum() for c in unit.marker):
            continue
        neighbours = units[max(0, index - 1) : index] + units[index + 1 : index + 2]
        if any(n.kind is BlockKind.LIST_ITEM for n in neighbours):
            continue
        if looks_like_heading(unit.text) and len(unit.text.split()) <= 8:
            result[index] = Unit(unit.text, BlockKind.HEADING, unit.page)
    return result


def last_sentence(text: str) -> str:
    sentences = split_sentences(text)
    return sentences[-1] if sentences else ""


def lead_in_of(paragraph: str) -> str:
    """The sentence that introduces a list: the last one of the paragraph before it."""
    sentence = last_sentence(paragraph)
    if sentence.endswith(":") or len(sentence.split()) <= LEAD_IN_MAX_WORDS:
        return sentence
    return ""


def segment(document: Document) -> list[Paragraph]:
    """Paragraphs of one document in reading order, with section headings and lead-ins."""
    units = [u for block in document.blocks for u in units_of_block(block)]
    units = demote_lonely_numbered_items([u for u in units if HAS_LETTER.search(u.text)])
    paragraphs: list[Paragraph] = []
    heading = ""
    lead_in = ""
    previous: Unit | None = None
    for unit in units:
        if unit.kind is BlockKind.HEADING:
            heading, lead_in = unit.text, ""
        elif unit.kind is BlockKind.LIST_ITEM:
            if previous is not None and previous.kind is BlockKind.PARAGRAPH:
                lead_in = lead_in_of(previous.text)
        else:
            lead_in = ""
        paragraphs.append(
            Paragraph(
                doc_id=document.doc_id,
                source_file=document.source_file,
                index=len(paragraphs),
                text=unit.text,
                kind=unit.kind,
                page=unit.page,
                lead_in=lead_in if unit.kind is BlockKind.LIST_ITEM else "",
                heading=heading if unit.kind is not BlockKind.HEADING else "",
            )
        )
        previous = unit
    return paragraphs
