"""Deterministic test PDFs made with reportlab, and the text each one should yield.

Each generator returns the bytes of one PDF. The `*_BLOCKS` tables list the blocks an extractor
should produce from the matching PDF, in reading order, as `(kind, text)` pairs; kinds are the
`BlockKind` values as plain strings so this module needs nothing from the pipeline.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    ListFlowable,
    ListItem,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 2.5 * cm

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=13, spaceAfter=7)
TITLE = ParagraphStyle(
    "title", fontName="Helvetica-Bold", fontSize=17, leading=21, spaceAfter=12, alignment=TA_CENTER
)
HEADING = ParagraphStyle(
    "heading", fontName="Helvetica-Bold", fontSize=12.5, leading=16, spaceBefore=8, spaceAfter=6
)
LARGE_BODY = ParagraphStyle("large", parent=BODY, fontSize=11, leading=15, spaceAfter=9)

Spec = Sequence[tuple[str, object]]
"""A document as data: ("title" | "heading" | "p", text), ("bullets" | "numbers", [texts])."""

# --------------------------------------------------------------------------- single column

SINGLE_COLUMN_TITLE = "Civil Society Submission on the Implementation of the Convention"
SINGLE_COLUMN_HEADER = "UNTOC Review Mechanism — Constructive dialogue with stakeholders"

SINGLE_COLUMN_SPEC: Spec = (
    ("title", SINGLE_COLUMN_TITLE),
    ("heading", "1. Introduction"),
    (
        "p",
        "This submission is presented by a coalition of non-governmental organizations working "
        "on the prevention of organized crime in Central America and the Caribbean. It draws on "
        "consultations held with survivors, front-line workers, prosecutors and labour "
        "inspectors between January and September of the reporting period.",
    ),
    (
        "p",
        "The coalition welcomes the opportunity to contribute to the review of the implementation "
        "of the United Nations Convention against Transnational Organized Crime and its Protocols. "
        "Our members have documented how organized criminal groups adapt their methods to changes "
        "in border controls, online platforms and labour markets, and how victims are too often "
        "treated as offenders rather than as rights holders who need protection and assistance.",
    ),
    ("heading", "2. Trafficking in persons"),
    (
        "p",
        "Recruitment for forced labour increasingly takes place through social media "
        "advertisements that promise well-paid seasonal work abroad. Once at destination, "
        "workers have their identity documents confiscated and are told that they owe large "
        "debts for transport and accommodation, which are then used to keep them in servitude.",
    ),
    (
        "p",
        "The key priorities identified by the participants in the national consultation include "
        "the following measures:",
    ),
    (
        "bullets",
        [
            "Ensure that victims of trafficking are not punished for offences they were compelled "
            "to commit as a direct consequence of being trafficked.",
            "Fund specialised shelters and long-term assistance, including legal aid and "
            "psychological support, for women and children.",
            "Train labour inspectors to identify indicators of forced labour in agriculture, "
            "fishing and domestic work.",
        ],
    ),
    (
        "p",
        "Several participants stressed that cross-border cooperation between labour inspectorates "
        "remains weak, and that information on recruitment agencies is rarely shared between "
        "countries of origin and destination.",
    ),
    ("heading", "3. Firearms and ammunition"),
    (
        "p",
        "Illicit flows of firearms, their parts and components and ammunition continue to fuel "
        "armed violence in the region. Weapons diverted from legal stockpiles are sold to "
        "criminal groups, and poorly marked firearms are very difficult to trace once they have "
        "been recovered at a crime scene.",
    ),
    (
        "p",
        "Civil society organizations recommend that States Parties take the following steps "
        "within the next review cycle:",
    ),
    (
        "numbers",
        [
            "Establish national registers that record every import, export and transfer of "
            "firearms and keep those records for at least twenty years.",
            "Mark firearms at the time of manufacture and import with a unique marking that "
            "identifies the country and the manufacturer.",
            "Strengthen the security of State stockpiles and destroy surplus weapons under "
            "independent verification.",
        ],
    ),
    ("heading", "4. Smuggling of migrants"),
    (
        "p",
        "Smuggling networks charge migrants fees that have doubled since the introduction of new "
        "border controls, and they increasingly use dangerous sea routes in overcrowded boats. "
        "Unaccompanied minors in transit are particularly exposed to violence, extortion and "
        "recruitment by the same criminal groups that organize the journeys, and many of them "
        "disappear before they can be identified and referred to child protection services. "
        "Humanitarian organizations that provide water, food and medical care along the routes "
        "report that their staff are sometimes investigated for facilitating irregular entry, "
        "although the Protocol makes clear that only smuggling for a financial or other material "
        "benefit should be criminalised by States Parties.",
    ),
    (
        "p",
        "We therefore urge the Conference of the Parties to recall that smuggled migrants must "
        "not become liable to criminal prosecution for the fact of having been the object of "
        "smuggling, and to ensure that search and rescue operations are never treated as a crime.",
    ),
    ("heading", "5. Environmental crime"),
    (
        "p",
        "Illegal logging and wildlife trafficking generate large profits for organized criminal "
        "groups with little risk of prosecution. Timber of illegal origin is laundered through "
        "legitimate supply chains, and the proceeds are invested in property and transport "
        "companies in the capital.",
    ),
    (
        "p",
        "Stronger controls on the supply chains of timber, fish and precious metals, together "
        "with financial investigations that follow the money, would make these crimes far less "
        "attractive to the groups that organize them.",
    ),
    ("heading", "6. Money laundering and confiscation"),
    (
        "p",
        "Financial intelligence units in the region receive thousands of suspicious transaction "
        "reports every year, but very few of them lead to investigations of organized criminal "
        "groups. Prosecutors told us that they lack the specialised training and the software "
        "needed to analyse complex financial flows through shell companies, real estate and "
        "cash-intensive businesses such as car washes, restaurants and currency exchange offices.",
    ),
    (
        "p",
        "Confiscated assets could be used to fund assistance to victims and prevention programmes "
        "in the communities most affected by organized crime. Only two countries in the region "
        "have adopted legislation that allows the social reuse of confiscated property, and in "
        "both cases the procedures remain slow and opaque.",
    ),
    (
        "p",
        "Mutual legal assistance requests concerning the freezing of bank accounts often take "
        "more than a year to be answered, by which time the funds have long been moved to other "
        "jurisdictions. Direct contact between central authorities and the use of secure "
        "electronic channels would considerably reduce these delays.",
    ),
    ("heading", "7. Participation in the review process"),
    (
        "p",
        "Finally, the coalition asks to be invited to the country visits and constructive "
        "dialogues of the review mechanism, and to receive the self-assessment questionnaires "
        "in Spanish in good time before the meetings take place.",
    ),
)

# --------------------------------------------------------------------------- two columns

TWO_COLUMN_TITLE = "Regional Workshop on Firearms Trafficking and Organized Crime"
TWO_COLUMN_HEADER = "Workshop report | Page"
HYPHENATED = ("transnational", "transna")
"""The word the two-column report breaks across two drawn lines, and the part before the hyphen."""

TWO_COLUMN_HYPHEN_PARAGRAPH = (
    "Participants agreed that the fight against the illicit trafficking of weapons requires "
    "closer cooperation between customs, police and prosecutors, and they stressed that "
    "transnational investigations depend on the rapid exchange of tracing requests between "
    "the countries concerned."
)

TWO_COLUMN_SPEC: Spec = (
    ("title", TWO_COLUMN_TITLE),
    ("heading", "Summary of the discussions"),
    (
        "p",
        "The workshop brought together forty experts from law enforcement agencies, customs "
        "administrations, ministries of justice and civil society organizations from eleven "
        "countries. The discussions focused on the implementation of the Firearms Protocol and "
        "on the links between arms trafficking and other forms of organized crime.",
    ),
    (
        "p",
        "Speakers described how criminal groups acquire weapons through the diversion of legal "
        "transfers, the theft of poorly secured stockpiles and the conversion of alarm pistols "
        "into functioning firearms. Parts and components are frequently ordered online and "
        "shipped in small parcels that customs rarely inspect.",
    ),
    ("drawn", TWO_COLUMN_HYPHEN_PARAGRAPH),
    ("heading", "Marking and record keeping"),
    (
        "p",
        "Several delegations reported that their national registers are still kept on paper, "
        "which makes it almost impossible to answer tracing requests within a reasonable time. "
        "Experts recommended the creation of electronic registers that link import licences, "
        "dealer records and seizures, so that investigators can follow a weapon from its "
        "manufacture to the crime scene.",
    ),
    (
        "p",
        "The representative of a regional organization noted that cross-border cooperation has "
        "improved since the adoption of common standards for marking, but that many older "
        "weapons in circulation carry no legible marking at all.",
    ),
    ("heading", "Recommendations"),
    ("p", "The participants adopted the following recommendations by consensus:"),
    (
        "bullets",
        [
            "Adopt legislation that criminalises the illicit manufacturing of firearms, "
            "including the assembly of weapons from parts and components.",
            "Create a single national contact point for tracing requests and publish its "
            "details on the website of the ministry of interior.",
            "Invite civil society and the private sector to the next meeting of the working "
            "group on firearms.",
        ],
    ),
    ("heading", "Victims and communities"),
    (
        "p",
        "Community representatives described the impact of armed violence on young people in "
        "urban neighbourhoods controlled by gangs. They called for prevention programmes that "
        "offer education and employment as an alternative to recruitment by criminal groups, "
        "and for the protection of witnesses who testify against arms traffickers.",
    ),
    (
        "p",
        "Women's organizations added that domestic violence committed with illegally held "
        "firearms is rarely recorded as such, which hides the gendered impact of arms "
        "trafficking from policymakers and from the review of the Convention.",
    ),
    ("heading", "Ammunition and explosives"),
    (
        "p",
        "Customs officers explained that ammunition is smuggled in much larger quantities than "
        "firearms and is almost never marked in a way that allows tracing. Small consignments "
        "hidden in vehicles and postal parcels cross land borders every day without detection.",
    ),
    (
        "p",
        "Experts also described the growing use of homemade explosives by criminal groups to "
        "attack cash transport vehicles and automated teller machines, and called for stricter "
        "controls on the sale of precursor chemicals used to make them.",
    ),
    ("heading", "Cooperation with the private sector"),
    (
        "p",
        "Representatives of courier companies and online marketplaces presented the measures "
        "they have taken to detect parcels containing firearms parts. They explained that "
        "their staff cannot open parcels and depend on clear guidance from customs on the "
        "risk indicators that justify a referral to the authorities.",
    ),
    (
        "p",
        "Licensed dealers asked for a simpler procedure to verify the validity of import and "
        "export licences issued by other States, and for access to a shared database of "
        "stolen and lost weapons.",
    ),
    (
        "p",
        "Several speakers noted that the deactivation of firearms is regulated very differently "
        "from one country to another, so that weapons deactivated to a low standard in one "
        "State can be reactivated and sold on the illicit market in a neighbouring State.",
    ),
    ("heading", "Data and research"),
    (
        "p",
        "Researchers from two universities presented a study of more than three thousand "
        "firearms seized in the region over the last decade. The study found that a large share "
        "of the weapons had been legally imported before being diverted, often within a few "
        "years of their first sale, and that the same small number of dealers appeared again "
        "and again in the records of diverted weapons.",
    ),
    (
        "p",
        "They recommended that governments publish annual statistics on seizures, tracing "
        "requests and prosecutions, broken down by type of weapon and by country of origin, so "
        "that trends can be monitored and policies evaluated over time.",
    ),
    (
        "p",
        "Civil society organizations offered to help collect data on the victims of armed "
        "violence, including survivors with disabilities, who are rarely counted in official "
        "statistics.",
    ),
    ("heading", "Next steps"),
    (
        "p",
        "The secretariat will circulate a draft of this report to all participants for comments "
        "and will publish the final version together with the presentations made during the "
        "workshop. A follow-up meeting on ammunition controls is planned for the second half of "
        "next year, subject to the availability of funds.",
    ),
    (
        "p",
        "Participants thanked the host country for its hospitality and the donors who made the "
        "workshop possible.",
    ),
)

# --------------------------------------------------------------------------- accents

ACCENTED_SPEC: Spec = (
    ("title", "Contribución de la sociedad civil sobre la trata de personas"),
    (
        "p",
        "Las organizaciones de la sociedad civil señalan que la trata de personas con fines de "
        "explotación laboral ha aumentado en las zonas agrícolas del país. Muchas víctimas son "
        "jóvenes migrantes que no conocen sus derechos ni saben dónde pedir ayuda.",
    ),
    (
        "p",
        "Pedimos que se garantice el acceso de las víctimas a la asistencia jurídica, a la "
        "atención médica y a un permiso de residencia, independientemente de su cooperación con "
        "las autoridades.",
    ),
    ("heading", "Contribution des organisations françaises"),
    (
        "p",
        "Les associations constatent que les réseaux de passeurs exploitent la détresse des "
        "migrants et exigent des sommes très élevées pour la traversée. Elles demandent que "
        "l'aide humanitaire apportée aux personnes migrantes ne soit jamais considérée comme "
        "une infraction pénale.",
    ),
    (
        "p",
        "Nous recommandons également de renforcer la coopération judiciaire entre les États "
        "parties et de protéger les témoins qui acceptent de déposer contre les trafiquants.",
    ),
)


def expected_blocks(spec: Spec) -> list[tuple[str, str]]:
    """The `(kind, text)` blocks a spec should come out as."""
    blocks: list[tuple[str, str]] = []
    for kind, content in spec:
        if kind in ("bullets", "numbers"):
            blocks.extend(("list_item", str(item)) for item in content)  # type: ignore[union-attr]
        else:
            blocks.append(
                ("heading" if kind in ("title", "heading") else "paragraph", str(content))
            )
    return blocks


SINGLE_COLUMN_BLOCKS = expected_blocks(SINGLE_COLUMN_SPEC)
TWO_COLUMN_BLOCKS = expected_blocks(TWO_COLUMN_SPEC)
ACCENTED_BLOCKS = expected_blocks(ACCENTED_SPEC)


# --------------------------------------------------------------------------- flowables


class DrawnLines(Flowable):
    """A paragraph drawn line by line with `drawString`, so a word can be hyphenated on purpose.

    The text is wrapped greedily; the word `HYPHENATED[0]` is split after `HYPHENATED[1]` with a
    hyphen when it does not fit at the end of a line (Paragraph would need pyphen for that).
    """

    def __init__(self, text: str, style: ParagraphStyle = BODY) -> None:
        super().__init__()
        self.text = text
        self.style = style
        self.lines: list[str] = []

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.lines = hyphenated_lines(self.text, availWidth, self.style)
        self.width = availWidth
        return availWidth, len(self.lines) * self.style.leading + self.style.spaceAfter

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFont(self.style.fontName, self.style.fontSize)
        top = len(self.lines) * self.style.leading + self.style.spaceAfter
        for number, line in enumerate(self.lines, start=1):
            canvas.drawString(0, top - number * self.style.leading, line)


def hyphenated_lines(text: str, width: float, style: ParagraphStyle) -> list[str]:
    def fits(candidate: str) -> bool:
        return stringWidth(candidate, style.fontName, style.fontSize) <= width

    word, head = HYPHENATED
    lines: list[str] = []
    current = ""
    for token in text.split():
        candidate = f"{current} {token}".strip()
        if fits(candidate):
            current = candidate
            continue
        if token.startswith(word) and fits(f"{current} {head}-"):
            lines.append(f"{current} {head}-")
            current = token[len(head) :]
            continue
        lines.append(current)
        current = token
    lines.append(current)
    return lines


def _flowables(spec: Spec, body: ParagraphStyle = BODY) -> list[Flowable]:
    story: list[Flowable] = []
    for kind, content in spec:
        if kind == "title":
            story.append(Paragraph(str(content), TITLE))
        elif kind == "heading":
            story.append(Paragraph(str(content), HEADING))
        elif kind == "p":
            story.append(Paragraph(str(content), body))
        elif kind == "drawn":
            story.append(DrawnLines(str(content)))
        else:
            numbered = kind == "numbers"
            item = ParagraphStyle("item", parent=body, spaceAfter=3)
            items = [ListItem(Paragraph(str(text), item)) for text in content]  # type: ignore[union-attr]
            story.append(
                ListFlowable(
                    items,
                    bulletType="1" if numbered else "bullet",
                    start=1 if numbered else "•",
                    bulletFontName="Helvetica",
                    bulletFontSize=body.fontSize,
                    leftIndent=18,
                    bulletFormat="%s." if numbered else None,
                    spaceAfter=7,
                )
            )
    return story


def _build(make_doc: Callable[[io.BytesIO], BaseDocTemplate], story: list[Flowable]) -> bytes:
    buffer = io.BytesIO()
    make_doc(buffer).build(story)
    return buffer.getvalue()


# --------------------------------------------------------------------------- generators


def single_column_report() -> bytes:
    """Three A4 pages: title, numbered headings, paragraphs, a bullet and a numbered list.

    Every page carries a running header and a "Page N of M" footer; M comes from a first build.
    """
    total = {"pages": 0, "seen": 0}

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        total["seen"] = canvas.getPageNumber()
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(MARGIN, PAGE_HEIGHT - 1.5 * cm, SINGLE_COLUMN_HEADER)
        canvas.drawCentredString(
            PAGE_WIDTH / 2, 1.4 * cm, f"Page {canvas.getPageNumber()} of {total['pages']}"
        )
        canvas.restoreState()

    def make_doc(buffer: io.BytesIO) -> BaseDocTemplate:
        doc = BaseDocTemplate(
            buffer,
            pagesize=A4,
            title=SINGLE_COLUMN_TITLE,
            author="Coalition against Organized Crime",
            invariant=1,
        )
        frame = Frame(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN, id="body")
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=decorate)])
        return doc

    _build(make_doc, _flowables(SINGLE_COLUMN_SPEC, LARGE_BODY))
    total["pages"] = total["seen"]
    return _build(make_doc, _flowables(SINGLE_COLUMN_SPEC, LARGE_BODY))


def two_column_report() -> bytes:
    """A report in two columns under a full-width title, with a header and "- N -" footer.

    Page headers repeat "Workshop report | Page N"; one paragraph hyphenates "transnational"
    across a line break. The PDF has no metadata title, so the title comes from the first
    heading.
    """
    gutter = 0.8 * cm
    column_width = (PAGE_WIDTH - 2 * MARGIN - gutter) / 2
    body_height = PAGE_HEIGHT - 2 * MARGIN
    title_height = 2.4 * cm

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        number = canvas.getPageNumber()
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, PAGE_HEIGHT - 1.5 * cm, f"{TWO_COLUMN_HEADER} {number}"
        )
        canvas.drawCentredString(PAGE_WIDTH / 2, 1.4 * cm, f"- {number} -")
        canvas.restoreState()

    def columns(height: float) -> list[Frame]:
        return [
            Frame(MARGIN, MARGIN, column_width, height, id="left"),
            Frame(MARGIN + column_width + gutter, MARGIN, column_width, height, id="right"),
        ]

    def make_doc(buffer: io.BytesIO) -> BaseDocTemplate:
        doc = BaseDocTemplate(buffer, pagesize=A4, invariant=1)
        title = Frame(
            MARGIN,
            PAGE_HEIGHT - MARGIN - title_height,
            PAGE_WIDTH - 2 * MARGIN,
            title_height,
            id="title",
        )
        first = PageTemplate(
            id="first", frames=[title, *columns(body_height - title_height)], onPage=decorate
        )
        later = PageTemplate(id="later", frames=columns(body_height), onPage=decorate)
        doc.addPageTemplates([first, later])
        return doc

    story = _flowables(TWO_COLUMN_SPEC)
    story[1:1] = [NextPageTemplate("later"), FrameBreak()]
    return _build(make_doc, story)


def accented_report() -> bytes:
    """One page of Spanish and French text with accents, in Helvetica (Latin-1 glyphs)."""

    def make_doc(buffer: io.BytesIO) -> BaseDocTemplate:
        doc = BaseDocTemplate(buffer, pagesize=A4, invariant=1, title="Contribución")
        frame = Frame(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
        doc.addPageTemplates([PageTemplate(frames=[frame])])
        return doc

    return _build(make_doc, _flowables(ACCENTED_SPEC))


def encrypted_report(user_password: str = "") -> bytes:
    """A short PDF encrypted with RC4-128: an empty user password opens without asking."""
    buffer = io.BytesIO()
    encryption = StandardEncryption(user_password, ownerPassword="owner-secret", strength=128)
    canvas = Canvas(buffer, pagesize=A4, encrypt=encryption, invariant=1)
    canvas.setFont("Helvetica", 11)
    for number, line in enumerate(ENCRYPTED_LINES):
        canvas.drawString(MARGIN, PAGE_HEIGHT - MARGIN - number * 14, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


ENCRYPTED_LINES = (
    "Confidential submission on the protection of witnesses in organized crime cases.",
)


def image_only_report(pages: int = 2) -> bytes:
    """Pages of vector shapes and a raster image but no text layer, like a scan."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    image = Image.new("L", (120, 160), color=235)
    for x in range(10, 110):
        for y in range(20, 140, 12):
            image.putpixel((x, y), 40)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    for _ in range(pages):
        canvas.drawImage(ImageReader(image), MARGIN, MARGIN, width=12 * cm, height=16 * cm)
        for row in range(8):
            canvas.rect(MARGIN, PAGE_HEIGHT - MARGIN - row * 20, 14 * cm, 8, fill=1, stroke=0)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def truncated_report() -> bytes:
    """The first half of the single-column report, as a broken download would leave it."""
    data = single_column_report()
    return data[: len(data) // 2]


def long_report(pages: int = 50) -> bytes:
    """`pages` dense single-column pages (slices of the single-column report), for timing."""
    chunks = (SINGLE_COLUMN_SPEC[:10], SINGLE_COLUMN_SPEC[10:17], SINGLE_COLUMN_SPEC[17:])

    def decorate(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8.5)
        canvas.drawString(MARGIN, PAGE_HEIGHT - 1.5 * cm, SINGLE_COLUMN_HEADER)
        canvas.drawCentredString(PAGE_WIDTH / 2, 1.4 * cm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    def make_doc(buffer: io.BytesIO) -> BaseDocTemplate:
        doc = BaseDocTemplate(buffer, pagesize=A4, invariant=1)
        frame = Frame(MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
        doc.addPageTemplates([PageTemplate(frames=[frame], onPage=decorate)])
        return doc

    story: list[Flowable] = []
    for number in range(pages):
        story += _flowables(chunks[number % len(chunks)])
        if number < pages - 1:
            story.append(PageBreak())
    return _build(make_doc, story)


GENERATORS: dict[str, Callable[[], bytes]] = {
    "single_column": single_column_report,
    "two_column": two_column_report,
    "accented": accented_report,
    "encrypted_empty": encrypted_report,
    "encrypted_password": lambda: encrypted_report("s3cret"),
    "image_only": image_only_report,
    "truncated": truncated_report,
}


def write_all(folder: str) -> dict[str, str]:
    """Write every generated PDF into `folder`; returns name -> path (for manual inspection)."""
    from pathlib import Path

    paths = {}
    for name, make in GENERATORS.items():
        path = Path(folder) / f"{name}.pdf"
        path.write_bytes(make())
        paths[name] = str(path)
    return paths
