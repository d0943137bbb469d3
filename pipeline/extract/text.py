"""Extract plain text and Markdown: bytes of a .txt or .md file -> a `Document` of text blocks.

Blocks are separated by blank lines and keep their single newlines and indentation: in pasted
notes a newline may be a wrap or a break between paragraphs and list items, and only the
segmenter, which sees the words, can tell which. Markdown loses its markup but keeps list
markers at line starts for the same reason; its headings become blocks of their own.

The decoding and cleaning helpers here are shared by the HTML, e-mail and Word extractors.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.entities import html5

import charset_normalizer

from pipeline.errors import ExtractionError
from pipeline.extract import ExtractOptions
from pipeline.records import BlockKind, Document, DocumentKind, ErrorReason, TextBlock

# ---------------------------------------------------------------------------------------------
# Decoding

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that in practice mean Windows-1252, as browsers and mail clients read them.
WINDOWS_1252_ALIASES = {"ascii", "latin-1", "iso8859-1", "cp1252"}
# A UTF-8 sequence that is valid and more than one byte long.
UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
SAMPLE_CHARS = 100_000
HIGH_BYTES = bytes(range(0x80, 0x100))
# Above this share of non-ASCII letters, a Windows-1252 reading is another code page misread
# (Cyrillic in cp1251 reads as all-accented Latin); Spanish and French stay far below it.
MAX_NON_ASCII_LETTER_SHARE = 0.3


def decode_text(data: bytes, *, declared: str | None = None) -> str:
    """Bytes of a text file -> str, choosing the encoding from evidence, strongest first.

    A byte-order mark wins, then UTF-16 recognised by its NUL bytes, then strict UTF-8, then
    UTF-8 mixed with stray Windows-1252 bytes, then a `declared` charset (HTML meta, e-mail
    header) if the bytes fit it, then Windows-1252, then charset-normalizer's guess. UTF-8
    goes before the declaration because pages and mails labelled Latin-1 are often UTF-8,
    while text in a legacy code page is almost never valid UTF-8 by accident. Raises
    `ExtractionError(UNSUPPORTED)` for bytes that are no text in any of these.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    utf16 = sniff_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    body = _without_nuls(data)
    text = (
        _decode_strict(body, "utf-8")
        or _decode_mixed_utf8(body)
        or _decode_declared(body, declared)
        or _decode_windows_1252(body)
        or _decode_guessed(body)
    )
    if text is None or _looks_binary(text):
        raise ExtractionError(
            ErrorReason.UNSUPPORTED,
            "not text in any known encoding (looks like a binary file); "
            "convert it to PDF, .docx or UTF-8 text",
        )
    return text


def sniff_utf16(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for BOM-less UTF-16, told by NULs in every other byte.

    Latin-script UTF-16 has a NUL high byte in nearly every code unit, and ordinary text has
    none, so the pattern is safe to trust; CJK UTF-16 without a BOM is not recognised.
    """
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > half * 0.5 and even_nuls < half * 0.1:
        return "utf-16-le"
    if even_nuls > half * 0.5 and odd_nuls < half * 0.1:
        return "utf-16-be"
    return None


def _without_nuls(data: bytes) -> bytes:
    """Drop NUL bytes: stray ones and the NUL padding a crash leaves; many NULs mean binary."""
    body = data.rstrip(b"\x00")
    if body.count(0) > max(8, len(body) // 20):
        raise ExtractionError(
            ErrorReason.UNSUPPORTED,
            "not text: the file is full of NUL bytes (a binary file)",
        )
    return body.replace(b"\x00", b"")


def _canonical_codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    if name.startswith(("utf-16", "utf-32")):
        return None  # a charset label readable as ASCII cannot be true of UTF-16 bytes
    return "cp1252" if name in WINDOWS_1252_ALIASES else name


def _decode_declared(data: bytes, declared: str | None) -> str | None:
    codec = _canonical_codec(declared)
    return _decode_strict(data, codec) if codec else None


def _decode_strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _cp1252_bytes(err: UnicodeDecodeError) -> tuple[str, int]:
    bad = err.object[err.start : err.end]
    return bad.decode("cp1252", errors="replace"), err.end


codecs.register_error("untoc-cp1252", _cp1252_bytes)


def _decode_mixed_utf8(data: bytes) -> str | None:
    """UTF-8 with a few stray Windows-1252 bytes (a file edited by two programs).

    Taken only when valid multi-byte sequences cover most non-ASCII bytes, so that a pure
    Windows-1252 file never has its rare UTF-8-like byte pairs misread.
    """
    high = len(data) - len(data.translate(None, HIGH_BYTES))
    covered = sum(map(len, UTF8_MULTIBYTE.findall(data)))
    if not covered or covered * 2 < high:
        return None
    return data.decode("utf-8", errors="untoc-cp1252")


def _decode_windows_1252(data: bytes) -> str | None:
    text = _decode_strict(data, "cp1252")
    if text is None:
        return None
    letters = [char for char in text[:SAMPLE_CHARS] if char.isalpha()]
    non_ascii = sum(1 for char in letters if not char.isascii())
    if letters and non_ascii > len(letters) * MAX_NON_ASCII_LETTER_SHARE:
        return None
    return text


def _decode_guessed(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return None if best is None else str(best)


BINARY_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1c-\x1f]")


def _looks_binary(text: str) -> bool:
    controls = len(BINARY_CONTROLS.findall(text))
    return controls > max(8, len(text) // 100)


# ---------------------------------------------------------------------------------------------
# Cleaning

NEWLINES = str.maketrans(
    {"\x0b": "\n", "\x0c": "\n\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n"}
)
# Bidi overrides and isolates (which can disguise text), zero-width and other invisible format
# characters (which split words for the classifier), and control characters.
INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f\x80-\x84\x86-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]+"
)


def clean_text(text: str) -> str:
    """Newlines to `\\n`, Unicode to NFC, and invisible or control characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(NEWLINES)
    text = INVISIBLE.sub("", text)
    return unicodedata.normalize("NFC", text)


def collapse_spaces(line: str) -> str:
    """Runs of spaces, tabs and no-break spaces -> one space; ends trimmed."""
    return " ".join(line.split())


def collapse_keeping_indent(line: str) -> str:
    """Like `collapse_spaces`, but a line's indentation stays: the segmenter reads a hanging
    indent as the continuation of a list item."""
    body = collapse_spaces(line)
    indent = len(line) - len(line.lstrip(" \t\u00a0"))
    return " " * indent + body if body else ""


def text_blocks(text: str) -> tuple[TextBlock, ...]:
    """Cleaned text -> one block per run of non-blank lines, single newlines kept."""
    return tuple(TextBlock("\n".join(lines)) for lines in _line_groups(text.split("\n")))


def _line_groups(lines: list[str]) -> Iterator[list[str]]:
    group: list[str] = []
    for raw in lines:
        line = collapse_keeping_indent(raw)
        if line:
            group.append(line)
        elif group:
            yield group
            group = []
    if group:
        yield group


def ensure_within(chars: int, limit: int) -> None:
    """Refuse text longer than the configured limit, saying how to take it anyway."""
    if chars > limit:
        raise ExtractionError(
            ErrorReason.TOO_LARGE,
            f"{chars:,} characters of text is over the {limit:,} limit "
            "(raise max_chars in untoc.toml to take it)",
        )


def ensure_bytes_within(size: int, limit: int, *, bytes_per_char: int) -> None:
    """Refuse a file too big to hold at most `limit` characters, before decoding or parsing it."""
    if size // bytes_per_char > limit:
        raise ExtractionError(
            ErrorReason.TOO_LARGE,
            f"{size / 1e6:,.1f} MB is more than the {limit:,}-character limit can hold "
            "(raise max_chars in untoc.toml to take it)",
        )


def one_line(text: object, *, limit: int = 240) -> str:
    """A library's error message fit for one cell of errors.csv: one line, bounded."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def read_text(data: bytes, *, max_chars: int) -> str:
    """Bytes -> decoded, cleaned text, refusing text over `max_chars` before and after decoding."""
    ensure_bytes_within(len(data), max_chars, bytes_per_char=4)  # UTF-32's worst case
    text = clean_text(decode_text(data))
    ensure_within(len(text), max_chars)
    return text


def guess_title(blocks: tuple[TextBlock, ...]) -> str:
    """The first line when it reads like a title: short and not ending like a sentence."""
    if not blocks:
        return ""
    first = blocks[0].text.split("\n", 1)[0].strip()
    return first if len(first) <= 120 and not first.endswith((".", ",", ";", ":")) else ""


def extract_text(
    data: bytes, *, doc_id: str, source_file: str, options: ExtractOptions
) -> Document:
    """A plain-text file -> blocks separated by blank lines, for the segmenter to split."""
    blocks = text_blocks(read_text(data, max_chars=options.max_chars))
    return Document(
        doc_id=doc_id,
        source_file=source_file,
        kind=DocumentKind.TEXT,
        title=guess_title(blocks),
        blocks=blocks,
    )


# ---------------------------------------------------------------------------------------------
# Markdown

# Backslash-escaped punctuation is hidden in a private-use plane while markup is stripped, so
# that `\*` or `\#` stay literal, and restored at the end.
ESCAPE_BASE = 0xF0000
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
UNESCAPE = {ESCAPE_BASE + code: chr(code) for code in range(0x21, 0x7F)}

ATX_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*))?")
SETEXT_1 = re.compile(r" {0,3}=+[ \t]*")
SETEXT_2 = re.compile(r" {0,3}-+[ \t]*")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
QUOTE_MARKER = re.compile(r"[ \t]{0,3}>[ \t]?")
BULLET = re.compile(r"[ \t]*[-*+](?:[ \t]+(?:\[[ xX]\][ \t]+)?|$)")
ORDERED = re.compile(r"[ \t]*(\d{1,9}[.)])(?:[ \t]+|$)")
REFERENCE_DEFINITION = re.compile(r" {0,3}\[[^\]^]+\]:[ \t]*\S")
FOOTNOTE_DEFINITION = re.compile(r" {0,3}\[\^[^\]]+\]:[ \t]*")
TABLE_DELIMITER = re.compile(
    r"[ \t]*+\|?[ \t]*+:?-++:?[ \t]*+(?:\|[ \t]*+:?-++:?[ \t]*+)*+\|?[ \t]*+"
)

# Inline patterns: every repeated part is bounded by a character it cannot cross and made
# possessive, so a 5 MB line with thousands of unclosed brackets stays linear.
CODE_SPAN = re.compile(r"(`[^`]*+`)")
LINK_TARGET = r"\((?:[^()\s]|\([^()\s]*+\))*+(?:[ \t]+\"[^\"]*+\")?\)"
IMAGE = re.compile(r"!\[[^\[\]]*+\](?:" + LINK_TARGET + r"|\[[^\[\]]*+\])")
LINK = re.compile(r"\[([^\[\]]*+)\](?:" + LINK_TARGET + r"|\[[^\[\]]*+\])")
FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\[\]\s]*+\]")
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]*+)>")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*+(?:\s[^<>]*+)?/?>")
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Emphasis marks are dropped when they touch a word; `a * b` keeps its star and `snake_case`
# its underscore. Line edges count as spaces.
STARS = re.compile(r"(?<=[^\s*])\*++|(?<!\*)\*++(?=\S)")
TILDES = re.compile(r"(?<=[^\s~])~~++|(?<!~)~~++(?=\S)")
UNDERSCORES = re.compile(
    r"(?<=[^\s\w])_++|(?<!_)_++(?=[^\s\w])|(?<!\S)_++(?=\S)|(?<=[^\s_])_++(?!\S)"
)


def strip_inline(line: str) -> str:
    """One line of Markdown -> its plain text: no code, emphasis, link or image markup."""
    parts = CODE_SPAN.split(line)
    for index in range(0, len(parts), 2):
        parts[index] = _strip_inline_markup(parts[index])
    for index in range(1, len(parts), 2):
        parts[index] = parts[index].strip("`")
    return collapse_spaces("".join(parts))


def _strip_inline_markup(text: str) -> str:
    for trigger, pattern, replacement in INLINE_MARKUP:
        if trigger in text:  # most lines have no markup: skip the scan
            text = pattern.sub(replacement, text)
    return text.replace("`", "").removesuffix("\\")


def _entity(match: re.Match[str]) -> str:
    """`&amp;` -> `&`, exactly: `html.unescape` would read `&nothing;` as `¬hing;`."""
    entity = match.group()
    if entity.startswith("&#"):
        return html.unescape(entity)
    return html5.get(entity[1:], entity)


# (a character the pattern needs, pattern, replacement), in the order they must run.
INLINE_MARKUP = (
    ("[", IMAGE, ""),
    ("[", LINK, r"\1"),
    ("[", FOOTNOTE_REFERENCE, ""),
    ("<", AUTOLINK, r"\1"),
    ("<", HTML_TAG, " "),
    ("*", STARS, ""),
    ("~~", TILDES, ""),
    ("_", UNDERSCORES, ""),
    ("&", ENTITY, _entity),
)


@dataclass
class _MarkdownBlocks:
    """Collects blocks while Markdown is read line by line."""

    blocks: list[TextBlock] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    last_is_item: bool = False

    def add_line(self, line: str, *, item: bool = False) -> None:
        if line:
            self.lines.append(line)
            self.last_is_item = item

    def flush(self) -> None:
        if self.lines:
            self.blocks.append(TextBlock(_unescape("\n".join(self.lines))))
        self.lines = []
        self.last_is_item = False

    def heading(self, text: str, level: int) -> None:
        self.flush()
        text = _unescape(text)
        if text:
            self.blocks.append(TextBlock(text, kind=BlockKind.HEADING, level=level))

    def paragraph_pending(self) -> bool:
        return bool(self.lines) and not self.last_is_item


def _unescape(text: str) -> str:
    return text.translate(UNESCAPE)


def markdown_blocks(text: str) -> tuple[str, tuple[TextBlock, ...]]:
    """Cleaned Markdown -> (front-matter title, blocks): headings apart, markup stripped."""
    text = ESCAPED.sub(lambda match: chr(ESCAPE_BASE + ord(match.group(1))), text)
    title, lines = _split_front_matter(drop_html_comments(text).split("\n"))
    out = _MarkdownBlocks()
    index = 0
    fence = ""
    while index < len(lines):
        line = lines[index]
        index += 1
        if fence:
            fence = _read_code_line(out, line, fence)
            continue
        line = _strip_quote_markers(line)
        if FENCE.match(line):
            out.flush()
            fence = FENCE.match(line).group(1)
        elif "|" in line and _is_table_delimiter(lines, index):
            index = _read_table(out, lines, index - 1)
        else:
            _read_line(out, line)
    out.flush()
    return _unescape(title), tuple(out.blocks)


def _read_code_line(out: _MarkdownBlocks, line: str, fence: str) -> str:
    """A line inside a fenced code block: kept as text; returns the fence still open, or ''."""
    stripped = line.strip()
    if stripped.startswith(fence) and not stripped.strip(fence[0]):
        out.flush()
        return ""
    if stripped:
        out.add_line(_unescape(collapse_spaces(line)))
    else:
        out.flush()
    return fence


def _read_line(out: _MarkdownBlocks, line: str) -> None:
    if not line.strip():
        out.flush()
        return
    heading = ATX_HEADING.fullmatch(line)
    if heading:
        text = _without_closing_hashes(heading.group(2) or "")
        out.heading(strip_inline(text), len(heading.group(1)))
    elif out.paragraph_pending() and SETEXT_1.fullmatch(line):
        _setext(out, 1)
    elif out.paragraph_pending() and SETEXT_2.fullmatch(line):
        _setext(out, 2)
    elif _is_rule(line):
        out.flush()
    elif REFERENCE_DEFINITION.match(line):
        return
    else:
        _read_text_line(out, line)


def _read_text_line(out: _MarkdownBlocks, line: str) -> None:
    """A list item or a line of a paragraph; indentation stays, as in plain text, because the
    segmenter reads an indented line under a list item as that item's continuation."""
    indent = " " * (len(line) - len(line.lstrip(" \t")))
    bullet = BULLET.match(line)
    ordered = ORDERED.match(line)
    footnote = FOOTNOTE_DEFINITION.match(line)
    if bullet:
        rest = strip_inline(line[bullet.end() :])
        out.add_line(f"{indent}- {rest}" if rest else "", item=True)
    elif ordered:
        rest = strip_inline(line[ordered.end() :])
        out.add_line(f"{indent}{ordered.group(1)} {rest}" if rest else "", item=True)
    elif footnote:
        out.add_line(strip_inline(line[footnote.end() :]))
    else:
        text = strip_inline(line)
        out.add_line(indent + text if text else "")


def _setext(out: _MarkdownBlocks, level: int) -> None:
    text = " ".join(line.strip() for line in out.lines)
    out.lines = []
    out.heading(text, level)


def _without_closing_hashes(text: str) -> str:
    """`## Title ##` -> `Title`; a string scan, as a regex here is quadratic on long space runs."""
    text = text.rstrip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        return bare.rstrip()
    return text


def _is_table_delimiter(lines: list[str], index: int) -> bool:
    """A `| --- | :-: |` row under a header row starts a pipe table."""
    return (
        index < len(lines)
        and "|" in lines[index]
        and TABLE_DELIMITER.fullmatch(lines[index]) is not None
    )


def _is_rule(line: str) -> bool:
    marks = line.replace(" ", "").replace("\t", "")
    return len(marks) >= 3 and marks[0] in "-*_" and marks == marks[0] * len(marks)


def _strip_quote_markers(line: str) -> str:
    """`> > text` -> `text`; positions, not repeated slicing, so `> ` * 10**6 stays linear."""
    position = 0
    while marker := QUOTE_MARKER.match(line, position):
        position = marker.end()
    return line[position:]


def _read_table(out: _MarkdownBlocks, lines: list[str], start: int) -> int:
    """A pipe table from `start`: one block per non-empty cell; returns the next line index."""
    out.flush()
    index = start
    while index < len(lines) and "|" in lines[index]:
        if index != start + 1:  # the delimiter row
            for cell in _table_cells(lines[index]):
                out.add_line(cell)
                out.flush()
        index += 1
    return index


def _table_cells(row: str) -> Iterator[str]:
    row = row.strip()
    row = row.removeprefix("|").removesuffix("|")
    for cell in row.split("|"):
        text = strip_inline(cell)
        if text:
            yield text


def drop_html_comments(text: str) -> str:
    """Remove closed `<!-- ... -->` comments in one pass; an unclosed one is left as text."""
    pieces = []
    position = 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        pieces.append(text[position:start])
        position = end + 3
    pieces.append(text[position:])
    return "".join(pieces)


FRONT_MATTER_TITLE = re.compile(r"title[ \t]*[:=][ \t]*(.*)", re.IGNORECASE)


def _split_front_matter(lines: list[str]) -> tuple[str, list[str]]:
    """YAML (`---`) or TOML (`+++`) front matter -> its title, and the lines after it."""
    if not lines or lines[0].strip() not in ("---", "+++"):
        return "", lines
    fence = lines[0].strip()
    closers = ("---", "...") if fence == "---" else ("+++",)
    for end in range(1, min(len(lines), 200)):
        if lines[end].strip() in closers:
            return _front_matter_title(lines[1:end]), lines[end + 1 :]
    return "", lines


def _front_matter_title(lines: list[str]) -> str:
    for line in lines:
        match = FRONT_MATTER_TITLE.fullmatch(line.strip())
        if match:
            return collapse_spaces(match.group(1).strip().strip("\"'"))
    return ""


def markdown_title(front_matter_title: str, blocks: tuple[TextBlock, ...]) -> str:
    """Front matter title, else the first top-level heading, else the first heading."""
    headings = [block for block in blocks if block.kind is BlockKind.HEADING]
    top = [block for block in headings if block.level == 1]
    return front_matter_title or next((block.text for block in top or headings), "")


def extract_markdown(
    data: bytes, *, doc_id: str, source_file: str, options: ExtractOptions
) -> Document:
    """A Markdown file -> headings and blocks of plain text, list markers kept."""
    front_title, blocks = markdown_blocks(read_text(data, max_chars=options.max_chars))
    return Document(
        doc_id=doc_id,
        source_file=source_file,
        kind=DocumentKind.MARKDOWN,
        title=markdown_title(front_title, blocks),
        blocks=blocks,
    )
