"""Properties that hold for any input: the segmenter keeps every word, the CSV writer any text.

Hypothesis generates documents from words and list markers, so the words that must come out
are known exactly; and arbitrary text for the CSV writer (tests/test_export.py checks single
cells; here whole tables must round-trip exactly and never start a cell with a formula).
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.export import FORMULA_PREFIXES, csv_bytes
from pipeline.records import BlockKind, Document, DocumentKind, TextBlock
from pipeline.segment import segment, split_lines

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZáéíóúñçàèüÁÉÑ"
MARKERS = ("-", "*", "•", "▪", "–", "1.", "2)", "(3)", "1.2.", "a)", "(b)", "iv)", "IX.")
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Words are letters with optional trailing punctuation that no list marker can end in: a
# first word such as "iv." or "a)" would rightly be read as a marker and leave the text.
plain_word = st.text(LETTERS, min_size=1, max_size=12)
word = st.builds(lambda w, p: w + p, plain_word, st.sampled_from(["", "", ",", ";", ":"]))
long_word = st.text(LETTERS, min_size=7, max_size=12).map(lambda w: w + ".")
words = st.lists(st.one_of(word, word, long_word), min_size=1, max_size=14)


@st.composite
def lines(draw) -> tuple[str, list[str]]:
    """One line of text, maybe behind a list marker and indentation; and its words."""
    body = draw(words)
    marker = draw(st.one_of(st.just(""), st.sampled_from(MARKERS)))
    indent = draw(st.sampled_from(["", "", " ", "  ", "\t"]))
    prefix = f"{indent}{marker} " if marker else indent
    return prefix + " ".join(body), body


@st.composite
def blocks(draw) -> tuple[str, list[str]]:
    """A block of lines (blank lines between some), and the words it holds without markers."""
    drawn = draw(st.lists(lines(), min_size=1, max_size=8))
    separators = draw(st.lists(st.sampled_from(["\n", "\n", "\n\n", "\n  \n"]), min_size=8))
    text = drawn[0][0]
    for (line, _), separator in zip(drawn[1:], separators, strict=False):
        text += separator + line
    return text, [w for _, body in drawn for w in body]


def document(texts: list[str], kinds: list[BlockKind | None] | None = None) -> Document:
    kinds = kinds or [None] * len(texts)
    return Document(
        doc_id="d" * 64,
        source_file="notes.txt",
        kind=DocumentKind.TEXT,
        title="",
        blocks=tuple(
            TextBlock(text, page=1, kind=kind) for text, kind in zip(texts, kinds, strict=True)
        ),
    )


@settings(max_examples=300, deadline=None)
@given(blocks())
def test_split_lines_neither_loses_nor_invents_a_word(block):
    text, expected = block
    units = split_lines(text)
    assert Counter(w for unit in units for w in unit.text.split()) == Counter(expected)
    assert all(unit.text and unit.text == unit.text.strip() for unit in units)


@settings(max_examples=200, deadline=None)
@given(st.lists(blocks(), min_size=1, max_size=5))
def test_segment_keeps_every_word_with_consecutive_ids_and_no_empty_paragraph(drawn):
    paragraphs = segment(document([text for text, _ in drawn]))
    out = Counter(w for p in paragraphs for w in p.text.split())
    assert out == Counter(w for _, expected in drawn for w in expected)
    assert [p.index for p in paragraphs] == list(range(len(paragraphs)))
    assert all(p.text.strip() for p in paragraphs)
    assert {p.doc_id for p in paragraphs} <= {"d" * 64}


@settings(max_examples=200, deadline=None)
@given(
    words, st.lists(plain_word, min_size=1, max_size=12), st.lists(words, min_size=1, max_size=6)
)
def test_every_list_item_keeps_the_sentence_that_introduces_it(before, lead, items):
    opening = " ".join(["Participants", *before]).rstrip(".:;,")
    introduction = f"{opening}. The priorities {' '.join(lead)} include:"
    texts = [introduction, *(" ".join(item) for item in items)]
    kinds = [BlockKind.PARAGRAPH, *[BlockKind.LIST_ITEM] * len(items)]
    paragraphs = segment(document(texts, kinds))
    listed = [p for p in paragraphs if p.kind is BlockKind.LIST_ITEM]
    assert [p.text for p in listed] == [" ".join(item) for item in items]
    lead_ins = {p.lead_in for p in listed}
    assert len(lead_ins) == 1
    [lead_in] = lead_ins
    assert lead_in.endswith(":") and introduction.endswith(lead_in)
    assert lead_in == f"The priorities {' '.join(lead)} include:"


# --------------------------------------------------------------------------- CSV writer

cells = st.one_of(
    st.text(max_size=80),
    st.text(alphabet="=+-@\t\r\n\"',; \uff1da", max_size=12),
    st.sampled_from(FORMULA_PREFIXES).flatmap(lambda p: st.text(max_size=20).map(p.__add__)),
)
tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.lists(st.lists(cells, min_size=width, max_size=width), max_size=6)
)


def read_back(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf") and not data[3:].startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8")[1:], newline="")))


def guarded(text: str) -> str:
    """What a cell must read back as: the text, behind an apostrophe if it is a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@settings(max_examples=300, deadline=None)
@given(tables)
def test_any_table_round_trips_exactly_with_formulas_guarded(table):
    width = len(table[0]) if table else 1
    columns = [f"c{i}" for i in range(width)]
    data = csv_bytes(columns, [dict(zip(columns, row, strict=True)) for row in table])
    header, *rows = read_back(data)
    assert header == columns
    assert rows == [[guarded(text) for text in row] for row in table]


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_cell_ever_starts_like_a_formula(table):
    width = len(table[0]) if table else 1
    columns = [f"c{i}" for i in range(width)]
    data = csv_bytes(columns, [dict(zip(columns, row, strict=True)) for row in table])
    _, *rows = read_back(data)
    assert not [cell for row in rows for cell in row if cell.startswith(DANGEROUS_STARTS)]
