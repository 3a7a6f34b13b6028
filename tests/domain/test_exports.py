"""XLSX and PDF report files: readable back, typed cells, no formulas, empty tables, hostile text."""

from __future__ import annotations

import io

import openpyxl
import pypdf

from domain.reports.exports import ReportDoc, Table, number_text, pdf_bytes, sheet_name, xlsx_bytes


def doc(rows=None):
    return ReportDoc(
        "Laporan Kegiatan", [("Komunitas", "KKG <Gugus 2> & Co"), ("Periode", "1–30 Nov 2026")],
        [Table("attendance", "Kehadiran per pertemuan", ["Tanggal", "Kegiatan", "Hadir", "Anggota"],
               rows if rows is not None else [["2 Nov 2026", "=HYPERLINK(\"x\")", 3, 4],
                                              ["9 Nov 2026", "Lesson study 🎉 " + "panjang " * 40, 4, 4]]),
         Table("hours", "Jam belajar: per/anggota?", ["Nama", "Menit"], [])],
        "Belum ada data.", paragraphs=[("Peta kemajuan", ["Fokus pembelajaran: berjalan"])], footer="Kombel Bot")


def test_xlsx_reads_back_with_typed_cells_and_no_formulas():
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(doc())))
    assert wb.sheetnames == ["Ringkasan", "Kehadiran per pertemuan", "Jam belajar per anggota"]
    rows = [list(r) for r in wb["Kehadiran per pertemuan"].iter_rows(values_only=True)]
    assert rows[0] == ["Tanggal", "Kegiatan", "Hadir", "Anggota"]
    assert rows[1] == ["2 Nov 2026", "=HYPERLINK(\"x\")", 3, 4]
    assert wb["Kehadiran per pertemuan"]["B2"].data_type == "s"  # text, not a formula
    assert [list(r) for r in wb["Jam belajar per anggota"].iter_rows(values_only=True)] == [["Nama", "Menit"]]
    info = [list(r) for r in wb["Ringkasan"].iter_rows(values_only=True)]
    assert ["Komunitas", "KKG <Gugus 2> & Co"] in info


def test_pdf_text_is_extractable():
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(doc())))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for s in ("Laporan Kegiatan", "Komunitas: KKG <Gugus 2> & Co", "Kehadiran per pertemuan", "Lesson study",
              "Belum ada data.", "Fokus pembelajaran: berjalan", "Periode: 1–30 Nov 2026"):
        assert s in text, s


def test_empty_and_many_rows():
    assert pypdf.PdfReader(io.BytesIO(pdf_bytes(doc(rows=[])))).pages
    many = [[f"{i} Nov", f"Pertemuan {i}", i, 30] for i in range(300)]
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes(doc(rows=many))))
    assert len(reader.pages) > 3 and "Pertemuan 299" in reader.pages[-1].extract_text()


def test_sheet_names_are_valid_and_unique():
    taken: set[str] = set()
    assert sheet_name("a/b:c*d?[e]", taken) == "a b c d e"
    long = "x" * 40
    assert sheet_name(long, taken) == "x" * 31 and sheet_name(long, taken) == "x" * 27 + " (2)"


def test_numbers_in_indonesian_formats_never_raw_floats():
    assert number_text(3.7407407407407, "dec2") == "3,74" and number_text(1234.5, "dec1") == "1.234,5"
    assert number_text(68.5185185, None) == "68,52" and number_text(7, None) == "7"
    assert number_text(1234.5, "dec1", ".", ",") == "1,234.5"
    table = Table("s", "Hasil survei", ["Survei", "Rerata", "Setuju (%)"], [["Cek", 3.7407407407407, 55.6]],
                  formats=[None, "dec2", "dec1"])
    d = ReportDoc("Laporan", [], [table], "Belum ada data.")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(d)))
    b2, c2 = wb["Hasil survei"]["B2"], wb["Hasil survei"]["C2"]
    assert b2.value == 3.7407407407407 and b2.number_format == "[$-421]#,##0.00"  # a number, shown 3,74
    assert c2.number_format == "[$-421]#,##0.0"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_bytes(d))).pages)
    assert "3,74" in text and "55,6" in text and "3.74" not in text and "3,7407" not in text
