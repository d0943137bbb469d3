"""Regenerate the binary and encoded sample submissions in ``corpora/samples/``.

Run from anywhere (paths are resolved from this file):

    python scripts/make_samples.py            # writes into corpora/samples/
    python scripts/make_samples.py --out DIR  # writes the same files into DIR

Needs reportlab and python-docx. The texts live in ``corpora/samples_src/`` and are the
only thing to edit; the generated PDF, .docx, Windows-1252 .txt and .eml files in
``corpora/samples/`` are rebuilt from them. The hand-written samples (.md, .html and the
UTF-8 .txt files) are kept directly in ``corpora/samples/`` and are not touched here.

Source format (one file per generated sample): a front matter of ``key: value`` lines
ended by a line ``---``, then a small Markdown subset: ``#``/``##``/``###`` headings,
paragraphs separated by blank lines, ``- `` bullet items, ``1. `` numbered items
(indented lines continue an item) and ``| a | b |`` table rows (the first row is the
header).

The output is deterministic: fixed document dates and metadata, reportlab's
``invariant=1``, fixed .docx core properties and zip timestamps, a fixed MIME boundary.
A rerun gives the same bytes with the same library versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
SRC_DIR = ROOT / "corpora" / "samples_src"
OUT_DIR = ROOT / "corpora" / "samples"

# Zip entries of .docx files get this timestamp instead of "now".
ZIP_TIMESTAMP = (2026, 1, 1, 0, 0, 0)


# --------------------------------------------------------------------------- parsing


@dataclass
class Block:
    kind: str  # heading | paragraph | bullet | number | table
    text: str = ""
    level: int = 0  # heading level
    marker: str = ""  # "1." for numbered items
    rows: list[list[str]] = field(default_factory=list)  # table rows, header first


_HEADING = re.compile(r"(#{1,3})\s+(.*)")
_BULLET = re.compile(r"[-•–]\s+(.*)")
_NUMBER = re.compile(r"(\d+[.)])\s+(.*)")


def read_source(path: Path) -> tuple[dict[str, str], str]:
    """Split a source file into its front matter and its body text."""
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    if not sep:
        raise ValueError(f"{path.name}: no '---' line ending the front matter")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    return meta, body


def parse_blocks(body: str) -> list[Block]:
    """Parse the Markdown subset described in the module docstring."""
    blocks: list[Block] = []
    current: Block | None = None  # the paragraph or list item still taking lines
    for line in body.splitlines():
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if m := _HEADING.fullmatch(stripped):
            blocks.append(Block("heading", m[2], level=len(m[1])))
            current = None
        elif stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if all(c and set(c) <= set("-:") for c in cells):
                continue  # the |---|---| separator under the header row
            if blocks and blocks[-1].kind == "table" and current is None:
                blocks[-1].rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
            current = None
        elif current is not None and current.kind in ("bullet", "number") and line[0] in " \t":
            current.text += " " + stripped
        elif m := _BULLET.fullmatch(stripped):
            current = Block("bullet", m[1])
            blocks.append(current)
        elif m := _NUMBER.fullmatch(stripped):
            current = Block("number", m[2], marker=m[1])
            blocks.append(current)
        elif current is not None:
            current.text += " " + stripped
        else:
            current = Block("paragraph", stripped)
            blocks.append(current)
    return blocks


def fixed_datetime(meta: dict[str, str]) -> dt.datetime:
    """The document's date from its front matter, at 09:00 UTC."""
    return dt.datetime.combine(dt.date.fromisoformat(meta["date"]), dt.time(9, 0))


# --------------------------------------------------------------------------- PDF

# Break points for long words in the two-column PDF, in the style of TeX's hyphenation
# exceptions. Narrow justified columns then hyphenate some words across line breaks, as
# real reports do; an explicit list keeps the breaks correct and the output stable.
HYPHENATION_EXCEPTIONS = """
    ad-min-is-tra-tive am-mu-ni-tion bal-lis-tic com-bine com-mer-cial-ly con-ceal-ment
    co-op-er-a-tion co-or-di-na-tor de-ac-ti-vat-ed dem-on-strat-ed de-signs en-force-ment
    equip-ment es-tab-lish in-con-sis-tent-ly in-for-ma-tion in-tel-li-gence
    in-ter-na-tion-al in-ves-ti-ga-tive in-ves-ti-ga-tions in-ves-ti-ga-tors lab-o-ra-to-ries
    leg-is-la-tion man-u-fac-tured man-u-fac-tur-er man-u-fac-tur-ing or-ga-ni-za-tions
    par-tic-i-pants pre-sen-ta-tions pros-e-cu-tion pros-e-cu-tors rec-om-men-da-tions
    reg-is-ters sup-ple-ment-ing trac-ing traf-fick-ing com-mis-sions con-fer-ence
    de-scribed en-crypt-ed crim-i-nal-ise op-er-a-tions prac-ti-cal gov-ern-ment
    pro-to-col rep-re-sen-ta-tive dis-cus-sions ob-jec-tives fo-rum
"""
_HYPHENATION = {w.replace("-", ""): w for w in HYPHENATION_EXCEPTIONS.split()}


def hyphenate(word: str):
    """reportlab hyphenator: yield (head, tail) splits of ``word``, longest head first."""
    pattern = _HYPHENATION.get(word.lower())
    if not pattern:
        return
    cuts, pos = [], 0
    for part in pattern.split("-")[:-1]:
        pos += len(part)
        cuts.append(pos)
    for cut in reversed(cuts):
        yield word[:cut], word[cut:]


def _pdf_styles(
    *,
    body_font: str,
    body_size: float,
    leading: float,
    justify: bool,
    hyphenator: Callable | None = None,
):
    from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle(
        "body",
        fontName=body_font,
        fontSize=body_size,
        leading=leading,
        alignment=TA_JUSTIFY if justify else TA_LEFT,
        spaceAfter=leading * 0.45,
        hyphenationLang=hyphenator or "",
    )
    return {
        "body": body,
        "bullet": ParagraphStyle(
            "bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=leading * 0.25
        ),
        "number": ParagraphStyle(
            "number", parent=body, leftIndent=16, bulletIndent=0, spaceAfter=leading * 0.3
        ),
        "h1": ParagraphStyle(
            "h1",
            fontName="Helvetica-Bold",
            fontSize=body_size + 1.5,
            leading=leading + 2,
            spaceBefore=leading * 0.6,
            spaceAfter=leading * 0.35,
            keepWithNext=1,
        ),
        "h2": ParagraphStyle(
            "h2",
            fontName="Helvetica-Bold",
            fontSize=body_size,
            leading=leading,
            spaceBefore=leading * 0.4,
            spaceAfter=leading * 0.2,
            keepWithNext=1,
        ),
        "title": ParagraphStyle(
            "title", fontName="Helvetica-Bold", fontSize=18, leading=22, spaceAfter=6
        ),
        "subtitle": ParagraphStyle(
            "subtitle", fontName="Helvetica", fontSize=12.5, leading=16, spaceAfter=6
        ),
        "meta": ParagraphStyle("meta", fontName="Helvetica-Oblique", fontSize=9.5, leading=12.5),
    }


def _pdf_title_flowables(meta: dict[str, str], styles) -> list:
    from reportlab.platypus import HRFlowable, Paragraph, Spacer

    out = [Paragraph(escape(meta["title"]), styles["title"])]
    if meta.get("subtitle"):
        out.append(Paragraph(escape(meta["subtitle"]), styles["subtitle"]))
    for line in meta.get("meta", "").split(" | "):
        if line:
            out.append(Paragraph(escape(line), styles["meta"]))
    out += [Spacer(1, 6), HRFlowable(width="100%", thickness=0.8), Spacer(1, 4)]
    return out


def _pdf_body_flowables(blocks: list[Block], styles, bullet: str) -> list:
    from reportlab.platypus import Paragraph

    out = []
    for b in blocks:
        if b.kind == "heading":
            out.append(Paragraph(escape(b.text), styles["h1" if b.level == 1 else "h2"]))
        elif b.kind == "paragraph":
            out.append(Paragraph(escape(b.text), styles["body"]))
        elif b.kind == "bullet":
            out.append(Paragraph(escape(b.text), styles["bullet"], bulletText=bullet))
        elif b.kind == "number":
            out.append(Paragraph(escape(b.text), styles["number"], bulletText=b.marker))
        else:
            raise ValueError(f"PDF samples do not support {b.kind!r} blocks")
    return out


def _pdf_doc_args(meta: dict[str, str]) -> dict:
    return dict(
        title=meta["title"],
        author=meta["author"],
        subject=meta.get("subject", ""),
        creator="UNTOC submissions pipeline - scripts/make_samples.py",
        invariant=1,  # fixed creation date and document ID: same bytes on every run
    )


def build_pdf_two_columns(src: Path, out: Path) -> None:
    """Report layout: running header, two columns, page number in the footer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        FrameBreak,
        NextPageTemplate,
        PageTemplate,
    )

    meta, body = read_source(src)
    styles = _pdf_styles(
        body_font="Times-Roman", body_size=10.5, leading=13.5, justify=True, hyphenator=hyphenate
    )
    width, height = A4
    margin, gutter, top, bottom, title_h = 20 * mm, 8 * mm, 24 * mm, 22 * mm, 52 * mm
    col_w = (width - 2 * margin - gutter) / 2

    def columns(body_top: float) -> list:
        h = body_top - bottom
        return [
            Frame(margin, bottom, col_w, h, id="left", leftPadding=0, rightPadding=0),
            Frame(
                margin + col_w + gutter, bottom, col_w, h, id="right", leftPadding=0, rightPadding=0
            ),
        ]

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.setFillGray(0.35)
        canvas.drawString(margin, height - 14 * mm, meta["header"])
        canvas.setLineWidth(0.4)
        canvas.line(margin, height - 15.5 * mm, width - margin, height - 15.5 * mm)
        canvas.drawCentredString(width / 2, 12 * mm, str(doc.page))
        canvas.restoreState()

    first_top = height - top - title_h
    title_frame = Frame(
        margin, first_top, width - 2 * margin, title_h, id="title", leftPadding=0, rightPadding=0
    )
    doc = BaseDocTemplate(str(out), pagesize=A4, **_pdf_doc_args(meta))
    doc.addPageTemplates(
        [
            PageTemplate("first", [title_frame, *columns(first_top - 4 * mm)], onPage=decorate),
            PageTemplate("later", columns(height - top), onPage=decorate),
        ]
    )
    story = [NextPageTemplate("later"), *_pdf_title_flowables(meta, styles), FrameBreak()]
    story += _pdf_body_flowables(parse_blocks(body), styles, meta.get("bullet", "•"))
    doc.build(story)


def build_pdf_one_column(src: Path, out: Path) -> None:
    """Letter layout: one column, footer with a short title and the page number."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    meta, body = read_source(src)
    styles = _pdf_styles(body_font="Helvetica", body_size=10.5, leading=14.5, justify=False)
    width, _ = A4

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.setFillGray(0.35)
        canvas.drawString(25 * mm, 12 * mm, meta["footer"])
        canvas.drawRightString(width - 25 * mm, 12 * mm, f"Página {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=22 * mm,
        bottomMargin=24 * mm,
        lang="es",
        **_pdf_doc_args(meta),
    )
    story = _pdf_title_flowables(meta, styles)
    story += _pdf_body_flowables(parse_blocks(body), styles, meta.get("bullet", "•"))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


# --------------------------------------------------------------------------- DOCX


def _restarted_list_number(doc) -> int:
    """A new numbering instance of the "List Number" style that starts again at 1.

    Without it, every numbered list in a python-docx document continues the numbering
    of the previous one, which Word users never see in real documents.
    """
    numbering = doc.part.numbering_part.element
    style_num_id = doc.styles["List Number"].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(style_num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return num.numId


def build_docx(src: Path, out: Path) -> None:
    """Word document with Title, Heading 1/2, List Bullet, List Number and a table."""
    import docx

    meta, body = read_source(src)
    doc = docx.Document()
    props = doc.core_properties
    when = fixed_datetime(meta)
    props.title, props.author, props.last_modified_by = (
        meta["title"],
        meta["author"],
        meta["author"],
    )
    props.created = props.modified = when
    props.revision = 1
    props.subject = props.keywords = props.comments = props.category = ""
    props.language = meta.get("language", "")

    doc.add_heading(meta["title"], level=0)
    if meta.get("subtitle"):
        doc.add_paragraph(meta["subtitle"], style="Subtitle")
    num_id, previous = None, None
    for b in parse_blocks(body):
        if b.kind == "heading":
            doc.add_heading(b.text, level=b.level)
        elif b.kind == "paragraph":
            doc.add_paragraph(b.text)
        elif b.kind == "bullet":
            doc.add_paragraph(b.text, style="List Bullet")
        elif b.kind == "number":
            if previous != "number":
                num_id = _restarted_list_number(doc)
            p = doc.add_paragraph(b.text, style="List Number")
            num_pr = p._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = num_id
        elif b.kind == "table":
            header, *rows = b.rows
            table = doc.add_table(rows=1, cols=len(header), style="Table Grid")
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.paragraphs[0].add_run(text).bold = True
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        else:
            raise ValueError(f"{src.name}: .docx samples do not support {b.kind!r} blocks")
        previous = b.kind
    buffer = io.BytesIO()
    doc.save(buffer)
    out.write_bytes(_normalise_zip(buffer.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes (python-docx stamps "now")."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- text and e-mail


def build_cp1252_text(src: Path, out: Path) -> None:
    """Plain text saved the way an old Windows editor would: Windows-1252 with CRLF."""
    text = src.read_text(encoding="utf-8")
    with out.open("w", encoding="cp1252", newline="\r\n") as f:
        f.write(text)


def build_eml(src: Path, out: Path) -> None:
    """An e-mail with a plain-text body and one text attachment (named in the front matter)."""
    meta, body = read_source(src)
    msg = EmailMessage(policy=default_policy)
    for key in ("from", "to", "cc", "subject", "date", "message-id"):
        if meta.get(key):
            msg[key.title() if key != "message-id" else "Message-ID"] = meta[key]
    msg.set_content(body.strip() + "\n")
    name = meta["attachment"]
    msg.add_attachment(
        (SRC_DIR / name).read_bytes(),
        maintype="text",
        subtype="plain",
        filename=name,
        params={"charset": "utf-8"},
    )
    msg.set_boundary("=_untoc-sample-boundary-0001")  # the default one is random
    out.write_bytes(msg.as_bytes())


# --------------------------------------------------------------------------- registry

# Generated sample -> (source in corpora/samples_src/, builder).
SAMPLES: dict[str, tuple[str, Callable[[Path, Path], None]]] = {
    "firearms_workshop_report_2026.pdf": (
        "firearms_workshop_report_2026.md",
        build_pdf_two_columns,
    ),
    "ngo_submission_environmental_crime.docx": (
        "ngo_submission_environmental_crime.md",
        build_docx,
    ),
    "contribucion_sociedad_civil_trata.pdf": (
        "contribucion_sociedad_civil_trata.md",
        build_pdf_one_column,
    ),
    "relatoria_taller_mineria_ilegal.docx": ("relatoria_taller_mineria_ilegal.md", build_docx),
    "notes_reunion_migrantes_2026.txt": ("notes_reunion_migrantes_2026.txt", build_cp1252_text),
    "submission_email.eml": ("submission_email.md", build_eml),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=OUT_DIR,
        help="folder to write the generated samples to (default: corpora/samples)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, (source, build) in SAMPLES.items():
        target = args.out / name
        build(SRC_DIR / source, target)
        print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
