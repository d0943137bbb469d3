"""Word, plain-text, Markdown, HTML and e-mail extraction on generated files."""

from __future__ import annotations

import email
import time
from email import policy

import file_factory as factory
import pytest

from pipeline.discover import sniff_kind
from pipeline.errors import ExtractionError
from pipeline.extract import ExtractOptions, extract_document
from pipeline.extract.docx import extract_docx, inflation_limit
from pipeline.extract.email import extract_email
from pipeline.extract.html import extract_html
from pipeline.extract.text import decode_text, extract_markdown, extract_text
from pipeline.records import Attachment, Document, ErrorReason

OPTIONS = ExtractOptions()


def _run(extractor, data: bytes, **limits: int) -> Document:
    options = ExtractOptions(**limits) if limits else OPTIONS
    return extractor(data, doc_id="d" * 64, source_file="inbox/file", options=options)


def _kinds_and_texts(document: Document) -> list[tuple[str | None, str]]:
    return [(block.kind and str(block.kind), block.text) for block in document.blocks]


def _reason(extractor, data: bytes, **limits: int) -> ErrorReason:
    with pytest.raises(ExtractionError) as caught:
        _run(extractor, data, **limits)
    assert caught.value.detail and "\n" not in caught.value.detail
    return caught.value.reason


# ---------------------------------------------------------------------------------------------
# Word


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (factory.submission_docx, factory.SUBMISSION_BLOCKS),
        (factory.markup_docx, factory.MARKUP_BLOCKS),
    ],
    ids=["submission", "markup"],
)
def test_docx_blocks_come_in_body_order_with_kinds_and_levels(make, expected):
    document = _run(extract_docx, make())
    assert [(str(b.kind), b.level, b.text) for b in document.blocks] == expected


@pytest.mark.parametrize(
    ("make", "title", "metadata"),
    [
        (
            factory.submission_docx,
            "Contribución ONG",
            {"author": "Ana Pérez", "created": "2024-03-05T09:30:00+00:00"},
        ),
        (factory.markup_docx, "Rapport de l’atelier", {"created": "2024-03-05T09:30:00+00:00"}),
    ],
    ids=["core-properties", "first-heading"],
)
def test_docx_title_and_metadata_come_from_core_properties_else_first_heading(
    make, title, metadata
):
    document = _run(extract_docx, make())
    assert (document.title, document.metadata) == (title, metadata)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (factory.zip_bomb_docx, ErrorReason.TOO_LARGE),
        (factory.forged_size_zip_bomb_docx, ErrorReason.CORRUPT),
        (factory.junk_zip, ErrorReason.CORRUPT),
        (factory.bare_document_zip, ErrorReason.CORRUPT),
        (factory.broken_xml_docx, ErrorReason.CORRUPT),
        (lambda: factory.submission_docx()[:3000], ErrorReason.CORRUPT),
        (lambda: b"PK\x03\x04 this is not really a zip", ErrorReason.CORRUPT),
        (lambda: b"plain bytes, no zip at all", ErrorReason.CORRUPT),
        (lambda: factory.ole_file(encrypted=True), ErrorReason.ENCRYPTED),
        (lambda: factory.ole_file(encrypted=False), ErrorReason.UNSUPPORTED),
        (factory.macro_enabled_docx, ErrorReason.UNSUPPORTED),
    ],
    ids=[
        "zip-bomb",
        "zip-bomb-with-forged-size",
        "zip-without-word",
        "no-content-types",
        "truncated-xml",
        "truncated-zip",
        "fake-zip-magic",
        "not-a-zip",
        "encrypted-office",
        "legacy-doc",
        "macro-enabled",
    ],
)
def test_docx_bad_files_raise_a_stable_reason(make, reason):
    assert _reason(extract_docx, make()) is reason


MB = 1024 * 1024


@pytest.mark.parametrize(
    ("size", "limit"),
    [
        (10_000, 20 * MB),  # a floor: inflating a small file to 20 MB costs nothing
        (1_000_000, 50_000_000),  # 50 times the file size
        (8_000_000, 200 * MB),  # a ceiling
    ],
)
def test_docx_inflation_limit_is_50_times_the_size_between_20_and_200_mb(size, limit):
    assert inflation_limit(size) == limit


def test_docx_over_the_character_limit_is_too_large():
    assert _reason(extract_docx, factory.submission_docx(), max_chars=100) is ErrorReason.TOO_LARGE


# ---------------------------------------------------------------------------------------------
# Decoding and cleaning plain text

SPANISH = "Señora: la “protección” de las víctimas — 5 €.\nÑandú, acción, pingüino."


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (SPANISH.encode("utf-8"), SPANISH),
        (SPANISH.encode("utf-8-sig"), SPANISH),
        (SPANISH.encode("utf-16"), SPANISH),  # with a BOM
        (SPANISH.encode("utf-16-le"), SPANISH),
        (SPANISH.encode("utf-16-be"), SPANISH),
        (SPANISH.encode("utf-32"), SPANISH),
        (SPANISH.encode("cp1252"), SPANISH),
        ("L’équipe a souligné l’importance…".encode("cp1252"), "L’équipe a souligné l’importance…"),
        ("Ñandú ".encode() + "acción".encode("cp1252"), "Ñandú acción"),  # UTF-8 + a stray byte
        (
            "Привет, это текст на русском языке.".encode("cp1251"),
            "Привет, это текст на русском языке.",
        ),
        (b"ab\x00cd" + bytes(300), "abcd"),  # stray NUL, and NUL padding after a crash
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-bom",
        "utf16le",
        "utf16be",
        "utf32-bom",
        "cp1252-es",
        "cp1252-fr",
        "utf8-with-cp1252-byte",
        "cp1251-not-misread-as-cp1252",
        "nuls",
    ],
)
def test_text_is_decoded_with_the_right_accents(data, expected):
    assert decode_text(data) == expected


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("One\r\ntwo\r\rthree\rfour", ["One\ntwo", "three\nfour"]),
        ("Title\n\nWrapped line\ncontinues here.\n\n\n- item a\n- item b\n", None),
        ("a\n \t \nb", ["a", "b"]),
        ("  spaced\t\tout  words  \n", ["  spaced out words"]),
        ("- item one\n  continued\n- item two", ["- item one\n  continued\n- item two"]),
        ("safe\u202etxt.exe and \u2066isolated\u2069", ["safetxt.exe and isolated"]),
        ("traf\u200bfick\u00ading\ufeff and\u200d co\u2060de", ["trafficking and code"]),
        ("proteccio\u0301n", ["protección"]),  # NFD -> NFC
        ("page one\x0cpage two\x0bnext line", ["page one", "page two\nnext line"]),
        ("bell\x07 and escape", ["bell and escape"]),
    ],
    ids=[
        "crlf-and-cr",
        "blank-lines-split-single-newlines-kept",
        "whitespace-only-line-splits",
        "spaces-collapsed-indent-kept",
        "hanging-indent-kept",
        "bidi-controls",
        "invisible-format",
        "nfc",
        "form-feed-and-vertical-tab",
        "control-characters",
    ],
)
def test_plain_text_blocks_split_on_blank_lines_only(text, blocks):
    document = _run(extract_text, text.encode("utf-8"))
    expected = blocks or ["Title", "Wrapped line\ncontinues here.", "- item a\n- item b"]
    assert _kinds_and_texts(document) == [(None, text) for text in expected]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Workshop on firearms trafficking\n\nBody.", "Workshop on firearms trafficking"),
        ("Dear colleagues,\nplease find our notes.", ""),
        ("x" * 200, ""),
    ],
)
def test_plain_text_title_is_a_short_first_line(text, title):
    assert _run(extract_text, text.encode()).title == title


@pytest.mark.parametrize(
    ("data", "limits", "reason"),
    [
        (bytes(range(256)) * 40, {}, ErrorReason.UNSUPPORTED),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, {}, ErrorReason.UNSUPPORTED),
        (b"a\x00\x01" * 400, {}, ErrorReason.UNSUPPORTED),
        (b"eleven char", {"max_chars": 10}, ErrorReason.TOO_LARGE),
        (b"x" * 100, {"max_chars": 10}, ErrorReason.TOO_LARGE),  # refused before decoding
    ],
    ids=["binary", "png", "nul-heavy", "over-limit", "far-over-limit"],
)
def test_plain_text_refuses_binary_and_oversized_files(data, limits, reason):
    assert _reason(extract_text, data, **limits) is reason
    assert _reason(extract_markdown, data, **limits) is reason


def test_plain_text_at_the_character_limit_is_taken():
    assert _kinds_and_texts(_run(extract_text, b"ten chars!", max_chars=10)) == [
        (None, "ten chars!")
    ]


# ---------------------------------------------------------------------------------------------
# Markdown

H = "heading"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Key *priorities* #\nText.", [(H, "Key priorities"), (None, "Text.")]),
        (
            "Setext one\n===\nSetext two\n---\nBody",
            [(H, "Setext one"), (H, "Setext two"), (None, "Body")],
        ),
        ("###### Six\n####### seven", [(H, "Six"), (None, "####### seven")]),
        ("#hashtag is no heading", [(None, "#hashtag is no heading")]),
        (
            "**Bold**, *em*, __strong__, _u_, ~~gone~~ and `code *x*`.",
            [(None, "Bold, em, strong, u, gone and code *x*.")],
        ),
        ("snake_case, 2 * 3 and a_b_c stay", [(None, "snake_case, 2 * 3 and a_b_c stay")]),
        (
            'See [the report](https://x.org/a_(b) "T") and [ref][1]![logo](l.png).',
            [(None, "See the report and ref.")],
        ),
        (
            "<https://unodc.org> &amp; &eacute; &nothing; &#233;",
            [(None, "https://unodc.org & é &nothing; é")],
        ),
        (
            "Escaped \\*stars\\* and \\# and \\[x\\](y)",
            [(None, "Escaped *stars* and # and [x](y)")],
        ),
        (
            "Priorities include:\n* marking\n+ tracing\n- [x] licensing\n1. first\n2) second",
            [(None, "Priorities include:\n- marking\n- tracing\n- licensing\n1. first\n2) second")],
        ),
        ("- item\n---\nafter the rule", [(None, "- item"), (None, "after the rule")]),
        (
            "- item\n  continued *here*\n  - nested\n    1. deeper",
            [(None, "- item\n  continued here\n  - nested\n    1. deeper")],
        ),
        ("a\n\n***\n\n_ _ _\n\nb", [(None, "a"), (None, "b")]),
        (
            "> Quoted **text**\n> > deeper\n>\n> next",
            [(None, "Quoted text\ndeeper"), (None, "next")],
        ),
        (
            "| Theme | Priority |\n|:--|--:|\n| Firearms | **Marking** |\n| | Tracing |\nAfter",
            [(None, c) for c in ("Theme", "Priority", "Firearms", "Marking", "Tracing", "After")],
        ),
        ("a | b\n---", [(H, "a | b")]),  # no pipe in the underline: a heading, not a table
        (
            "Before<!-- hidden\ncomment -->after\n\n<!-- open",
            [(None, "Beforeafter"), (None, "<!-- open")],
        ),
        (
            '---\ntitle: "Nota"\nauthor: X\n---\n# Heading\nText',
            [(H, "Heading"), (None, "Text")],
        ),
        (
            "```python\nx = *1*\n\ny = 2\n```\nafter",
            [(None, "x = *1*"), (None, "y = 2"), (None, "after")],
        ),
        (
            "Text[^1] here.\n[^1]: The note.\n[id]: https://x.org",
            [(None, "Text here.\nThe note.")],
        ),
        ('<div align="center">\n<b>Centred</b><br>\n</div>', [(None, "Centred")]),
        ("Hard break  \nnext\\\nlast", [(None, "Hard break\nnext\nlast")]),
    ],
    ids=[
        "atx",
        "setext",
        "atx-levels",
        "hashtag",
        "emphasis-and-code",
        "literal-marks",
        "links-and-images",
        "autolinks-and-entities",
        "escapes",
        "list-markers-kept-and-normalised",
        "rule-after-list-is-no-heading",
        "list-indentation-kept",
        "rules-dropped",
        "blockquotes",
        "table-cells",
        "not-a-table",
        "html-comments",
        "front-matter",
        "fenced-code",
        "footnotes-and-reference-definitions",
        "html-blocks",
        "hard-breaks",
    ],
)
def test_markdown_markup_is_stripped_and_headings_are_blocks(markdown, expected):
    document = _run(extract_markdown, markdown.encode())
    assert _kinds_and_texts(document) == expected


@pytest.mark.parametrize(
    ("markdown", "title"),
    [
        ("---\ntitle: 'Nota técnica'\n---\n# Other", "Nota técnica"),
        ("## Second\n\n# First\n", "First"),
        ("## Only second", "Only second"),
        ("No headings here.", ""),
    ],
)
def test_markdown_title_is_front_matter_else_top_heading(markdown, title):
    assert _run(extract_markdown, markdown.encode()).title == title


def test_markdown_heading_levels_follow_the_markup():
    document = _run(extract_markdown, b"# One\n## Two\nThree\n---\n###   Four ###")
    assert [(b.text, b.level) for b in document.blocks] == [
        ("One", 1),
        ("Two", 2),
        ("Three", 2),
        ("Four", 3),
    ]


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        ("Protection of **victims** and [tracing](https://x.org) of firearms. " * 73_000, 3),
        # Hostile lines: slower, but linear (a quadratic scan of 5 MB takes hours).
        ("[a](" * 1_250_000, 15),
        ("*a _" * 1_250_000, 15),
        ("<a " * 1_666_666, 15),
        ("> " * 2_500_000, 15),
        ("# " + " " * 5_000_000 + "#x", 15),
    ],
    ids=["prose", "open-links", "emphasis", "tags", "quotes", "heading-spaces"],
)
def test_a_five_megabyte_markdown_line_is_read_in_linear_time(line, seconds):
    started = time.perf_counter()
    document = _run(extract_markdown, line.encode(), max_chars=6_000_000)
    assert time.perf_counter() - started < seconds
    assert len(document.blocks) <= 1  # all quote markers leave nothing


# ---------------------------------------------------------------------------------------------
# HTML

PAGE = """<!doctype html><html><head><meta charset="windows-1252">
<title>Submission  on
 firearms</title><meta name="author" content="Red de ONG"></head>
<body><header><nav><a href="/">Home</a></nav><h1>Site banner</h1></header>
<div role="navigation">Menu</div><aside>Related</aside>
<main><article><header><h1>The <em>real</em> title</h1></header>
<p>First   paragraph,
 protecci\xf3n &amp; v\xedctimas.</p>
<p>Line one<br>Line two</p>
<ul><li>Item <b>one</b><ul><li>Nested item</li></ul> tail</li><li><p>Para in item</p></li></ul>
<ol><li>Numbered</li></ol>
<h3>Table</h3>
<table><tr><th>Theme</th><td>Marking of <a href="#">firearms</a></td><td> </td></tr></table>
<blockquote>A quote</blockquote>
<pre>pre line 1
pre line 2

pre para 2</pre>
<div>Div text <p>inner</p> tail text</div>
<script>var x = "<p>no</p>";</script><style>p {}</style><!-- comment --><noscript>JS</noscript>
<form><label>Name</label><input></form><template><p>tpl</p></template>
<p hidden>hidden</p><p style="display: none">gone</p><p aria-hidden="true">aria</p>
<svg><title>svg title</title><text>svg text</text></svg>
</article></main>
<div role="contentinfo">Legal</div><footer>Copyright</footer></body></html>
""".encode("cp1252")

PAGE_BLOCKS = [
    ("heading", 1, "The real title"),
    ("paragraph", 0, "First paragraph, protección & víctimas."),
    (None, 0, "Line one\nLine two"),
    ("list_item", 1, "Item one"),
    ("list_item", 2, "Nested item"),
    ("list_item", 1, "tail"),
    ("list_item", 1, "Para in item"),
    ("list_item", 1, "Numbered"),
    ("heading", 3, "Table"),
    ("paragraph", 0, "Theme"),
    ("paragraph", 0, "Marking of firearms"),
    ("paragraph", 0, "A quote"),
    (None, 0, "pre line 1\npre line 2"),
    (None, 0, "pre para 2"),
    ("paragraph", 0, "Div text"),
    ("paragraph", 0, "inner"),
    ("paragraph", 0, "tail text"),
]


def test_html_keeps_main_content_with_kinds_in_reading_order():
    document = _run(extract_html, PAGE)
    blocks = [(b.kind and str(b.kind), b.level, b.text) for b in document.blocks]
    assert blocks == PAGE_BLOCKS
    assert (document.title, document.metadata) == (
        "Submission on firearms",
        {"author": "Red de ONG"},
    )


@pytest.mark.parametrize(
    ("data", "texts"),
    [
        ("<p>Señora ñandú</p>".encode("utf-16"), ["Señora ñandú"]),
        ("<meta charset=utf-8><p>acción</p>".encode(), ["acción"]),
        # Declared UTF-8 but written in Windows-1252: the bytes win.
        ("<meta charset=utf-8><p>acción</p>".encode("cp1252"), ["acción"]),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            b"<p>\x93quoted\x94 \xe9t\xe9</p>",
            ["“quoted” été"],
        ),
        # Declared Latin-1 but written in UTF-8, as stale templates do: the bytes win.
        ("<meta charset=iso-8859-1><p>acción</p>".encode(), ["acción"]),
        ("<meta charset=windows-1251><p>Привет мир</p>".encode("cp1251"), ["Привет мир"]),
        ("<p>Ro\u0301mulo\u200b and\u00ad so\u202eon</p>".encode(), ["Rómulo and soon"]),
        (b"<p>a\x00b</p>", ["ab"]),
    ],
    ids=[
        "utf16-bom",
        "meta-utf8",
        "mislabelled",
        "http-equiv-latin1",
        "utf8-labelled-latin1",
        "meta-cp1251",
        "cleaned",
        "nul",
    ],
)
def test_html_is_decoded_by_bom_meta_or_sniffing(data, texts):
    assert [block.text for block in _run(extract_html, data).blocks] == texts


@pytest.mark.parametrize(
    ("html", "title", "texts"),
    [
        (
            "<body><article><h1>First</h1><p>one</p></article><div>side</div>"
            "<article><p>two</p></article></body>",
            "First",
            ["First", "one", "two"],
        ),
        ("<body><div role='main'><p>in main</p></div><p>outside</p></body>", "", ["in main"]),
        ("<p>no body tag</p>", "", ["no body tag"]),
        ("<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000, "", ["deep"]),
    ],
    ids=["articles", "role-main", "fragment", "deeply-nested"],
)
def test_html_content_roots(html, title, texts):
    document = _run(extract_html, html.encode())
    assert (document.title, [b.text for b in document.blocks]) == (title, texts)


@pytest.mark.parametrize(
    ("data", "limits", "reason"),
    [
        (bytes(range(256)) * 40, {}, ErrorReason.UNSUPPORTED),
        (b"<p>" + b"x" * 200 + b"</p>", {"max_chars": 100}, ErrorReason.TOO_LARGE),
        (b"<p>small</p>" + b" " * 2000, {"max_chars": 100}, ErrorReason.TOO_LARGE),
    ],
    ids=["binary", "text-over-limit", "markup-over-limit"],
)
def test_html_refuses_binary_and_oversized_pages(data, limits, reason):
    assert _reason(extract_html, data, **limits) is reason


# ---------------------------------------------------------------------------------------------
# E-mail

REPLY = (
    "Dear secretariat,\n\nOur priorities:\n- protect victims\n- trace firearms\n\n"
    "On Mon, 4 Mar 2024, UNODC wrote:\n> Please send your views.\n> Thanks\n\n"
    "Best regards,\nAna\n-- \nAna Pérez | Red de ONG\n+34 600 000 000\n"
)


def test_email_plain_body_drops_quotes_and_signature_and_keeps_attachments():
    attached_docx = factory.submission_docx()
    data = factory.email_bytes(
        plain=REPLY,
        html="<p>HTML rendering that must not be used</p>",
        attachments=(
            (
                "informe.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                attached_docx,
            ),
            ("notas ñ.txt", "text/plain", "Notas en español.\n".encode()),
        ),
    )
    document = _run(extract_email, data)
    assert _kinds_and_texts(document) == [
        (None, "Dear secretariat,"),
        (None, "Our priorities:\n- protect victims\n- trace firearms"),
        (None, "Best regards,\nAna"),
    ]
    assert document.title == "Contribución sobre armas de fuego"
    assert document.metadata == {
        "from": "Ana Pérez <ana@ong.example>",
        "date": "2024-03-05T09:30:00+00:00",
        "subject": "Contribución sobre armas de fuego",
    }
    assert document.attachments == (
        Attachment("informe.docx", attached_docx),
        Attachment("notas ñ.txt", "Notas en español.\n".encode()),
    )


def test_email_html_only_body_goes_through_the_html_extractor():
    html = (
        "<html><body><p>Nuestra <b>prioridad</b>:</p><ul><li>Proteger víctimas</li></ul>"
        "<div class='gmail_signature'>Ana</div>"
        "<div class='gmail_quote'>El lun. escribió:<blockquote>old</blockquote></div>"
        "<blockquote type='cite'>older</blockquote></body></html>"
    )
    document = _run(extract_email, factory.email_bytes(html=html))
    assert _kinds_and_texts(document) == [
        ("paragraph", "Nuestra prioridad:"),
        ("list_item", "Proteger víctimas"),
    ]


@pytest.mark.parametrize(
    ("data", "texts", "metadata"),
    [
        (
            factory.raw_email(
                "Señora, la protección.\r\n".encode("cp1252"),
                content_type="text/plain; charset=windows-1252",
            ),
            ["Señora, la protección."],
            {"from": "ana@ong.example", "date": "not a date", "subject": "Protección"},
        ),
        (
            factory.raw_email(
                "Señora, acción.\r\n".encode("cp1252"), content_type="text/plain; charset=us-ascii"
            ),
            ["Señora, acción."],
            None,
        ),
        (
            factory.raw_email(
                "Acción sin charset.\r\n".encode(), content_type="text/plain; charset=x-unknown"
            ),
            ["Acción sin charset."],
            None,
        ),
        (
            factory.raw_email(
                b"A long line that the client \r\nwrapped for sending.\r\nNew line.\r\n",
                content_type="text/plain; charset=utf-8; format=flowed",
            ),
            ["A long line that the client wrapped for sending.\nNew line."],
            None,
        ),
        (
            factory.raw_email(
                b"Text\r\n\r\n-----Original Message-----\r\nFrom: x\r\nold text\r\n",
                content_type="text/plain",
            ),
            ["Text"],
            None,
        ),
        (
            factory.raw_email(
                b"Text\r\n________________________________\r\nDe : x\r\nold text\r\n",
                content_type="text/plain",
            ),
            ["Text"],
            None,
        ),
        (
            "Subject: Acción ñ\r\nFrom: José <j@x.example>\r\n\r\nCuerpo.".encode("cp1252"),
            ["Cuerpo."],
            {"from": "José <j@x.example>", "subject": "Acción ñ"},
        ),
    ],
    ids=[
        "declared-cp1252",
        "mislabelled-ascii",
        "unknown-charset",
        "format-flowed",
        "outlook-reply",
        "outlook-rule-reply",
        "8bit-headers",
    ],
)
def test_email_text_body_charsets_and_reply_markers(data, texts, metadata):
    document = _run(extract_email, data)
    assert [block.text for block in document.blocks] == texts
    if metadata is not None:
        assert document.metadata == metadata


def test_email_with_only_an_attachment_has_no_blocks_but_the_attachment():
    data = factory.email_bytes(
        plain=None, attachments=(("nota.txt", "text/plain", b"Texto adjunto."),)
    )
    document = _run(extract_email, data)
    assert (document.blocks, document.attachments) == (
        (),
        (Attachment("nota.txt", b"Texto adjunto."),),
    )


def test_email_attachments_skip_inline_images_and_keep_forwarded_messages():
    inner = factory.email_bytes(subject="Forwarded", plain="Inner body.")
    data = factory.email_bytes(
        plain="See below.",
        attachments=(
            ("../../etc/evil\x07.txt", "text/plain", b"x"),
            ("scan.png", "image/png", b"\x89PNG"),
        ),
    )
    # Make a logo inline and attach a whole message, as mail clients do.
    data = data.replace(
        b'Content-Disposition: attachment; filename="scan.png"',
        b'Content-Disposition: inline; filename="scan.png"',
    )
    message = email.message_from_bytes(data, policy=policy.default)
    message.add_attachment(email.message_from_bytes(inner, policy=policy.default))
    document = _run(extract_email, message.as_bytes())
    names = [attachment.filename for attachment in document.attachments]
    assert names == ["evil.txt", "attached-message-4.eml"]
    forwarded = _run(extract_email, document.attachments[1].data)
    assert (forwarded.title, [b.text for b in forwarded.blocks]) == ("Forwarded", ["Inner body."])


def test_email_of_binary_bytes_is_unsupported():
    assert _reason(extract_email, bytes(range(256)) * 40) is ErrorReason.UNSUPPORTED


def test_email_with_a_binary_body_still_gives_its_attachments():
    data = factory.email_bytes(
        plain="placeholder", attachments=(("nota.txt", "text/plain", b"Texto."),)
    )
    message = email.message_from_bytes(data, policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    body.set_content(bytes(range(256)) * 8, maintype="text", subtype="plain")
    document = _run(extract_email, message.as_bytes())
    assert (document.blocks, document.attachments) == ((), (Attachment("nota.txt", b"Texto."),))


# ---------------------------------------------------------------------------------------------
# Through discovery's sniffing and the dispatcher


@pytest.mark.parametrize(
    ("make", "suffix", "kind"),
    [
        (factory.submission_docx, ".docx", "docx"),
        (lambda: SPANISH.encode("cp1252"), ".txt", "text"),
        (lambda: "# Título\n\n- uno".encode("utf-16"), ".md", "markdown"),
        (lambda: PAGE, ".html", "html"),
        (lambda: factory.email_bytes(plain="Hola."), ".eml", "email"),
        (
            lambda: factory.email_bytes(plain=None, attachments=(("a.txt", "text/plain", b"x"),)),
            ".eml",
            "email",
        ),
    ],
    ids=["docx", "cp1252-text", "utf16-markdown", "html", "email", "email-attachment-only"],
)
def test_generated_files_are_sniffed_and_extracted_through_the_dispatcher(make, suffix, kind):
    data = make()
    sniffed = sniff_kind(data[:8192], suffix)
    document = extract_document(data, sniffed, doc_id="d" * 64, source_file=f"file{suffix}")
    assert (str(sniffed), str(document.kind)) == (kind, kind)
    assert document.blocks or document.attachments
