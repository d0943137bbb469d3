"""Deterministic test files for the Word, text, Markdown, HTML and e-mail extractors.

Each generator returns the bytes of one file, built with the library that writes that format
(python-docx, the `email` package) or by hand where a hostile file must be malformed on purpose.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.shared import Pt

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NAMESPACES = (
    f'xmlns:w="{W_NS}" xmlns:mc="{MC_NS}" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
CREATED = dt.datetime(2024, 3, 5, 9, 30, tzinfo=dt.UTC)

# ---------------------------------------------------------------------------------------------
# Word


def docx_bytes(
    build: Callable[[docx.document.Document], None],
    *,
    title: str = "",
    author: str = "",
) -> bytes:
    """A .docx made by python-docx: `build` adds the content; properties are set or blanked."""
    document = docx.Document()
    core = document.core_properties
    core.title, core.author, core.created = title, author, CREATED
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_raw(document: docx.document.Document, xml: str) -> None:
    """Append a raw WordprocessingML block (w:p, w:sdt ...) to the body, before sectPr."""
    document.element.body.sectPr.addprevious(parse_xml(xml))


def raw_paragraph(inner: str, *, properties: str = "") -> str:
    return f"<w:p {NAMESPACES}><w:pPr>{properties}</w:pPr>{inner}</w:p>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def submission_docx() -> bytes:
    """A Spanish NGO submission: title, headings, lists by style and by numbering, a table."""

    def build(document: docx.document.Document) -> None:
        document.add_paragraph("Contribución de la sociedad civil", style="Title")
        document.add_heading("1. Introducción", level=1)
        document.add_paragraph("La organización trabaja con víctimas de trata desde 2010.")
        document.add_paragraph("")  # empty paragraphs are skipped
        document.add_heading("Prioridades", level=2)
        document.add_paragraph("Las prioridades identificadas incluyen:")
        document.add_paragraph("Proteger a las víctimas.", style="List Bullet")
        document.add_paragraph("Marcar las armas de fuego.", style="List Number")
        add_raw(
            document,
            raw_paragraph(
                run("Rastrear los flujos ilícitos."),
                properties='<w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr>',
            ),
        )
        add_raw(
            document,
            raw_paragraph(
                run("Sin numeración."),
                properties='<w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>',
            ),
        )
        table = document.add_table(rows=3, cols=2)
        table.cell(0, 0).text = "Tema"
        table.cell(0, 1).text = "Recomendación"
        table.cell(1, 0).text = "Armas"
        cell = table.cell(1, 1)
        cell.text = "Registro nacional."
        cell.add_paragraph("Cooperación regional.")
        merged = table.cell(2, 0).merge(table.cell(2, 1))
        merged.text = "Fila combinada."
        document.add_paragraph("Texto después de la tabla.")

    return docx_bytes(build, title="Contribución ONG", author="Ana Pérez")


SUBMISSION_BLOCKS = [
    ("heading", 1, "Contribución de la sociedad civil"),
    ("heading", 1, "1. Introducción"),
    ("paragraph", 0, "La organización trabaja con víctimas de trata desde 2010."),
    ("heading", 2, "Prioridades"),
    ("paragraph", 0, "Las prioridades identificadas incluyen:"),
    ("list_item", 1, "Proteger a las víctimas."),
    ("list_item", 1, "Marcar las armas de fuego."),
    ("list_item", 2, "Rastrear los flujos ilícitos."),
    ("paragraph", 0, "Sin numeración."),
    ("paragraph", 0, "Tema"),
    ("paragraph", 0, "Recomendación"),
    ("paragraph", 0, "Armas"),
    ("paragraph", 0, "Registro nacional."),
    ("paragraph", 0, "Cooperación regional."),
    ("paragraph", 0, "Fila combinada."),
    ("paragraph", 0, "Texto después de la tabla."),
]


def markup_docx() -> bytes:
    """Word markup that hides or duplicates text: revisions, fields, content controls, text
    boxes with their VML fallback, a contents entry; custom heading and list styles; line
    breaks and invisible characters."""

    def build(document: docx.document.Document) -> None:
        styles = document.styles
        styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
        outline = styles.add_style("Titre rapport", WD_STYLE_TYPE.PARAGRAPH)
        outline.element.get_or_add_pPr().append(
            parse_xml(f'<w:outlineLvl {NAMESPACES} w:val="0"/>')
        )
        based = styles.add_style("UN Heading", WD_STYLE_TYPE.PARAGRAPH)
        based.base_style = styles["Heading 2"]
        based.font.size = Pt(13)
        document.add_paragraph("Introduction\t3", style="TOC 1")
        document.add_paragraph("Rapport de l’atelier", style="Titre rapport")
        document.add_paragraph("Context", style="UN Heading")
        document.add_paragraph("Por estilo de lista.", style="List Paragraph")
        document.add_paragraph("Second-level bullet.", style="List Bullet 2")
        add_raw(
            document,
            raw_paragraph(
                run("Kept ")
                + f"<w:ins>{run('inserted ')}</w:ins>"
                + "<w:del><w:r><w:delText>deleted </w:delText></w:r></w:del>"
                + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                + '<w:r><w:instrText> HYPERLINK "https://x.org" </w:instrText></w:r>'
                + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                + run("field result")
                + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
                + f"<w:hyperlink>{run(' and link')}</w:hyperlink>"
            ),
        )
        add_raw(
            document,
            f"<w:sdt {NAMESPACES}><w:sdtPr><w:alias w:val='Cover'/></w:sdtPr><w:sdtContent>"
            f"<w:p>{run('Inside a content control.')}</w:p></w:sdtContent></w:sdt>",
        )
        box = f"<w:txbxContent><w:p>{run('Key recommendation in a box.')}</w:p></w:txbxContent>"
        add_raw(
            document,
            raw_paragraph(
                run("Anchor paragraph.")
                + "<w:r><mc:AlternateContent>"
                + f'<mc:Choice Requires="wps"><w:drawing><wps:txbx>{box}</wps:txbx></w:drawing>'
                + "</mc:Choice>"
                + f"<mc:Fallback><w:pict><v:textbox>{box}</v:textbox></w:pict></mc:Fallback>"
                + "</mc:AlternateContent></w:r>"
            ),
        )
        add_raw(
            document,
            raw_paragraph(
                run("Address line one") + "<w:r><w:br/></w:r>" + run("line\u00a0\u00a0two\u200b")
            ),
        )
        add_raw(document, raw_paragraph(run("soft\u00adhyphen and Ro\u0301mulo")))

    return docx_bytes(build)


MARKUP_BLOCKS = [
    ("heading", 1, "Rapport de l’atelier"),
    ("heading", 2, "Context"),
    ("list_item", 1, "Por estilo de lista."),
    ("list_item", 2, "Second-level bullet."),
    ("paragraph", 0, "Kept inserted field result and link"),
    ("paragraph", 0, "Inside a content control."),
    ("paragraph", 0, "Anchor paragraph."),
    ("paragraph", 0, "Key recommendation in a box."),
    ("paragraph", 0, "Address line one\nline two"),
    ("paragraph", 0, "softhyphen and Rómulo"),
]


def macro_enabled_docx() -> bytes:
    """A .docm: a Word package whose main part has the macro-enabled content type."""
    return _rewrite_member(
        submission_docx(),
        "[Content_Types].xml",
        lambda xml: xml.replace(
            b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
        ),
    )


def broken_xml_docx() -> bytes:
    """A .docx whose document.xml is cut off mid-element."""
    return _rewrite_member(submission_docx(), "word/document.xml", lambda xml: xml[: len(xml) // 2])


def _rewrite_member(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return buffer.getvalue()


def zip_bomb_docx(inflated_mb: int = 30) -> bytes:
    """A real .docx plus one member of zeros that inflates to `inflated_mb` MB (~1000:1)."""
    source = zipfile.ZipFile(io.BytesIO(submission_docx()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("word/media/padding.bin", bytes(inflated_mb * 1024 * 1024))
    return buffer.getvalue()


def forged_size_zip_bomb_docx() -> bytes:
    """The zip bomb with its padding member declared as 1 KB in the central directory."""
    data = bytearray(zip_bomb_docx())
    name = b"word/media/padding.bin"
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(name))  # central directory header
    data[entry + 24 : entry + 28] = (1024).to_bytes(4, "little")  # uncompressed size
    return bytes(data)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in members.items():
            target.writestr(name, content)
    return buffer.getvalue()


def junk_zip() -> bytes:
    """A zip with no Word document in it."""
    return zip_of({"notes.txt": b"hello", "data/x.bin": b"\x00\x01"})


def bare_document_zip() -> bytes:
    """A zip with word/document.xml but no content types or relationships: python-docx's
    bare `KeyError`."""
    return zip_of({"word/document.xml": b"<w:document/>"})


def ole_file(*, encrypted: bool) -> bytes:
    """The start of an OLE compound file, as Office writes for .doc and encrypted .docx."""
    stream = "EncryptedPackage" if encrypted else "WordDocument"
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + stream.encode("utf-16-le") + bytes(64)


# ---------------------------------------------------------------------------------------------
# E-mail


def email_bytes(
    *,
    subject: str = "Contribución sobre armas de fuego",
    plain: str | None = None,
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    flowed: bool = False,
) -> bytes:
    """An e-mail built with the `email` package: plain and/or HTML body, then attachments as
    (filename, MIME type, bytes)."""
    message = EmailMessage()
    message["From"] = "Ana Pérez <ana@ong.example>"
    message["To"] = "secretariat@un.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(CREATED)
    if plain is not None:
        params = {"format": "flowed"} if flowed else {}
        message.set_content(plain, params=params)
    if html is not None:
        if plain is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, mime_type, data in attachments:
        maintype, subtype = mime_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def raw_email(body: bytes, *, content_type: str) -> bytes:
    """A single-part e-mail written by hand, so its body bytes can disagree with its header."""
    headers = (
        "From: ana@ong.example\r\n"
        "Subject: =?utf-8?q?Protecci=C3=B3n?=\r\n"
        "Date: not a date\r\n"
        "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return headers.encode("ascii") + body
