"""PDF page layout: positioned words of each page -> `TextBlock`s in reading order.

Engine-independent and pure: a PDF engine turns each page into `Word`s (text, box in points with
the origin at the top left, font size, bold), `page_lines` groups them into `Line`s, and
`layout_document` takes every page's lines and returns the blocks. Keeping all the judgement
here is what makes the pdfium and pdfplumber engines give the same paragraphs.

The steps, each a small function:
1. rows: words sharing a baseline; a row is cut into segments at gaps wider than a space;
2. running headers and footers: rows near the top or bottom of a page that repeat on many
   pages (digits ignored, so changing page numbers match) or that are bare page numbers;
3. columns: a vertical gutter that (almost) no segment crosses splits a page into bands; a band
   with text on both sides is read left column first; lines crossing the gutter (a title) are
   bands of their own, read in their place from top to bottom;
4. paragraphs: a new block starts at a list marker, a change of style or size, a vertical gap
   wider than the usual leading, an indented first line, or after a line that ends early (the
   next word would have fitted). A paragraph runs on across a column or page break when the
   last line is full, the next is not indented, and the sentence visibly goes on (no final
   stop, or the next line starts in lowercase).

Blocks: a list item (bullet glyph, "1.", "2)", "a)", "(iv)"...) loses its marker and keeps the
lines indented under its text; `level` is its nesting by indentation, from 0. A heading is at
most three short lines, larger than body text or all bold when body text is not, not ending in
".,;:"; its `level` ranks its size, 1 for the largest. A number or dash that starts a line in
the middle of a running sentence is taken as text, not as a marker.

Hyphenation (line-end "-", pdfium's U+FFFE, or a soft hyphen): the halves are joined without the
hyphen when the first half is a lowercase or capitalised word ("im-", "Ammuni-") and the next
line starts lowercase, unless the
document itself writes the hyphenated compound mid-line ("cross-border") and never the joined
word; otherwise the hyphen is kept ("Anti-Trafficking", "COVID-19").
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from math import ceil

from pipeline.records import BlockKind, TextBlock


@dataclass(frozen=True, slots=True)
class Word:
    """A word as a PDF engine sees it; `top`/`bottom` grow downwards from the page top."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool


@dataclass(frozen=True, slots=True)
class Line:
    """Words on one baseline of one column (or a segment of a row, before columns are known).

    `bottom` is the typical word's, so one word in another font does not shift the line.

    Only what the paragraph rules need is kept, so a page's words can be dropped early:
    the first word (a possible list marker) and where the text after it starts.
    """

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    row: int
    first: str
    after_first_x0: float


@dataclass(frozen=True, slots=True)
class Column:
    """Lines read top to bottom; `role` names the column's place ("" full width, "l", "r", "lr")."""

    role: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Edges:
    left: float
    right: float


@dataclass(frozen=True, slots=True)
class Style:
    """What body text looks like in this document, to tell headings and gaps apart."""

    body_size: float
    body_bold: bool
    leading: float


@dataclass(frozen=True, slots=True)
class Marker:
    text: str
    numbered: bool
    x0: float
    text_x0: float


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Tokens written mid-line in the document, to settle hyphens at line ends."""

    words: frozenset[str]


# --------------------------------------------------------------------------- rows and lines

# Distances are in font sizes (ems) of the words concerned.
ROW_TOLERANCE = 0.35
SEGMENT_GAP = 0.8
GLUE = 0.15


def page_lines(words: Iterable[Word], page: int) -> tuple[Line, ...]:
    """Group a page's words into row segments; rows are numbered top to bottom."""
    rows = _attach_small_rows(_rows(words))
    lines: list[Line] = []
    for row_number, row in enumerate(rows):
        lines.extend(_line(segment, page, row_number) for segment in _segments(row))
    return tuple(lines)


def _rows(words: Iterable[Word]) -> list[list[Word]]:
    rows: list[list[Word]] = []
    anchor: Word | None = None
    for word in sorted(words, key=lambda w: (w.bottom, w.x0)):
        if anchor is not None and word.bottom - anchor.bottom <= ROW_TOLERANCE * anchor.size:
            rows[-1].append(word)
        else:
            rows.append([word])
            anchor = word
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def _attach_small_rows(rows: list[list[Word]]) -> list[list[Word]]:
    """Put superscripts and subscripts (smaller text inside a line's height) into that line."""
    merged: list[list[Word]] = []
    for row in rows:
        if merged and _is_inside(row, merged[-1]):
            merged[-1] = _insert_small(merged[-1], row)
        elif merged and _is_inside(merged[-1], row):
            merged[-1] = _insert_small(row, merged[-1])
        else:
            merged.append(row)
    return merged


def _insert_small(line: list[Word], small: list[Word]) -> list[Word]:
    """Add raised or lowered words to a line, glued to a word they touch ("crime¹", "CO₂")."""
    inserted = {id(word) for word in small}
    words: list[Word] = []
    for word in sorted(line + small, key=lambda w: w.x0):
        previous = words[-1] if words else None
        touching = previous is not None and word.x0 - previous.x1 < GLUE * previous.size
        if touching and (id(word) in inserted or id(previous) in inserted):
            words[-1] = replace(previous, text=previous.text + word.text, x1=word.x1)
        else:
            words.append(word)
    return words


def _is_inside(small: list[Word], big: list[Word]) -> bool:
    small_size = max(w.size for w in small)
    big_size = max(w.size for w in big)
    if small_size >= 0.85 * big_size:
        return False
    middle = (min(w.top for w in small) + max(w.bottom for w in small)) / 2
    x0, x1 = min(w.x0 for w in big), max(w.x1 for w in big)
    overlaps = any(x0 - big_size <= w.x0 <= x1 + big_size for w in small)
    return overlaps and min(w.top for w in big) <= middle <= max(w.bottom for w in big)


def _segments(row: list[Word]) -> list[list[Word]]:
    """Cut a row at gaps wider than a space, so side-by-side columns stay apart."""
    segments = [[row[0]]]
    for word in row[1:]:
        previous = segments[-1][-1]
        if word.text == previous.text and abs(word.x0 - previous.x0) < 1:
            continue  # fake bold: the same word drawn twice
        if word.x0 - previous.x1 > SEGMENT_GAP * max(word.size, previous.size):
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments


def _line(words: Sequence[Word], page: int, row: int) -> Line:
    sizes: Counter[float] = Counter()
    for word in words:
        sizes[round(word.size * 2) / 2] += len(word.text)
    return Line(
        text=" ".join(word.text for word in words),
        x0=min(word.x0 for word in words),
        x1=max(word.x1 for word in words),
        top=min(word.top for word in words),
        bottom=sorted(word.bottom for word in words)[len(words) // 2],
        size=sizes.most_common(1)[0][0],
        bold=all(word.bold for word in words),
        page=page,
        row=row,
        first=words[0].text,
        after_first_x0=words[1].x0 if len(words) > 1 else words[0].x1,
    )


def merge_lines(lines: Sequence[Line]) -> Line:
    """Join segments of one row (in one column) back into a line."""
    if len(lines) == 1:
        return lines[0]
    ordered = sorted(lines, key=lambda line: line.x0)
    head = ordered[0]
    after = head.after_first_x0 if " " in head.text else ordered[1].x0
    sizes = Counter({line.size: len(line.text) for line in ordered})
    return replace(
        head,
        text=" ".join(line.text for line in ordered),
        x1=max(line.x1 for line in ordered),
        top=min(line.top for line in ordered),
        bottom=max(ordered, key=lambda line: len(line.text)).bottom,
        size=sizes.most_common(1)[0][0],
        bold=all(line.bold for line in ordered),
        after_first_x0=after,
    )


# --------------------------------------------------------------------------- headers, footers

EDGE_ROWS = 3
PAGE_NUMBER_ROWS = 2
REPEAT_SHARE = 0.4

_ROMAN = r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
PAGE_NUMBER = re.compile(
    rf"^(?:(?:page|p\.|pg\.?|pág\.?|página|pagina|seite)\s*)?[-–—|]?\s*(?:\d{{1,4}}|{_ROMAN})\s*"
    rf"(?:(?:of|de|sur|von|/)\s*\d{{1,4}})?\s*[-–—|]?$",
    re.IGNORECASE,
)


def strip_running_lines(pages: Sequence[Sequence[Line]]) -> list[list[Line]]:
    """Drop running headers/footers and page numbers from every page's lines."""
    zones = [_edge_rows(lines) for lines in pages]
    seen: defaultdict[tuple[str, str, float], set[int]] = defaultdict(set)
    for index, page_zones in enumerate(zones):
        for key in page_zones.values():
            seen[key].add(index)
    needed = max(2, ceil(REPEAT_SHARE * len(pages)))
    running = {key for key, where in seen.items() if len(where) >= needed}
    kept: list[list[Line]] = []
    for lines, page_zones in zip(pages, zones, strict=True):
        drop = {row for row, key in page_zones.items() if key in running}
        drop |= _page_number_rows(lines)
        kept.append([line for line in lines if line.row not in drop])
    return kept


def _rows_text(lines: Sequence[Line]) -> dict[int, str]:
    texts: dict[int, list[str]] = defaultdict(list)
    for line in sorted(lines, key=lambda line: (line.row, line.x0)):
        texts[line.row].append(line.text)
    return {row: " ".join(parts) for row, parts in texts.items()}


def _edge_rows(lines: Sequence[Line]) -> dict[int, tuple[str, str, float]]:
    """Keys of the rows nearest the top and bottom: zone, text without numbers, font size.

    The size keeps a page-one title from matching the same words in a small running header.
    """
    texts = _rows_text(lines)
    sizes: dict[int, float] = defaultdict(float)
    for line in lines:
        sizes[line.row] = max(sizes[line.row], line.size)
    rows = sorted(texts)
    zones = {row: ("top", _running_key(texts[row]), sizes[row]) for row in rows[:EDGE_ROWS]}
    zones.update(
        {row: ("bottom", _running_key(texts[row]), sizes[row]) for row in rows[-EDGE_ROWS:]}
    )
    return zones


def _page_number_rows(lines: Sequence[Line]) -> set[int]:
    texts = _rows_text(lines)
    rows = sorted(texts)
    edges = set(rows[:PAGE_NUMBER_ROWS]) | set(rows[-PAGE_NUMBER_ROWS:])
    return {row for row in edges if PAGE_NUMBER.match(texts[row].strip())}


def _running_key(text: str) -> str:
    """Text with numbers blanked, so "Page 3 of 9" on every page is one key."""
    text = re.sub(r"\d+", "#", text.casefold())
    text = re.sub(rf"\b{_ROMAN}\b", "#", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- columns

NARROW = 0.55
COLUMN_LINE = 0.2
MIN_GUTTER = 4.0


def page_columns(lines: Sequence[Line]) -> list[Column]:
    """A page's lines as columns in reading order (single-column pages give one column)."""
    return [Column(role, _merge_rows(part)) for role, part in _split_columns(list(lines), "", 0)]


def _split_columns(lines: list[Line], role: str, depth: int) -> list[tuple[str, list[Line]]]:
    gutter = _gutter(lines) if depth < 2 else None
    if gutter is None:
        return [(role, lines)] if lines else []
    middle = (gutter[0] + gutter[1]) / 2
    parts: list[tuple[str, list[Line]]] = []
    for crossing, band in _bands(lines, middle):
        left = [line for line in band if (line.x0 + line.x1) / 2 < middle]
        right = [line for line in band if (line.x0 + line.x1) / 2 >= middle]
        if crossing or not left or not right:
            parts.append((role, band))
        else:
            parts += _split_columns(left, role + "l", depth + 1)
            parts += _split_columns(right, role + "r", depth + 1)
    return parts


def _gutter(lines: Sequence[Line]) -> tuple[float, float] | None:
    """The widest vertical strip near the middle that at most a few narrow lines cross."""
    if len(lines) < 6:
        return None
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    width = right - left
    narrow = [line for line in lines if line.x1 - line.x0 < NARROW * width]
    if len(narrow) < 4:
        return None
    allowed = max(1, len(narrow) // 20)
    best: tuple[float, float] | None = None
    for start, end in _sparse_strips(narrow, allowed):
        middle = (start + end) / 2
        central = left + 0.25 * width < middle < left + 0.75 * width
        if (
            central
            and end - start >= MIN_GUTTER
            and (best is None or end - start > best[1] - best[0])
        ):
            best = (start, end)
    if best is None or not _two_sided(narrow, best, width):
        return None
    return best


def _sparse_strips(lines: Sequence[Line], allowed: int) -> list[tuple[float, float]]:
    events = sorted([(line.x0, 1) for line in lines] + [(line.x1, -1) for line in lines])
    strips: list[tuple[float, float]] = []
    depth = 0
    start: float | None = None
    for x, step in events:
        depth += step
        if depth <= allowed and start is None:
            start = x
        elif depth > allowed and start is not None:
            strips.append((start, x))
            start = None
    return strips


def _two_sided(lines: Sequence[Line], gutter: tuple[float, float], width: float) -> bool:
    """Text on both sides, side by side, like columns of running text (not a table's cells).

    The right side may be a few lines only (the end of a document) but must start at a common
    left margin; each side needs a line of at least `COLUMN_LINE` of the text width.
    """
    left = [line for line in lines if line.x1 <= gutter[0] + 0.5]
    right = [line for line in lines if line.x0 >= gutter[1] - 0.5]
    if len(left) < 3 or not right:
        return False
    margin = min(line.x0 for line in right)
    if sum(1 for line in right if line.x0 - margin < 2.0) < min(3, len(right)):
        return False
    if not all(any(x.x1 - x.x0 >= COLUMN_LINE * width for x in side) for side in (left, right)):
        return False
    overlap = min(max(x.bottom for x in left), max(x.bottom for x in right)) - max(
        min(x.top for x in left), min(x.top for x in right)
    )
    return overlap > 0


def _bands(lines: Sequence[Line], middle: float) -> list[tuple[bool, list[Line]]]:
    """Cut lines, top to bottom, into runs that cross the gutter and runs that do not."""
    rows: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        rows[line.row].append(line)
    bands: list[tuple[bool, list[Line]]] = []
    for row in sorted(rows):
        crossing = any(line.x0 < middle < line.x1 for line in rows[row])
        if bands and bands[-1][0] == crossing:
            bands[-1][1].extend(rows[row])
        else:
            bands.append((crossing, list(rows[row])))
    return bands


def _merge_rows(lines: Sequence[Line]) -> tuple[Line, ...]:
    rows: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        rows[line.row].append(line)
    return tuple(merge_lines(rows[row]) for row in sorted(rows))


def column_edges(columns: Iterable[Column]) -> dict[tuple[str, int], Edges]:
    """Left margin and right edge of each kind of column across the document.

    Pooling pages keeps a column that holds only short lines from looking full; the right edge
    is a high percentile, so one overlong line (a URL) does not make every other line look short.
    """
    lefts: defaultdict[tuple[str, int], Counter[int]] = defaultdict(Counter)
    rights: defaultdict[tuple[str, int], list[float]] = defaultdict(list)
    for column in columns:
        key = column_key(column)
        for line in column.lines:
            lefts[key][round(line.x0)] += 1
            rights[key].append(line.x1)
    edges = {}
    for key, values in rights.items():
        values.sort()
        right = values[int(0.9 * (len(values) - 1))] if len(values) >= 10 else values[-1]
        edges[key] = Edges(left=float(lefts[key].most_common(1)[0][0]), right=right)
    return edges


def column_key(column: Column) -> tuple[str, int]:
    return column.role, round(min(line.x0 for line in column.lines) / 12)


# --------------------------------------------------------------------------- paragraphs

# Distances are in font sizes (ems) of the line concerned; LEADING-like values are ratios.
HEADING_RATIO = 1.15
SIZE_CHANGE = 0.1
HEADING_MAX_CHARS = 200
HEADING_MAX_LINES = 3
GAP_ALLOWANCE = 0.3
INDENT = 0.8
ALIGN = 0.6
CHAR_WIDTH = 0.55

BULLETS = frozenset("•▪◦–-*·●○■□▫►▸▹➢➤✓✔‣⁃—→❖◆◇") | {"(cid:127)", "(cid:149)", "o"}
GLUED_BULLETS = frozenset("•▪◦·●○■□▫►▸▹➢➤✓✔‣⁃❖◆◇")
DASH_BULLETS = frozenset("–-—*o")
NUMBERED = re.compile(
    rf"^(?:\((?:\d{{1,3}}|[a-z]|{_ROMAN})\)|(?:\d{{1,3}}|[a-z]|{_ROMAN})[.)])$", re.IGNORECASE
)
SENTENCE_END = ".!?…"
NOT_HEADING_END = ".,;:"


def layout_document(pages: Sequence[Sequence[Line]]) -> tuple[TextBlock, ...]:
    """All pages' row segments (from `page_lines`) -> text blocks in reading order."""
    body = strip_running_lines(pages)
    columns = [column for lines in body for column in page_columns(lines) if column.lines]
    if not columns:
        return ()
    lines = [line for column in columns for line in column.lines]
    style = document_style(lines)
    vocabulary = document_vocabulary(lines)
    edges = column_edges(columns)
    groups = _group_lines(columns, edges, style)
    return _blocks(groups, style, vocabulary)


def document_style(lines: Sequence[Line]) -> Style:
    sizes: Counter[float] = Counter()
    bold = 0
    for line in lines:
        sizes[line.size] += len(line.text)
        bold += len(line.text) if line.bold else 0
    body_size = sizes.most_common(1)[0][0]
    ratios = [
        (b.bottom - a.bottom) / a.size
        for a, b in pairwise(lines)
        if a.size == b.size == body_size and 0.9 * a.size < b.bottom - a.bottom < 2.5 * a.size
    ]
    leading = sorted(ratios)[len(ratios) // 2] if ratios else 1.2
    return Style(body_size=body_size, body_bold=bold > sum(sizes.values()) / 2, leading=leading)


def document_vocabulary(lines: Iterable[Line]) -> Vocabulary:
    words = set()
    for line in lines:
        for token in line.text.split()[:-1]:
            words.add(_bare(token))
    return Vocabulary(frozenset(words))


def _bare(token: str) -> str:
    return token.strip(".,;:!?()[]{}\"'«»“”‘’").casefold()


@dataclass(frozen=True, slots=True)
class _Placed:
    """A line with its column's edges and what it starts with."""

    line: Line
    edges: Edges
    column: int
    heading_style: bool
    marker: Marker | None


@dataclass(frozen=True, slots=True)
class _Group:
    lines: tuple[_Placed, ...]

    @property
    def head(self) -> _Placed:
        return self.lines[0]


def _group_lines(
    columns: Sequence[Column], edges: dict[tuple[str, int], Edges], style: Style
) -> list[_Group]:
    groups: list[list[_Placed]] = []
    for number, column in enumerate(columns):
        column_edges_ = edges[column_key(column)]
        for line in column.lines:
            heading = _heading_style(line, style)
            previous = groups[-1][-1] if groups else None
            placed = _Placed(line, column_edges_, number, heading, None)
            placed = replace(placed, marker=_marker(placed, previous, style))
            if groups and not _starts_block(placed, groups[-1], style):
                groups[-1].append(placed)
            else:
                groups.append([placed])
    return [_Group(tuple(group)) for group in groups]


def _heading_style(line: Line, style: Style) -> bool:
    larger = line.size >= HEADING_RATIO * style.body_size
    return larger or (line.bold and not style.body_bold)


def _marker(placed: _Placed, previous: _Placed | None, style: Style) -> Marker | None:
    line = placed.line
    first = line.first
    if _is_bullet(first) or NUMBERED.match(first):
        if " " not in line.text:
            return None
        numbered = not _is_bullet(first)
        if placed.heading_style and numbered:
            return None
        if (numbered or first in DASH_BULLETS) and _mid_sentence(previous, placed):
            return None
        return Marker(first, numbered, line.x0, line.after_first_x0)
    if len(first) > 1 and (first[0] in GLUED_BULLETS or _is_private_use(first[0])):
        return Marker(first[0], False, line.x0, line.x0 + 0.5 * line.size)
    return None


def _is_bullet(token: str) -> bool:
    return token in BULLETS or (len(token) == 1 and _is_private_use(token))


def _is_private_use(char: str) -> bool:
    """Symbol and Wingdings bullets arrive as private-use code points (U+F0B7, U+F0A7...)."""
    return "\ue000" <= char <= "\uf8ff"


def _mid_sentence(previous: _Placed | None, placed: _Placed) -> bool:
    """A number or dash at the start of a line that merely wraps a running sentence."""
    if previous is None or previous.column != placed.column or previous.marker is not None:
        return False
    if _ends_early(previous, placed):
        return False
    last = previous.line.text[-1]
    return last.isalnum() or last == ","


def _starts_block(placed: _Placed, group: list[_Placed], style: Style) -> bool:
    previous = group[-1]
    line, before = placed.line, previous.line
    if placed.heading_style != previous.heading_style or placed.marker is not None:
        return True
    if abs(line.size - before.size) > SIZE_CHANGE * max(line.size, before.size):
        return True  # body text running into footnotes, say
    if placed.heading_style:
        same_size = abs(line.size - before.size) < 0.5
        return not (
            same_size and placed.column == previous.column and not _gap(before, line, style)
        )
    if placed.column != previous.column:
        return not _continues_across(placed, group)
    if _gap(before, line, style) or _ends_early(previous, placed):
        return True
    item = group[0].marker
    if item is not None:
        hanging = abs(line.x0 - item.text_x0) <= ALIGN * line.size
        flush = abs(line.x0 - item.x0) <= ALIGN * line.size
        return not (hanging or flush)
    return line.x0 > before.x0 + INDENT * line.size


def _gap(before: Line, line: Line, style: Style) -> bool:
    size = max(before.size, line.size)
    step = line.bottom - before.bottom
    return step <= 0 or step > (style.leading + GAP_ALLOWANCE) * size


def _ends_early(previous: _Placed, placed: _Placed) -> bool:
    """The next line's first word would have fitted at the end of the previous line."""
    room = previous.edges.right - previous.line.x1
    word = placed.line.text.split()[0]
    return room > (len(word) + 1) * CHAR_WIDTH * placed.line.size


def _continues_across(placed: _Placed, group: list[_Placed]) -> bool:
    """Does a paragraph run on from the end of one column (or page) into the next?"""
    previous = group[-1]
    if _ends_early(previous, placed):
        return False
    item = group[0].marker
    indent = (item.text_x0 - group[0].edges.left) if item is not None else 0.0
    if abs(placed.line.x0 - placed.edges.left - indent) > ALIGN * placed.line.size:
        return False
    text = previous.line.text
    return text[-1] not in SENTENCE_END or placed.line.text[0].islower()


def _blocks(
    groups: Sequence[_Group], style: Style, vocabulary: Vocabulary
) -> tuple[TextBlock, ...]:
    heading_sizes = sorted({g.head.line.size for g in groups if g.head.heading_style}, reverse=True)
    blocks: list[TextBlock] = []
    list_stack: list[float] = []
    for group in groups:
        texts = [placed.line.text for placed in group.lines]
        marker = group.head.marker
        if marker is not None:
            texts[0] = _strip_marker(texts[0], marker)
        text = clean_text(join_lines(texts, vocabulary))
        if not text:
            continue
        page = group.head.line.page
        if marker is not None:
            level = _list_level(list_stack, marker.x0, group.head.line.size)
            blocks.append(TextBlock(text, page=page, kind=BlockKind.LIST_ITEM, level=level))
            continue
        list_stack.clear()
        if group.head.heading_style and _heading_text(text, len(group.lines)):
            level = heading_sizes.index(group.head.line.size) + 1
            blocks.append(TextBlock(text, page=page, kind=BlockKind.HEADING, level=level))
        else:
            blocks.append(TextBlock(text, page=page, kind=BlockKind.PARAGRAPH))
    return tuple(blocks)


def _strip_marker(text: str, marker: Marker) -> str:
    if text.startswith(marker.text + " "):
        return text[len(marker.text) + 1 :]
    return text[len(marker.text) :]


def _list_level(stack: list[float], x0: float, size: float) -> int:
    while stack and x0 < stack[-1] - INDENT * size:
        stack.pop()
    if not stack or x0 > stack[-1] + INDENT * size:
        stack.append(x0)
    return len(stack) - 1


def _heading_text(text: str, line_count: int) -> bool:
    short = len(text) <= HEADING_MAX_CHARS and line_count <= HEADING_MAX_LINES
    return short and text[-1] not in NOT_HEADING_END and any(c.isalpha() for c in text)


# --------------------------------------------------------------------------- text

HYPHENS = "-\u2010\ufffe"
SOFT_HYPHEN = "\u00ad"
LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        "\u00a0": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        SOFT_HYPHEN: "",
    }
)
CID = re.compile(r"\(cid:\d+\)")


def join_lines(texts: Sequence[str], vocabulary: Vocabulary) -> str:
    """Unwrap the lines of one block into one line, mending words hyphenated at line ends."""
    joined = texts[0].rstrip()
    for text in texts[1:]:
        joined = _join(joined, text.strip(), vocabulary)
    return joined


def _join(left: str, right: str, vocabulary: Vocabulary) -> str:
    if not left or not right:
        return left + right
    if left[-1] == SOFT_HYPHEN:
        return left[:-1] + right
    if left[-1] not in HYPHENS or len(left) < 2 or left[-2] == " ":
        return f"{left} {right}"
    stem = left[:-1].split()[-1].lstrip("([{\"'«“‘")
    head = right.split()[0]
    if _drop_hyphen(stem, head, vocabulary):
        return left[:-1] + right
    return left[:-1] + "-" + right


def _drop_hyphen(stem: str, head: str, vocabulary: Vocabulary) -> bool:
    lowercase_tail = stem[1:].islower() or (len(stem) == 1 and stem.islower())
    if not (stem.isalpha() and lowercase_tail and head[:1].islower()):
        return False
    compound = _bare(f"{stem}-{head}")
    return not (compound in vocabulary.words and _bare(stem + head) not in vocabulary.words)


def clean_text(text: str) -> str:
    """Normalise what PDFs leave in text: ligatures, odd spaces, unmapped glyph codes."""
    text = unicodedata.normalize("NFC", text.translate(LIGATURES))
    return " ".join(CID.sub("", text).split())
