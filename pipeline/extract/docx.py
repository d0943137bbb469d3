"""Extract Word: bytes of a .docx file -> a `Document` of paragraphs, headings and list items.

The body is read in order, tables and content controls in their place and text boxes after the
paragraph that anchors them, so the segmenter sees the text as a reader does. Word's styles and
numbering say what a paragraph is: a heading (Heading n, Title, or an outline level) or a list
item (a List style, or numbering). Table-of-contents entries repeat the headings and are dropped.

The zip container is checked before python-docx reads it: python-docx inflates every part into
memory, so a small zip bomb would cost gigabytes before it failed.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import OpcError
from docx.package import Package
from lxml import etree

from pipeline.errors import ExtractionError
from pipeline.extract import ExtractOptions
from pipeline.extract.text import clean_text, collapse_spaces, ensure_within, one_line
from pipeline.records import BlockKind, Document, DocumentKind, ErrorReason, TextBlock

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 50  # text-heavy .docx inflate 5-20 times; bombs inflate thousands of times
MIN_LIMIT = 20 * 1024 * 1024  # below this a high ratio costs nothing
MAX_MEMBERS = 5_000

# Word runs: what each element contributes to the text of a paragraph.
RUN_TEXT = {
    f"{W}t": None,  # its own text
    f"{W}tab": " ",
    f"{W}ptab": " ",
    f"{W}br": "\n",
    f"{W}cr": "\n",
    f"{W}noBreakHyphen": "-",
}
# Subtrees whose text is not the paragraph's: deleted or moved-away revisions, properties,
# text boxes (read as blocks of their own) and the duplicate fallback of new drawing markup.
SKIPPED = {
    f"{W}del",
    f"{W}moveFrom",
    f"{W}pPr",
    f"{W}rPr",
    f"{W}sdtPr",
    f"{W}txbxContent",
    MC_FALLBACK,
}
WRAPPERS = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}moveTo"}
HEADING_NAME = re.compile(r"heading ([1-9])")
LIST_NAMES = ("list bullet", "list number", "list paragraph")
BODY_TEXT_OUTLINE_LEVEL = 9
MAX_STYLE_DEPTH = 20
# Library exceptions that mean "this is not a well-formed Word package".
BROKEN_PACKAGE = (
    OpcError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    zipfile.BadZipFile,
    zlib.error,
    etree.LxmlError,
)


@dataclass(frozen=True, slots=True)
class StyleInfo:
    """What a paragraph style says about its paragraphs, with inherited properties resolved."""

    heading_level: int = 0
    list_level: int = 0
    table_of_contents: bool = False


def inflation_limit(size: int) -> int:
    """Bytes a .docx of `size` bytes may inflate to: 50 times its size, within 20-200 MB."""
    return min(MAX_UNCOMPRESSED, max(MIN_LIMIT, MAX_RATIO * size))


def check_package(data: bytes) -> None:
    """Refuse what python-docx must not open: legacy or encrypted Office files, damaged zips,
    packages with no Word document, and zips that inflate far beyond their size.

    The sizes checked are those the zip declares. A member declared smaller than its compressed
    data is a lie (deflate never shrinks data that way round) and is refused; a subtler lie
    is left to the per-file memory limit of the process that runs the extractor.
    """
    if data.startswith(OLE_MAGIC):
        raise _ole_error(data)
    limit = inflation_limit(len(data))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise ExtractionError(
            ErrorReason.CORRUPT,
            f"not a readable .docx: the zip container is damaged ({one_line(err)})",
        ) from err
    if len(members) > MAX_MEMBERS:
        raise ExtractionError(
            ErrorReason.TOO_LARGE, f"{len(members):,} parts in the zip; a .docx has dozens"
        )
    if not any(member.filename.startswith("word/") for member in members):
        raise ExtractionError(
            ErrorReason.CORRUPT, "a zip file but not a Word document (no word/document.xml)"
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise ExtractionError(
            ErrorReason.ENCRYPTED, "the zip is password-protected; save an unprotected copy"
        )
    if any(_declared_too_small(member) for member in members):
        raise ExtractionError(
            ErrorReason.CORRUPT, "the zip declares part sizes smaller than their data (forged)"
        )
    total = sum(member.file_size for member in members)
    if total > limit:
        raise ExtractionError(
            ErrorReason.TOO_LARGE,
            f"the .docx would inflate to {total / 1e6:,.0f} MB from {len(data) / 1e3:,.0f} KB "
            f"(limit {limit / 1e6:,.0f} MB); a zip bomb or a document padded with huge parts",
        )


def _declared_too_small(member: zipfile.ZipInfo) -> bool:
    """Deflate expands incompressible data by well under 1%; more than that is a forged size."""
    return member.compress_size > member.file_size + member.file_size // 100 + 1024


def _ole_error(data: bytes) -> ExtractionError:
    if ENCRYPTED_PACKAGE in data:
        return ExtractionError(
            ErrorReason.ENCRYPTED,
            "a password-protected Word file; save an unprotected copy as .docx",
        )
    return ExtractionError(
        ErrorReason.UNSUPPORTED, "an old-format Word .doc (or other OLE) file; save it as .docx"
    )


def open_package(data: bytes) -> Package:
    """python-docx's package for a checked .docx; its errors become `ExtractionError`s."""
    check_package(data)
    try:
        package = Package.open(io.BytesIO(data))
        content_type = package.main_document_part.content_type
    except (*BROKEN_PACKAGE, RecursionError) as err:
        raise _broken(err) from err
    if content_type != CT.WML_DOCUMENT_MAIN:
        raise ExtractionError(
            ErrorReason.UNSUPPORTED,
            f"a Word template or macro-enabled file ({content_type}); save it as .docx",
        )
    return package


def _broken(err: BaseException) -> ExtractionError:
    return ExtractionError(
        ErrorReason.CORRUPT,
        f"not a readable .docx: python-docx failed with {type(err).__name__}: {one_line(err)}",
    )


def extract_docx(
    data: bytes, *, doc_id: str, source_file: str, options: ExtractOptions
) -> Document:
    """A .docx file -> its body's blocks in reading order, titled and dated from its properties."""
    package = open_package(data)
    try:
        document = package.main_document_part.document
        styles = style_infos(document.styles.element)
        blocks = tuple(container_blocks(document.element.body, styles))
        metadata = _core_metadata(package)
    except (*BROKEN_PACKAGE, RecursionError) as err:
        raise _broken(err) from err
    ensure_within(sum(len(block.text) for block in blocks), options.max_chars)
    first_heading = next((b.text for b in blocks if b.kind is BlockKind.HEADING), "")
    return Document(
        doc_id=doc_id,
        source_file=source_file,
        kind=DocumentKind.DOCX,
        title=metadata.pop("title", "") or first_heading,
        blocks=blocks,
        metadata=metadata,
    )


def _core_metadata(package: Package) -> dict[str, str]:
    """Title, author and creation date from docProps/core.xml, when the file has one.

    (python-docx invents a core part titled "Word Document" when it is missing.)
    """
    try:
        package.part_related_by(RT.CORE_PROPERTIES)
    except KeyError:
        return {}
    core = package.core_properties
    found = {
        "title": collapse_spaces(clean_text(core.title or "")),
        "author": collapse_spaces(clean_text(core.author or "")),
        "created": core.created.isoformat() if core.created else "",
    }
    return {key: value for key, value in found.items() if value}


# ---------------------------------------------------------------------------------------------
# Styles


def style_infos(styles_element: etree._Element) -> dict[str, StyleInfo]:
    """Paragraph style id -> what it makes a paragraph; the key "" is the default style."""
    raw = {
        style.get(f"{W}styleId", ""): style
        for style in styles_element.iterchildren(f"{W}style")
        if style.get(f"{W}type") == "paragraph"
    }
    infos = {style_id: _style_info(style_id, raw) for style_id in raw}
    default = next(
        (sid for sid, style in raw.items() if style.get(f"{W}default") in ("1", "true")), None
    )
    infos[""] = infos.get(default, StyleInfo()) if default else StyleInfo()
    return infos


def _style_info(style_id: str, raw: dict[str, etree._Element]) -> StyleInfo:
    """Resolve one style along `basedOn`: a style based on "heading 2" is a heading too."""
    heading_level = list_level = 0
    seen: set[str] = set()
    current: etree._Element | None = raw[style_id]
    while current is not None and len(seen) < MAX_STYLE_DEPTH:
        seen.add(current.get(f"{W}styleId", ""))
        name = _val(current.find(f"{W}name")).lower()
        ppr = current.find(f"{W}pPr")
        heading_level = heading_level or _named_heading_level(name) or _outline_heading_level(ppr)
        list_level = list_level or _list_style_level(name) or _numbering_level(ppr)
        parent = _val(current.find(f"{W}basedOn"))
        current = raw.get(parent) if parent not in seen else None
    own_name = _val(raw[style_id].find(f"{W}name")).lower()
    return StyleInfo(
        heading_level=heading_level,
        list_level=list_level,
        table_of_contents=own_name.startswith("toc "),
    )


def _named_heading_level(name: str) -> int:
    heading = HEADING_NAME.fullmatch(name)
    return int(heading.group(1)) if heading else 1 if name == "title" else 0


def _list_style_level(name: str) -> int:
    if not name.startswith(LIST_NAMES):
        return 0
    suffix = name.rsplit(" ", 1)[-1]
    return int(suffix) if suffix.isdecimal() else 1


def _val(element: etree._Element | None) -> str:
    return "" if element is None else element.get(f"{W}val", "")


def _outline_heading_level(ppr: etree._Element | None) -> int:
    """`w:outlineLvl` 0-8 makes a heading of level 1-9 (custom and localised heading styles)."""
    level = _val(None if ppr is None else ppr.find(f"{W}outlineLvl"))
    if level.isdecimal() and int(level) < BODY_TEXT_OUTLINE_LEVEL:
        return int(level) + 1
    return 0


def _numbering_level(ppr: etree._Element | None) -> int:
    """1 + `w:ilvl` when `w:numPr` numbers the paragraph; numId 0 means numbering removed."""
    numbering = None if ppr is None else ppr.find(f"{W}numPr")
    if numbering is None or _val(numbering.find(f"{W}numId")) in ("", "0"):
        return 0
    level = _val(numbering.find(f"{W}ilvl"))
    return int(level) + 1 if level.isdecimal() else 1


# ---------------------------------------------------------------------------------------------
# Body


def container_blocks(
    container: etree._Element, styles: dict[str, StyleInfo]
) -> Iterator[TextBlock]:
    """Blocks of a body, table cell, text box or content control, in document order."""
    for child in container.iterchildren():
        if child.tag == f"{W}p":
            yield from _paragraph_blocks(child, styles)
        elif child.tag == f"{W}tbl":
            yield from _table_blocks(child, styles)
        elif child.tag in WRAPPERS:
            yield from container_blocks(child, styles)


def _table_blocks(table: etree._Element, styles: dict[str, StyleInfo]) -> Iterator[TextBlock]:
    """One block per non-empty paragraph of each cell, row by row; merged cells once."""
    for row in _unwrapped(table, f"{W}tr"):
        for cell in _unwrapped(row, f"{W}tc"):
            yield from container_blocks(cell, styles)


def _unwrapped(parent: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Children with `tag`, looking through content controls and custom XML around them."""
    for child in parent.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag in WRAPPERS:
            yield from _unwrapped(child, tag)


def _paragraph_blocks(
    paragraph: etree._Element, styles: dict[str, StyleInfo]
) -> Iterator[TextBlock]:
    """The paragraph's own block (unless empty or a contents entry), then its text boxes."""
    ppr = paragraph.find(f"{W}pPr")
    style = styles.get(_val(None if ppr is None else ppr.find(f"{W}pStyle")), styles[""])
    text = _block_text(paragraph)
    if text and not style.table_of_contents:
        heading_level = _outline_heading_level(ppr) or style.heading_level
        list_level = _numbering_level(ppr) or style.list_level
        if heading_level:
            yield TextBlock(" ".join(text.split("\n")), kind=BlockKind.HEADING, level=heading_level)
        elif list_level:
            yield TextBlock(text, kind=BlockKind.LIST_ITEM, level=list_level)
        else:
            yield TextBlock(text, kind=BlockKind.PARAGRAPH)
    for box in _text_boxes(paragraph):
        yield from container_blocks(box, styles)


def _block_text(paragraph: etree._Element) -> str:
    """Cleaned text, one line per manual line break, spaces collapsed within lines."""
    raw = clean_text("".join(_run_text(paragraph)))
    return "\n".join(line for line in map(collapse_spaces, raw.split("\n")) if line)


def _run_text(element: etree._Element) -> Iterator[str]:
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in SKIPPED:
            continue
        if tag in RUN_TEXT:
            replacement = RUN_TEXT[tag]
            yield (child.text or "") if replacement is None else replacement
        else:
            yield from _run_text(child)


def _text_boxes(paragraph: etree._Element) -> Iterator[etree._Element]:
    """Text box contents anchored in this paragraph, skipping the VML fallback copies."""
    for box in paragraph.iter(f"{W}txbxContent"):
        nearest = next(
            ancestor
            for ancestor in box.iterancestors()
            if ancestor is paragraph or ancestor.tag in (MC_FALLBACK, f"{W}txbxContent")
        )
        if nearest is paragraph:
            yield box
