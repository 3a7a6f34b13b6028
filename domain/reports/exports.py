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
    formats: Sequence[str | None] = ()  # per column, for numbers: "int", "dec1", "dec2" (see DIGITS)
    note: str = ""  # a line under the heading (PDF) or under the table (XLSX): e.g. what codes mean
    widths: Sequence[float] = ()  # relative PDF column widths (default: equal)


@dataclass(frozen=True)
class ReportDoc:
    title: str  # "Laporan Kegiatan Komunitas Belajar"
    meta: Sequence[tuple[str, str]]  # (label, value): community, school, period, generated at
    tables: Sequence[Table]
    empty: str  # "Belum ada data." — shown under a heading with no rows
    paragraphs: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)  # (heading, lines)
    footer: str = ""
    summary_sheet: str = "Ringkasan"  # the first sheet's name (complete, ≤ 31 characters)
    appendix: str = "Lampiran"  # "Lampiran 1: Kehadiran per pertemuan" in the PDF
    decimal: str = ","  # Indonesian: 1.234,5
    group: str = "."
    lcid: str = "421"  # XLSX display formats in this language (421 = Indonesian, 409 = English)


DIGITS = {"int": 0, "dec1": 1, "dec2": 2}


def number_text(v: int | float, fmt: str | None, decimal: str = ",", group: str = ".") -> str:
    """A number as text in the document's convention: 1.234,5 (id) or 1,234.5 (en); never a raw float."""
    digits = DIGITS.get(fmt or "", 0 if isinstance(v, int) or float(v).is_integer() else 2)
    s = f"{v:,.{digits}f}"
    return s.translate(str.maketrans({",": group, ".": decimal}))


def cell_text(v: Cell, fmt: str | None, doc: ReportDoc) -> str:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return pdf_text(v)
    return number_text(v, fmt, doc.decimal, doc.group)


def xlsx_format(fmt: str | None, lcid: str) -> str:
    digits = DIGITS.get(fmt or "", 0)
    return f"[$-{lcid}]#,##0" + ("." + "0" * digits if digits else "")


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
    info.title = sheet_name(doc.summary_sheet, taken)
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
            for i, c in enumerate(ws[ws.max_row]):
                if isinstance(c.value, str) and c.value[:1] in ("=", "+", "-", "@") and len(c.value) > 1:
                    c.data_type = "s"  # text, never a formula
                elif isinstance(c.value, int | float) and not isinstance(c.value, bool):
                    fmt = table.formats[i] if i < len(table.formats) else None
                    c.number_format = xlsx_format(fmt or ("int" if isinstance(c.value, int) else "dec2"), doc.lcid)
        if table.note:
            ws.append([])
            ws.append([_xlsx_value(table.note)])
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
        pdf.multi_cell(0, size * 0.5, pdf_text(text), new_x="LMARGIN", new_y="NEXT", align="L")
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
    for n, table in enumerate(doc.tables, start=1):
        if n == 1:
            pdf.add_page()  # the summary stands on its own page; the tables follow as appendices
        para(f"{doc.appendix} {n}: {table.title}", 12, "B", gap=1)
        if table.note:
            para(table.note, 9, gap=1)
        if not table.rows:
            para(doc.empty, 10, gap=3)
            continue
        pdf.set_font("DejaVu", "", 8.5)
        with pdf.table(
            headings_style=_heading_style(), line_height=4.6, text_align="LEFT",
            cell_fill_mode=TableCellFillMode.ROWS, cell_fill_color=245,
            col_widths=tuple(table.widths) if len(table.widths) == len(table.header) else None,
        ) as t:
            head = t.row()
            for h in table.header:
                head.cell(pdf_text(h))
            for row in table.rows:
                r = t.row()
                for i in range(len(table.header)):
                    fmt = table.formats[i] if i < len(table.formats) else None
                    r.cell(cell_text(row[i] if i < len(row) else None, fmt, doc))
        pdf.ln(4)
    if doc.footer:
        pdf.set_text_color(110, 110, 110)
        para(doc.footer, 8, gap=0)
    return bytes(pdf.output())


def _heading_style():  # noqa: ANN202 - fpdf's FontFace
    from fpdf.fonts import FontFace

    return FontFace(family="DejaVu", emphasis="BOLD", fill_color=225)
