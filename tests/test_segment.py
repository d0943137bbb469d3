"""Segmentation of blocks into paragraphs, list items and headings, with lead-ins."""

from __future__ import annotations

import pytest

from pipeline.records import BlockKind, Document, DocumentKind, TextBlock
from pipeline.segment import is_hard_wrapped, segment, split_lines, strip_marker

P, L, H = BlockKind.PARAGRAPH, BlockKind.LIST_ITEM, BlockKind.HEADING

WEB_NOTES = """Constructive dialogue on trafficking in persons
The dialogue was opened by the secretariat, which recalled the mandate of the review mechanism and thanked the participants for their written contributions received before the meeting.
The key priorities identified include:
- Strengthen the identification of victims at borders and in transit centres.
• Agreements with the private sector to share information on recruitment agencies
Participants also discussed the role of academia in the country reviews."""

WRAPPED_MEMO = """Our association has worked since 2009 with migrants crossing the
Sahara, and we have seen how smuggling networks have adapted to new
border controls by moving to longer and more dangerous routes.
We therefore recommend that States:
1. ensure that smuggled migrants are not prosecuted for the fact of
   having been smuggled;
2. fund search and rescue in the desert."""

SPANISH_NOTES = """Las prioridades identificadas por las organizaciones fueron:
a) Fortalecer la cooperación judicial entre los países de origen, tránsito y destino.
b) Crear un registro nacional de armas incautadas."""


def units(text):
    return [(u.kind, u.text) for u in split_lines(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            WEB_NOTES,
            [
                (H, "Constructive dialogue on trafficking in persons"),
                (P, WEB_NOTES.splitlines()[1]),
                (P, "The key priorities identified include:"),
                (L, "Strengthen the identification of victims at borders and in transit centres."),
                (
                    L,
                    "Agreements with the private sector to share information on recruitment agencies",
                ),
                (P, "Participants also discussed the role of academia in the country reviews."),
            ],
        ),
        (
            WRAPPED_MEMO,
            [
                (
                    P,
                    "Our association has worked since 2009 with migrants crossing the Sahara, "
                    "and we have seen how smuggling networks have adapted to new border "
                    "controls by moving to longer and more dangerous routes.",
                ),
                (P, "We therefore recommend that States:"),
                (
                    L,
                    "ensure that smuggled migrants are not prosecuted for the fact of having "
                    "been smuggled;",
                ),
                (L, "fund search and rescue in the desert."),
            ],
        ),
        (
            SPANISH_NOTES,
            [
                (P, "Las prioridades identificadas por las organizaciones fueron:"),
                (
                    L,
                    "Fortalecer la cooperación judicial entre los países de origen, tránsito y destino.",
                ),
                (L, "Crear un registro nacional de armas incautadas."),
            ],
        ),
    ],
    ids=["single-newline web notes", "hard-wrapped memo", "lettered Spanish list"],
)
def test_split_lines_tells_wraps_from_breaks(text, expected):
    assert units(text) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- Strengthen victim identification", ("Strengthen victim identification", True)),
        ("• Agreements with the private sector", ("Agreements with the private sector", True)),
        ("12. Mark all firearms at import", ("Mark all firearms at import", True)),
        ("(iv) Share tracing data", ("Share tracing data", True)),
        ("a) Crear un registro", ("Crear un registro", True)),
        ("2026 was a difficult year.", ("2026 was a difficult year.", False)),
        ("-3 degrees outside", ("-3 degrees outside", False)),
    ],
)
def test_strip_marker(line, expected):
    assert strip_marker(line) == expected


def test_hard_wrap_detection():
    assert is_hard_wrapped(WRAPPED_MEMO.splitlines())
    assert not is_hard_wrapped(WEB_NOTES.splitlines())


def test_segment_attaches_lead_in_and_heading_to_list_items():
    document = Document(
        doc_id="d" * 64,
        source_file="notes.txt",
        kind=DocumentKind.TEXT,
        title="",
        blocks=(
            TextBlock("Priorities on firearms", kind=BlockKind.HEADING),
            TextBlock(
                "The workshop was held in Dakar. Participants identified the following "
                "priorities on firearms:\n- diagnose local capacities to measure flows\n"
                "- mark weapons at import"
            ),
            TextBlock("Closing", kind=BlockKind.HEADING),
            TextBlock("- Thank the hosts", page=2),
        ),
    )
    paragraphs = segment(document)
    assert [(p.index, p.kind, p.lead_in, p.heading) for p in paragraphs] == [
        (0, H, "", ""),
        (1, P, "", "Priorities on firearms"),
        (
            2,
            L,
            "Participants identified the following priorities on firearms:",
            "Priorities on firearms",
        ),
        (
            3,
            L,
            "Participants identified the following priorities on firearms:",
            "Priorities on firearms",
        ),
        (4, H, "", ""),
        (5, L, "", "Closing"),
    ]
    assert paragraphs[5].page == 2
    assert paragraphs[2].paragraph_id == f"{'d' * 16}-0002"


def test_lonely_numbered_line_is_a_heading_but_a_numbered_run_is_a_list():
    document = Document(
        doc_id="e" * 64,
        source_file="a.md",
        kind=DocumentKind.MARKDOWN,
        title="",
        blocks=(
            TextBlock("1. Introduction"),
            TextBlock("This submission covers illegal logging in the Congo Basin."),
            TextBlock("1. Track timber\n2. Audit sawmills"),
        ),
    )
    kinds = [(p.kind, p.text) for p in segment(document)]
    assert kinds == [
        (H, "Introduction"),
        (P, "This submission covers illegal logging in the Congo Basin."),
        (L, "Track timber"),
        (L, "Audit sawmills"),
    ]


def test_debris_without_letters_is_dropped():
    document = Document(
        doc_id="f" * 64,
        source_file="a.txt",
        kind=DocumentKind.TEXT,
        title="",
        blocks=(TextBlock("---"), TextBlock("12"), TextBlock("Real text here.")),
    )
    assert [p.text for p in segment(document)] == ["Real text here."]
