"""The offline demo runs the real application through a simulated term and writes its transcripts and
files: the key moments of every feature are in the transcripts, and the files open."""

from __future__ import annotations

import asyncio
import io

import docx
import openpyxl
import pypdf
import pytest

from bot.demo import ANSWER_MAX, NOISE_BUDGET, run_demo
from tests.conftest import pg_empty


@pytest.fixture(scope="module")
def demo(tmp_path_factory, pg_database):
    """The demo's term, run once for this module's tests (each reads its outputs; none changes them): its
    output folder and its exit code. On PostgreSQL on the session's database, emptied. (How long it takes is
    measured, not asserted: `time .venv/bin/kombel-bot run` with no token; README.)
    (The tests also ask for `db_target`, which puts them in the PostgreSQL run.)"""
    out = tmp_path_factory.mktemp("demo") / "out"
    if pg_database is not None:
        pg_empty(pg_database)
    return out, asyncio.run(run_demo(out, quiet=True, database=pg_database))


async def test_demo_runs_offline_and_writes_transcripts_and_files(demo, db_target):
    out, code = demo
    assert code == 0
    group = (out / "transcript-group.txt").read_text(encoding="utf-8")
    principal = (out / "transcript-principal.txt").read_text(encoding="utf-8")
    pic = (out / "transcript-pic.txt").read_text(encoding="utf-8")
    dewi = (out / "transcript-dewi-en.txt").read_text(encoding="utf-8")
    budi = (out / "transcript-budi.txt").read_text(encoding="utf-8")
    # the journal loop (seed 004): why? → the weekly card, votes → the trial → its effect → the cycle summary
    assert "Mengapa?" in budi and "Uji coba dicatat sebagai RTL" in budi and "Dampak tercatat" in budi
    assert "Masalah minggu ini" in group and "1A. Teks pendek bergambar" in group and "Dipilih untuk uji coba" in group
    assert "Uji coba dari jurnal" in group and "→ membantu" in group
    # set-up in WITA, members joining, Indonesian day headers
    assert "Pengaturan selesai" in group and "WITA" in group and "— Senin, 13 Juli 2026 —" in group
    assert group.count("Selamat bergabung") == 1  # the whole staff joins in one morning: one message, edited
    assert "Selamat bergabung: Sari Wulandari, Ani Rahmawati, Budi Santoso" in group and "Joko Susilo!" in group
    # a reminder with RSVP buttons and its tally, the check-in, a correction by the PIC
    assert "Pengingat pertemuan besok" in group and "[✅ Hadir] [🙏 Izin] [💻 Daring]" in group
    assert "Hadir: " in group and "Izin: " in group
    assert "Presensi pertemuan" in group and "[✅ Saya hadir]" in group and "dicatat hadir" in group
    assert "Tercatat 1 jam: webinar" in group  # logged hours
    # the inquiry cycle: stage cards, answers by reply "N. …" (one edited), syntheses, the cycle summary
    assert "Tahap 1/4 · Refleksi Awal" in group and "«🔎 Tahap 1/4 · Refleksi Awal»: 1. " in group and "(diedit)" in group
    assert "❓ 1/6" not in group  # one card per stage, no message per question; the synthesis goes onto it
    assert "Rangkuman tahap Refleksi Awal" in group and "Rangkuman tahap Evaluasi" in group
    assert "Siklus selesai: literasi kelas 4" in group and "Target tercapai" in group
    assert "RTL #1 dicatat" in group and "Praktik baik dari Ani Rahmawati" in group
    assert "Kelompok kerja" in group and "Kelas tinggi (4)" in group  # two working groups
    assert "🔭 Observasi #1 — guru model Ani Rahmawati" in group and "Selesai. RTL #4" in group  # RTL #3 is the journal trial
    assert "📎 praktik-baik-star.pdf" in group and "📎 foto" in group  # files as names
    # surveys: one card each, answered in private; results in the weekly summary, the test's gain on request
    assert "Hasil tes awal" in pic and "Peningkatan ternormalisasi (N-gain)" in pic
    assert "📊 Hasil" not in group and "Survei terakhir: Cek Mingguan Kombel" in group
    assert "Hasilnya masuk ringkasan pekanan" in group and "[Skip ⏭]" in dewi
    assert "📎 grafik-" in group
    # weekly summaries, with the next meeting never a cancelled one
    assert group.count("📊 Ringkasan pekan") >= 7 and "dibatalkan" in group
    assert "Pertemuan berikutnya: Kam, 13 Agu" not in group
    # private chats: the RTL reminder and the report for the PIC; English answers for Dewi
    assert "Pengingat RTL #2" in pic and "📎 laporan.xlsx" in pic and "📎 laporan.pdf" in pic
    assert "Reflection · question 1 of 6" in dewi
    # the principal: linked through the PIC's /kepsek link, weekly digests in private, a cycle report
    assert "terhubung sebagai kepala sekolah" in principal
    assert principal.count("Ringkasan untuk kepala sekolah") >= 7
    assert "1 siklus selesai" in principal
    # the files exist and open
    wb = openpyxl.load_workbook(io.BytesIO((out / "laporan.xlsx").read_bytes()))
    assert "Kehadiran per pertemuan" in wb.sheetnames and "Observasi kelas" in wb.sheetnames and "Kelompok kerja" in wb.sheetnames
    observed = list(wb["Observasi kelas"].iter_rows(values_only=True))
    assert observed[1][1:3] == ("Ani Rahmawati", "4A") and observed[1][7] is not None  # scores shared by Ani
    groups = {r[0]: r for r in wb["Kelompok kerja"].iter_rows(values_only=True)}
    assert groups["Kelas tinggi"][1:3] == (4, 1) and groups["Kelas rendah"][1:3] == (3, 0)
    rows = list(wb["Kehadiran per pertemuan"].iter_rows(values_only=True))
    assert len(rows) >= 8
    report = pypdf.PdfReader(io.BytesIO((out / "laporan.pdf").read_bytes()))
    assert "Kombel SDN 3 Mataram" in report.pages[0].extract_text()
    star = pypdf.PdfReader(io.BytesIO((out / "praktik-baik-star.pdf").read_bytes()))
    assert "Exit ticket" in " ".join(p.extract_text() for p in star.pages)
    word = docx.Document(io.BytesIO((out / "praktik-baik-star.docx").read_bytes()))
    assert any("Exit ticket" in p.text for p in word.paragraphs)
    charts = sorted(out.glob("grafik-*.png"))
    assert len(charts) >= 7 and all(c.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for c in charts)  # the summaries
    readme = (out / "README.txt").read_text(encoding="utf-8")
    for name in ("transcript-group.txt", "transcript-principal.txt", "laporan.xlsx", "laporan.pdf",
                 "praktik-baik-star.pdf", "praktik-baik-star.docx", "grafik-"):
        assert name in readme


async def test_demo_term_has_the_agreement_two_activities_and_a_self_placement(demo, db_target):
    """Issue 15 in the demo's term: the core team and agreement accepted with taps, two programme activities
    in the report's sheets, and the community's own placement on the map beside the computed level."""
    out, code = demo
    assert code == 0
    group = (out / "transcript-group.txt").read_text(encoding="utf-8")
    pic = (out / "transcript-pic.txt").read_text(encoding="utf-8")
    principal = (out / "transcript-principal.txt").read_text(encoding="utf-8")
    dewi = (out / "transcript-dewi-en.txt").read_text(encoding="utf-8")
    assert "Thank you! As you see it:" in dewi and "Dewi Anggraini [Running] [Running]" in dewi
    assert "Kesepakatan komunitas" in group and "Tim inti: Ani Rahmawati, Hadi Wijaya" in group
    assert "[✅ Saya setuju]" in group and "Sudah setuju: 8 dari 11" in pic
    assert "Kegiatan #1 dicatat: Kelas inspirasi orang tua" in pic and "Kegiatan #2 dicatat" in pic
    assert "Peta kemajuan menurut kita" in group and "menurut komunitas: berjalan" in group
    assert "Fokus pembelajaran: berjalan (menurut komunitas: berjalan)" in principal
    wb = openpyxl.load_workbook(io.BytesIO((out / "laporan.xlsx").read_bytes()))
    rows = list(wb["Kegiatan program"].iter_rows(values_only=True))
    assert ("2026-08-14", "Kelas inspirasi orang tua", 6, 0, 18) in rows
    change = list(wb["Kondisi awal dan akhir"].iter_rows(values_only=True))
    assert (3, "Keterlibatan orang tua", 18, 0, "-18") in change


async def test_noise_budget_over_the_demo_term(demo, db_target):
    """Issue 14: after the set-up week, the group gets at most 6 bot messages a school week (meeting reminder,
    check-in, weekly summary, stage cards, survey card); edits are free; answers to what someone typed do not
    count but stay short. Counted per ISO week from the fake Bot API's messages."""
    out, code = demo
    assert code == 0
    rows = [line.split("\t") for line in (out / "noise-budget.txt").read_text(encoding="utf-8").splitlines()]
    weeks = {k: int(v) for k, v in rows if k.startswith("2026-W")}
    longest = int(dict(rows)["longest answer"])
    assert len(weeks) == 8 and list(weeks)[0] == "2026-W29"  # the set-up week, then 7 school weeks
    after_setup = dict(list(weeks.items())[1:])
    assert max(after_setup.values()) <= NOISE_BUDGET, after_setup
    assert sum(after_setup.values()) >= 25  # not vacuous: the bot still speaks every week
    assert 0 < longest <= ANSWER_MAX
