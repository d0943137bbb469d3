"""PDF extraction on generated PDFs: reading order, clean paragraphs, lists, errors, engines."""

from __future__ import annotations

from pathlib import Path

import pdf_factory as factory
import pytest

from pipeline.errors import ExtractionError, PipelineError
from pipeline.extract import ExtractOptions, extract_document
from pipeline.extract.pdf import document_title, extract_pdf, pdf_date
from pipeline.extract.pdf_layout import (
    PAGE_NUMBER,
    Vocabulary,
    Word,
    join_lines,
    layout_document,
    page_lines,
)
from pipeline.records import BlockKind, Document, DocumentKind, ErrorReason, TextBlock

ENGINES = ("pdfium", "pdfplumber")
READABLE = ("single_column", "two_column", "accented", "encrypted_empty")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdfs")
    return {name: Path(path) for name, path in factory.write_all(str(folder)).items()}


@pytest.fixture(scope="module")
def extracted(pdfs: dict[str, Path]) -> dict[tuple[str, str], Document]:
    return {(name, engine): _extract(pdfs[name], engine) for name in READABLE for engine in ENGINES}


def _extract(path: Path, engine: str, **limits: int) -> Document:
    options = ExtractOptions(pdf_engine=engine, **limits)
    return extract_pdf(path.read_bytes(), doc_id="d" * 64, source_file=path.name, options=options)


def _pairs(document: Document) -> list[tuple[str, str]]:
    return [(str(block.kind), block.text) for block in document.blocks]


# --------------------------------------------------------------------------- whole documents


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("single_column", factory.SINGLE_COLUMN_BLOCKS),
        ("two_column", factory.TWO_COLUMN_BLOCKS),
        ("accented", factory.ACCENTED_BLOCKS),
        ("encrypted_empty", [("paragraph", factory.ENCRYPTED_LINES[0])]),
    ],
)
def test_every_block_comes_out_whole_in_reading_order(extracted, name, engine, expected):
    assert _pairs(extracted[name, engine]) == expected


@pytest.mark.parametrize("name", READABLE)
def test_both_engines_give_the_same_blocks(extracted, name):
    assert extracted[name, "pdfium"].blocks == extracted[name, "pdfplumber"].blocks


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "start", "page"),
    [
        ("single_column", "Civil Society Submission", 1),
        ("single_column", "Establish national registers", 2),
        ("single_column", "Mutual legal assistance requests", 2),  # runs on to page 3
        ("single_column", "Finally, the coalition", 3),
        ("two_column", "Regional Workshop", 1),
        ("two_column", "The participants adopted", 1),  # top of the right column
        ("two_column", "Cooperation with the private sector", 2),
        ("two_column", "The secretariat will circulate", 2),  # runs on to the right column
    ],
)
def test_blocks_keep_the_page_they_start_on(extracted, name, engine, start, page):
    found = [block for block in extracted[name, engine].blocks if block.text.startswith(start)]
    assert [block.page for block in found] == [page]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "debris"),
    [
        ("single_column", "UNTOC Review Mechanism"),
        ("single_column", "Page 1 of 3"),
        ("single_column", "of 3"),
        ("two_column", "Workshop report"),
        ("two_column", "- 2 -"),
    ],
)
def test_running_headers_footers_and_page_numbers_are_gone(extracted, name, engine, debris):
    assert not [block.text for block in extracted[name, engine].blocks if debris in block.text]


def test_two_column_report_really_breaks_a_word_across_lines(pdfs):
    import pypdfium2

    pdf = pypdfium2.PdfDocument(pdfs["two_column"].read_bytes())
    word, head = factory.HYPHENATED
    assert f"{head}\ufffe{word[len(head) :]}" in pdf[0].get_textpage().get_text_range()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "present", "absent"),
    [
        ("two_column", "stressed that transnational investigations", "transna-"),
        ("two_column", "noted that cross-border cooperation", "crossborder"),
        ("single_column", "well-paid seasonal work", "wellpaid"),
    ],
)
def test_line_end_hyphens_are_mended_and_compounds_kept(extracted, name, engine, present, absent):
    text = "\n".join(block.text for block in extracted[name, engine].blocks)
    assert present in text
    assert absent not in text


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "title", "pages", "metadata"),
    [
        (
            "single_column",
            factory.SINGLE_COLUMN_TITLE,
            3,
            {"author": "Coalition against Organized Crime", "created": "2000-01-01T00:00:00+00:00"},
        ),
        ("two_column", factory.TWO_COLUMN_TITLE, 2, {"created": "2000-01-01T00:00:00+00:00"}),
        ("accented", "Contribución", 1, {}),
        ("encrypted_empty", "", 1, {}),
    ],
)
def test_title_page_count_and_metadata(extracted, name, engine, title, pages, metadata):
    document = extracted[name, engine]
    assert (document.title, document.page_count) == (title, pages)
    assert metadata.items() <= document.metadata.items()
    assert "Title" not in document.metadata


def test_headings_are_ranked_by_size(extracted):
    levels = {b.text: b.level for b in extracted["single_column", "pdfium"].blocks if b.level}
    assert levels[factory.SINGLE_COLUMN_TITLE] == 1
    assert levels["2. Trafficking in persons"] == 2


# --------------------------------------------------------------------------- errors and limits


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("encrypted_password", ErrorReason.ENCRYPTED),
        ("image_only", ErrorReason.NEEDS_OCR),
        ("truncated", ErrorReason.CORRUPT),
    ],
)
def test_unreadable_pdfs_raise_a_stable_reason(pdfs, name, engine, reason):
    with pytest.raises(ExtractionError) as caught:
        _extract(pdfs[name], engine)
    assert caught.value.reason == reason
    assert "\n" not in caught.value.detail


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n",
        b"%PDF-1.4\n%%EOF\n",
        b"PK\x03\x04 this is a zip file, not a PDF",
    ],
    ids=["garbage-body", "no-objects", "not-a-pdf"],
)
def test_garbage_is_corrupt_never_a_library_exception(engine, data):
    with pytest.raises(ExtractionError) as caught:
        extract_pdf(
            data, doc_id="x", source_file="x.pdf", options=ExtractOptions(pdf_engine=engine)
        )
    assert caught.value.reason == ErrorReason.CORRUPT


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("limits", [{"max_pages": 2}, {"max_chars": 500}])
def test_limits_raise_too_large(pdfs, engine, limits):
    with pytest.raises(ExtractionError) as caught:
        _extract(pdfs["single_column"], engine, **limits)
    assert caught.value.reason == ErrorReason.TOO_LARGE


def test_extract_document_dispatches_pdfs_here(pdfs):
    data = pdfs["accented"].read_bytes()
    document = extract_document(data, DocumentKind.PDF, doc_id="d", source_file="a.pdf")
    assert _pairs(document) == factory.ACCENTED_BLOCKS


def test_unknown_engine_is_a_configuration_error(pdfs):
    with pytest.raises(PipelineError, match="pdfium"):
        _extract(pdfs["single_column"], "pdfminer")


# --------------------------------------------------------------------------- layout rules


def _synthetic_page(rows: list[tuple[float, str]], size: float = 10.0) -> list[Word]:
    """Words laid out like a page: each row is (x0, text), rows 12 pt apart, 0.5 em per char."""
    words = []
    for number, (x0, text) in enumerate(rows):
        bottom = 100 + number * 12
        x = x0
        for token in text.split():
            width = len(token) * 0.5 * size
            words.append(Word(token, x, x + width, bottom - size, bottom, size, bold=False))
            x += width + 0.25 * size
    return words


FULL = "organized criminal groups adapt their methods to changes in border controls and"


@pytest.mark.parametrize(
    "marker",
    ["•", "▪", "◦", "–", "-", "*", "(cid:127)", "\uf0b7", "\uf0a7", "1.", "2)", "a)", "(iv)"],
)
def test_list_markers_start_items_and_are_dropped(marker):
    hanging = 72 + len(marker) * 5 + 2.5
    rows = [
        (72, "The coalition calls on States Parties to:"),
        (72, f"{marker} protect victims of trafficking and smuggled migrants in"),
        (hanging, "every country of transit."),
        (72, f"{marker} fund shelters."),
    ]
    blocks = layout_document([page_lines(_synthetic_page(rows), 1)])
    assert [(b.kind, b.text) for b in blocks] == [
        (BlockKind.PARAGRAPH, "The coalition calls on States Parties to:"),
        (
            BlockKind.LIST_ITEM,
            "protect victims of trafficking and smuggled migrants in every country of transit.",
        ),
        (BlockKind.LIST_ITEM, "fund shelters."),
    ]


def test_nested_list_items_carry_their_level():
    rows = [
        (72, "Priorities:"),
        (72, "• Protect victims."),
        (90, "◦ Shelters for children."),
        (90, "◦ Legal aid."),
        (72, "• Prosecute traffickers."),
    ]
    blocks = layout_document([page_lines(_synthetic_page(rows), 1)])
    assert [(b.kind, b.level) for b in blocks[1:]] == [
        (BlockKind.LIST_ITEM, level) for level in (0, 1, 1, 0)
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([(72, FULL), (72, "markets.")], [f"{FULL} markets."]),
        ([(72, FULL), (72, "ends."), (72, "Next one.")], [f"{FULL} ends.", "Next one."]),
        ([(72, FULL), (90, "Indented first line.")], [FULL, "Indented first line."]),
        ([(72, FULL), (72, "- and a dash that wraps.")], [f"{FULL} - and a dash that wraps."]),
        ([(72, FULL), (72, "3. continues the sentence.")], [f"{FULL} 3. continues the sentence."]),
    ],
    ids=["wrapped", "short-line-ends-paragraph", "indent-starts-paragraph", "dash", "number"],
)
def test_lines_unwrap_into_paragraphs(rows, expected):
    blocks = layout_document([page_lines(_synthetic_page(rows), 1)])
    assert [block.text for block in blocks] == expected


@pytest.mark.parametrize(
    ("lines", "vocabulary", "expected"),
    [
        (["are im-", "proved today"], set(), "are improved today"),
        (["are im\u00ad", "proved today"], set(), "are improved today"),
        (["the cross-", "border trade"], {"cross-border"}, "the cross-border trade"),
        (["the Anti-", "Trafficking Unit"], set(), "the Anti-Trafficking Unit"),
        (["since COVID-", "19 began"], set(), "since COVID-19 began"),
        (["a dash -", "then more"], set(), "a dash - then more"),
        (["two", "lines"], set(), "two lines"),
    ],
)
def test_join_lines_mends_hyphens(lines, vocabulary, expected):
    assert join_lines(lines, Vocabulary(frozenset(vocabulary))) == expected


@pytest.mark.parametrize(
    ("text", "is_page_number"),
    [
        ("3", True),
        ("Page 3 of 4", True),
        ("- 3 -", True),
        ("iv", True),
        ("Página 2 de 5", True),
        ("p. 12", True),
        ("Civil", False),
        ("3 May 2024", False),
        ("Article 5", False),
    ],
)
def test_page_number_pattern(text, is_page_number):
    assert bool(PAGE_NUMBER.match(text)) is is_page_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("D:20240131093000+01'00'", "2024-01-31T09:30:00+01:00"),
        ("D:20240131093000Z", "2024-01-31T09:30:00Z"),
        ("D:20240131", "2024-01-31"),
        ("last Tuesday", "last Tuesday"),
    ],
)
def test_pdf_dates_become_iso(value, expected):
    assert pdf_date(value) == expected


@pytest.mark.parametrize(
    ("info_title", "expected"),
    [
        ("Submission on firearms", "Submission on firearms"),
        ("(anonymous)", "First heading"),
        ("Microsoft Word - submission_final.docx", "First heading"),
        ("untitled", "First heading"),
    ],
)
def test_title_falls_back_to_the_first_heading(info_title, expected):
    blocks = (
        TextBlock("Body text.", page=1, kind=BlockKind.PARAGRAPH),
        TextBlock("First heading", page=1, kind=BlockKind.HEADING, level=1),
    )
    assert document_title(info_title, blocks) == expected
