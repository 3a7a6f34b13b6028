"""Report files: an XLSX workbook (openpyxl) and a PDF activity report (fpdf2, DejaVu Sans from matplotlib's
data path, so any Indonesian text and the text layer survive; the PDF is evidence for Ruang GTK, dulu PMM).

Both take plain data, already localized by the caller (headings, labels, formatted dates), so they can run
in a worker process. A table with no rows is kept: the sheet has its header and the PDF says ``empty``.
Cells are typed (numbers stay numbers); text that a spreadsheet would run as a formula is stored as text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

Cell = str | int | float | None
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_ASTRAL = re.compile(r"[\U00010000-\U0010ffff]")  # emoji: not in DejaVu Sans
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")


@dataclass(frozen=True)
class Table:
    key: str  # stable id (attendance, hours, answers, surveys, rtl, activities, good_practices, …)
    title: str  # localized heading / sheet name
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class ReportDoc:
    title: str  # "Laporan Kegiatan Komunitas Belajar"
    meta: Sequence[tuple[str, str]]  # (label, value): community, school, period, generated at
    tables: Sequence[Table]
    empty: str  # "Belum ada data." — shown under a heading with no rows
    paragraphs: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)  # (heading, lines)
    footer: str = ""


# -- XLSX -------------------------------------------------------------------------------------------
def sheet_name(title: str, taken: set[str]) -> str:
    base = " ".join(_SHEET_BAD.sub(" ", title).split())[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def _xlsx_value(v: Cell) -> Cell:
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)
    return v


def xlsx_bytes(doc: ReportDoc) -> bytes:
    wb = Workbook()
    info = wb.active
    taken: set[str] = set()
    info.title = sheet_name(doc.title, taken)
    info.append([_xlsx_value(doc.title)])
    info["A1"].font = Font(bold=True, size=13)
    for label, value in doc.meta:
        info.append([_xlsx_value(label), _xlsx_value(value)])
    for heading, lines in doc.paragraphs:
        info.append([])
        info.append([_xlsx_value(heading)])
        info.cell(row=info.max_row, column=1).font = Font(bold=True)
        for line in lines:
            info.append([None, _xlsx_value(line)])
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 70
    for table in doc.tables:
        ws = wb.create_sheet(sheet_name(table.title, taken))
        ws.append([_xlsx_value(h) for h in table.header])
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in table.rows:
            ws.append([_xlsx_value(v) for v in row])
            for c in ws[ws.max_row]:
                if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@") and len(c.value) > 1:
                    c.data_type = "s"  # text, never a formula
        ws.freeze_panes = "A2"
        for i, h in enumerate(table.header, start=1):
            longest = max([len(str(h))] + [len(str(r[i - 1])) for r in table.rows[:200] if len(r) >= i])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- PDF --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def pdf_text(value: Cell) -> str:
    if value is None:
        return ""
    s = _CONTROL.sub("", _ASTRAL.sub("", str(value))).replace("\t", " ")
    return " ".join(s.split()) if "\n" not in s else "\n".join(" ".join(x.split()) for x in s.split("\n"))


def pdf_bytes(doc: ReportDoc) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(16, 16, 16)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(pdf_text(doc.title))
    pdf.set_creator("Kombel Bot")
    pdf.add_page()

    def para(text: str, size: float, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(doc.title, 15, "B", gap=3)
    for label, value in doc.meta:
        para(f"{label}: {value}", 10, gap=0.5)
    pdf.ln(3)
    for heading, lines in doc.paragraphs:
        para(heading, 12, "B", gap=1)
        for line in lines or [doc.empty]:
            para(line, 10, gap=0.5)
        pdf.ln(2)
    for table in doc.tables:
        para(table.title, 12, "B", gap=1)
        if not table.rows:
            para(doc.empty, 10, gap=3)
            continue
        pdf.set_font("DejaVu", "", 8.5)
        with pdf.table(
            headings_style=_heading_style(), line_height=4.6, text_align="LEFT",
            cell_fill_mode=TableCellFillMode.ROWS, cell_fill_color=245,
        ) as t:
            head = t.row()
            for h in table.header:
                head.cell(pdf_text(h))
            for row in table.rows:
                r = t.row()
                for i in range(len(table.header)):
                    r.cell(pdf_text(row[i] if i < len(row) else ""))
        pdf.ln(4)
    if doc.footer:
        pdf.set_text_color(110, 110, 110)
        para(doc.footer, 8, gap=0)
    return bytes(pdf.output())


def _heading_style():  # noqa: ANN202 - fpdf's FontFace
    from fpdf.fonts import FontFace

    return FontFace(family="DejaVu", emphasis="BOLD", fill_color=225)
