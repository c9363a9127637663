"""The combined slip 一单清 as PDF (BH-5): every transaction of one visit on one A4 page (or
more), filled by the system — the masked document, each transaction with its outcome, the
agreed terms and its fee in yuan, the total, a signature field and a QR code holding the
visit number.

What makes it fast and repeatable:
- the font is ``fonts/NotoSansSC-slip.ttf``, Noto Sans CJK SC cut down once to the GB 2312
  characters and the project's own text (``scripts/build_slip_font.py``); fpdf2 reads that
  in ~50 ms where the whole system collection took 1.7 s, and embeds only the glyphs used;
- a character outside it (a rare surname) comes from the full system font when it is
  installed (slower, that slip only); without it the glyph is missing, nothing fails;
- the creation date is the visit's start and the file ID a hash of the content, so the same
  visit renders the same bytes every time;
- the QR code is drawn as vector squares from segno's matrix: no image to encode.
"""

from __future__ import annotations

import copy
import functools
import io
import pathlib
from dataclasses import dataclass
from datetime import datetime

import segno
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, SubsetMap, TTFFont

from telcodesk.clock import local

FONT = pathlib.Path(__file__).with_name("fonts") / "NotoSansSC-slip.ttf"
SYSTEM_FONT = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SYSTEM_SC_FACE = 2  # JP, KR, SC, TC, HK in the collection
QR_MODULE_MM = 0.8


@dataclass(frozen=True)
class SlipLine:
    kind_zh: str
    product_number: str  # masked
    outcome: str
    terms: str
    fee_yuan: str


@dataclass(frozen=True)
class Slip:
    """What the slip prints: every personal field already masked (CD-2)."""

    number: str
    started_at: datetime
    signed_at: datetime | None
    agent: str
    customer_name: str
    document: str  # the document's kind and its masked number
    phone: str
    lines: tuple[SlipLine, ...]
    total_yuan: str


@functools.cache
def _covered() -> frozenset[int]:
    """The characters the slip font holds (read once per process)."""
    font = TTFont(FONT, lazy=True)
    return frozenset(font.getBestCmap())


@functools.cache
def _parsed() -> tuple[TTFFont, bytes]:
    """fpdf2's reading of the slip font (its widths and glyph map for 7,900 characters),
    done once per process; ~60 % of a render otherwise."""
    probe = FPDF()
    probe.add_font("slip", "", FONT)
    font = probe.fonts["slip"]
    assert isinstance(font, TTFFont)
    return font, FONT.read_bytes()


def _add_slip_font(pdf: FPDF) -> None:
    """The cached reading, with what each document changes made fresh: its own font file
    object (the subsetter cuts it down in place) and its own map of the characters used."""
    template, data = _parsed()
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    # Bounding boxes are not recomputed from the outlines on save (half the remaining time):
    # the font's own boxes are kept, larger than the subset's, never wrong.
    font.ttfont = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts["slip"] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _texts(slip: Slip) -> str:
    parts = [slip.number, slip.agent, slip.customer_name, slip.document, slip.phone]
    for line in slip.lines:
        parts += [line.kind_zh, line.product_number, line.outcome, line.terms]
    return "".join(parts)


def _when(moment: datetime) -> str:
    return f"{local(moment):%Y-%m-%d %H:%M}"


def render_pdf(slip: Slip) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(slip.started_at)
    pdf.set_title(f"业务受理单 {slip.number}")
    pdf.set_creator("telcodesk")
    pdf.set_auto_page_break(True, margin=15)
    _add_slip_font(pdf)
    missing = {ord(ch) for ch in _texts(slip)} - _covered() - {10, 13}
    if missing and SYSTEM_FONT.exists():
        pdf.add_font("slip-full", "", SYSTEM_FONT, collection_font_number=SYSTEM_SC_FACE)
        pdf.set_fallback_fonts(["slip-full"])
    pdf.add_page()
    width = pdf.epw

    _qr(pdf, slip.number, x=pdf.l_margin + width - 26, y=pdf.t_margin)
    pdf.set_font("slip", size=16)
    pdf.cell(width - 30, 9, "业务受理单（一单清）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("slip", size=9)
    pdf.cell(width - 30, 5, "Combined slip · 免填单", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("slip", size=10)
    for text in (
        f"办理编号 {slip.number}    办理时间 {_when(slip.started_at)}",
        f"营业员 {slip.agent}",
        f"客户 {slip.customer_name}    证件 {slip.document}    联系电话 {slip.phone}",
    ):
        pdf.cell(width - 30, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), pdf.t_margin + 28) + 2)

    pdf.set_font("slip", size=9)
    with pdf.table(
        col_widths=(22, 26, 44, 64, 18),
        text_align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        line_height=5,
        first_row_as_headings=True,
        # One regular face: headings by shade, not bold (a bold CJK face would double the size).
        headings_style=FontFace(emphasis="", fill_color=(230, 230, 230)),
    ) as table:
        table.row(("业务", "号码", "办理结果", "约定条款", "费用(元)"))
        for line in slip.lines:
            table.row((line.kind_zh, line.product_number, line.outcome, line.terms, line.fee_yuan))
        table.row(("合计", "", "", "", slip.total_yuan))

    pdf.ln(4)
    pdf.set_font("slip", size=10)
    pdf.multi_cell(width, 6, "以上业务内容、资费及约定条款已向本人说明，本人确认无误。")
    pdf.ln(6)
    signed = f"已签字确认 {_when(slip.signed_at)}" if slip.signed_at else ""
    pdf.cell(22, 8, "客户签字：")
    x, y = pdf.get_x(), pdf.get_y()
    pdf.rect(x, y - 1, 70, 10)  # the field the customer signs in
    pdf.cell(70, 8, signed)
    pdf.cell(0, 8, "   日期：＿＿＿＿年＿＿月＿＿日", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _qr(pdf: FPDF, text: str, *, x: float, y: float) -> None:
    """The QR code of the visit number, module by module (runs of dark modules per row)."""
    code = segno.make(text, error="m", micro=False)
    matrix = code.matrix
    m = QR_MODULE_MM
    border = 2 * m
    pdf.set_fill_color(0, 0, 0)
    for row, bits in enumerate(matrix):
        col = 0
        while col < len(bits):
            if not bits[col]:
                col += 1
                continue
            start = col
            while col < len(bits) and bits[col]:
                col += 1
            pdf.rect(x + border + start * m, y + border + row * m, (col - start) * m, m, "F")
