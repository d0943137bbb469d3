"""Extract HTML: bytes of a web page or HTML e-mail body -> a `Document` of text blocks.

Page furniture (navigation, banners, footers, scripts, forms) is dropped and, when the page
marks its content with <main> or <article>, only that is read. Headings and list items keep
their kind; a block broken by <br> goes to the segmenter as lines, like plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from bs4.exceptions import ParserRejectedMarkup

from pipeline.errors import ExtractionError
from pipeline.extract import ExtractOptions
from pipeline.extract.text import (
    clean_text,
    collapse_spaces,
    decode_text,
    ensure_bytes_within,
    ensure_within,
    one_line,
    text_blocks,
)
from pipeline.records import BlockKind, Document, DocumentKind, ErrorReason, TextBlock

DROPPED_TAGS = {
    "script",
    "style",
    "noscript",
    "nav",
    "footer",
    "aside",
    "form",
    "template",
    "svg",
    "iframe",
    "object",
    "embed",
    "canvas",
    "button",
    "select",
    "textarea",
    "video",
    "audio",
}
DROPPED_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
# Quoted replies and signatures in HTML mail (Gmail, Thunderbird); also <blockquote type=cite>.
EMAIL_NOISE_CLASSES = {"gmail_quote", "gmail_signature", "moz-cite-prefix", "moz-signature"}
HEADINGS = {f"h{level}": level for level in range(1, 7)}
BLOCK_TAGS = {
    *HEADINGS,
    "address",
    "article",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "header",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
LIST_CONTAINERS = {"ul", "ol", "dl", "table", "tr", "td", "th"}
META_CHARSET = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
SPACES = re.compile(r"\s+")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# Bytes of markup per character of text we are willing to parse before calling a page too large.
MAX_MARKUP_RATIO = 10


@dataclass(frozen=True, slots=True)
class HtmlText:
    """What an HTML page says: its title, its blocks, and author/date where it names them."""

    title: str
    blocks: tuple[TextBlock, ...]
    metadata: dict[str, str] = field(default_factory=dict)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag within its first 4 KB, if any."""
    match = META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def decode_html(data: bytes) -> str:
    """Bytes of a page -> str: BOM, UTF-8, the <meta> charset if the bytes fit it, sniffing."""
    return decode_text(data, declared=declared_charset(data))


def html_blocks(markup: str, *, email_quotes: bool = False) -> HtmlText:
    """Decoded HTML -> title, blocks in reading order and metadata.

    `email_quotes=True` also drops the quoted replies and signatures mail clients mark.
    Raises `ExtractionError(CORRUPT)` when the parser gives up on the markup.
    """
    try:
        soup = BeautifulSoup(markup.replace("\x00", ""), "lxml")
        title = _title(soup)
        metadata = _metadata(soup)
        blocks = tuple(
            block
            for root in _content_roots(soup)
            for block in _walk(root, partial(_is_furniture, root=root, email_quotes=email_quotes))
        )
    except (ParserRejectedMarkup, RecursionError, ValueError) as err:
        raise ExtractionError(
            ErrorReason.CORRUPT,
            f"the HTML could not be parsed ({type(err).__name__}: {one_line(err)})",
        ) from err
    first_h1 = next((b.text for b in blocks if b.kind is BlockKind.HEADING and b.level == 1), "")
    return HtmlText(title=title or first_h1, blocks=blocks, metadata=metadata)


def _title(soup: BeautifulSoup) -> str:
    title = soup.head.find("title") if soup.head else None  # not an <svg>'s <title>
    return collapse_spaces(clean_text(title.get_text())) if title else ""


def _metadata(soup: BeautifulSoup) -> dict[str, str]:
    """Author and date from the usual <meta> names, where the page gives them."""
    wanted = {
        "author": "author",
        "dc.creator": "author",
        "date": "date",
        "dc.date": "date",
        "dcterms.created": "date",
        "article:published_time": "date",
    }
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        name = str(meta.get("name") or meta.get("property") or "").lower()
        content = collapse_spaces(clean_text(str(meta.get("content") or "")))
        if name in wanted and content:
            found.setdefault(wanted[name], content)
    return found


def _is_furniture(tag: Tag, *, root: Tag, email_quotes: bool) -> bool:
    """Page furniture: skipped while walking, as `decompose` costs O(depth) a tag in bs4."""
    attrs = tag.attrs
    if tag.name in DROPPED_TAGS or attrs.get("role") in DROPPED_ROLES:
        return True
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    if HIDDEN_STYLE.search(str(attrs.get("style", ""))):
        return True
    # A <header> inside <article> or <main> holds the title of the content, not the site's.
    if tag.name == "header" and root.name in ("body", "[document]"):
        return True
    return email_quotes and _is_email_noise(tag)


def _is_email_noise(tag: Tag) -> bool:
    if tag.name == "blockquote" and tag.get("type") == "cite":
        return True
    return any(name in EMAIL_NOISE_CLASSES for name in tag.get_attribute_list("class"))


def _content_roots(soup: BeautifulSoup) -> list[Tag]:
    """<main>, else the outermost <article>s, else <body>, else the whole document.

    One pass in document order; an article's subtree ends at the node that follows it, so
    nested articles are recognised without walking up from each one.
    """
    articles: list[Tag] = []
    inside, end = False, None
    for node in soup.descendants:
        if inside and node is end:
            inside = False
        if not isinstance(node, Tag):
            continue
        if node.name == "main" or node.get("role") == "main":
            return [node]
        if node.name == "article" and not inside:
            articles.append(node)
            inside, end = True, _following(node)
    return articles or [soup.body or soup]


def _following(tag: Tag) -> object | None:
    """The first node after `tag`'s subtree in document order, or None at the end."""
    node: Tag | None = tag
    while node is not None:
        if node.next_sibling is not None:
            return node.next_sibling
        node = node.parent
    return None


@dataclass
class _Context:
    """The block being filled: its kind, how many lists enclose it, and its text so far."""

    kind: BlockKind | None
    level: int = 0
    preformatted: bool = False
    lists: int = 0
    pieces: list[str] = field(default_factory=list)


def _walk(root: Tag, skip: Callable[[Tag], bool]) -> Iterator[TextBlock]:
    """Depth-first over `root` without recursion (pages nest thousands of <div>s deep),
    leaving out the subtrees `skip` names."""
    stack: list[tuple[Tag, Iterator[object], _Context]] = []
    context = _Context(BlockKind.PARAGRAPH)
    stack.append((root, iter(root.children), context))
    while stack:
        tag, children, context = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if tag.name in BLOCK_TAGS:
                yield from _flush(context)
            continue
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctypes, CDATA
                text = str(node)
                context.pieces.append(text if context.preformatted else SPACES.sub(" ", text))
        elif isinstance(node, Tag) and not skip(node):
            if node.name == "br":
                context.pieces.append("\n")
            elif node.name in BLOCK_TAGS:
                yield from _flush(context)
                stack.append((node, iter(node.children), _child_context(node, context)))
            else:
                stack.append((node, iter(node.children), context))


def _child_context(tag: Tag, parent: _Context) -> _Context:
    """Headings and list items pass their kind to the paragraphs inside them; cells reset it."""
    name = tag.name
    lists = parent.lists + (name in ("ul", "ol"))
    if name in HEADINGS:
        return _Context(BlockKind.HEADING, level=HEADINGS[name], lists=lists)
    if name == "li":
        return _Context(BlockKind.LIST_ITEM, level=max(1, lists), lists=lists)
    if name == "pre":
        return _Context(parent.kind, level=parent.level, preformatted=True, lists=lists)
    if name in LIST_CONTAINERS or parent.kind is BlockKind.PARAGRAPH:
        return _Context(BlockKind.PARAGRAPH, lists=lists)
    return _Context(parent.kind, level=parent.level, preformatted=parent.preformatted, lists=lists)


def _flush(context: _Context) -> Iterator[TextBlock]:
    """Emit what a block has gathered, then start it afresh (text may follow a nested block)."""
    if not context.pieces:
        return
    raw = clean_text("".join(context.pieces))
    context.pieces = []
    if context.preformatted:
        yield from text_blocks(raw)
        return
    lines = [line for line in (collapse_spaces(part) for part in raw.split("\n")) if line]
    if not lines:
        return
    if context.kind is BlockKind.HEADING:
        yield TextBlock(" ".join(lines), kind=BlockKind.HEADING, level=context.level)
    elif len(lines) > 1 and context.kind is BlockKind.PARAGRAPH:
        yield TextBlock("\n".join(lines))  # lines broken by <br>: the segmenter decides
    else:
        yield TextBlock("\n".join(lines), kind=context.kind, level=context.level)


def extract_html(
    data: bytes, *, doc_id: str, source_file: str, options: ExtractOptions
) -> Document:
    """An HTML file -> the blocks of its main content, titled by <title> or its first <h1>."""
    ensure_bytes_within(len(data), options.max_chars, bytes_per_char=MAX_MARKUP_RATIO)
    page = html_blocks(decode_html(data))
    ensure_within(sum(len(block.text) for block in page.blocks), options.max_chars)
    return Document(
        doc_id=doc_id,
        source_file=source_file,
        kind=DocumentKind.HTML,
        title=page.title,
        blocks=page.blocks,
        metadata=page.metadata,
    )
