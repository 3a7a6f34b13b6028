"""The offline demo runs the real application through a simulated term and writes its transcripts and
files: the key moments of every feature are in the transcripts, and the files open."""

from __future__ import annotations

import io
import time

import docx
import openpyxl
import pypdf

from bot.demo import ANSWER_MAX, NOISE_BUDGET, run_demo


async def test_demo_runs_offline_and_writes_transcripts_and_files(tmp_path):
    started = time.perf_counter()
    out = tmp_path / "out"
    assert await run_demo(out, quiet=True) == 0
    assert time.perf_counter() - started < 60
    group = (out / "transcript-group.txt").read_text(encoding="utf-8")
    principal = (out / "transcript-principal.txt").read_text(encoding="utf-8")
    pic = (out / "transcript-pic.txt").read_text(encoding="utf-8")
    dewi = (out / "transcript-dewi-en.txt").read_text(encoding="utf-8")
    # set-up in WITA, members joining, Indonesian day headers
    assert "Set-up selesai" in group and "WITA" in group and "— Senin, 13 Juli 2026 —" in group
    assert "Selamat bergabung, Joko Susilo (Guru kelas)" in group
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
    assert "📎 praktik-baik-star.pdf" in group and "📎 foto" in group  # files as names
    # surveys: one card each, answered in private; results in the weekly summary, the test's gain on request
    assert "Hasil tes awal" in pic and "Gain ternormalisasi" in pic
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
    assert "Kehadiran per pertemuan" in wb.sheetnames
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


async def test_noise_budget_over_the_demo_term(tmp_path):
    """Issue 14: after the set-up week, the group gets at most 6 bot messages a school week (meeting reminder,
    check-in, weekly summary, stage cards, survey card); edits are free; answers to what someone typed do not
    count but stay short. Counted per ISO week from the fake Bot API's messages."""
    out = tmp_path / "out"
    assert await run_demo(out, quiet=True) == 0
    rows = [line.split("\t") for line in (out / "noise-budget.txt").read_text(encoding="utf-8").splitlines()]
    weeks = {k: int(v) for k, v in rows if k.startswith("2026-W")}
    longest = int(dict(rows)["longest answer"])
    assert len(weeks) == 8 and list(weeks)[0] == "2026-W29"  # the set-up week, then 7 school weeks
    after_setup = dict(list(weeks.items())[1:])
    assert max(after_setup.values()) <= NOISE_BUDGET, after_setup
    assert sum(after_setup.values()) >= 25  # not vacuous: the bot still speaks every week
    assert 0 < longest <= ANSWER_MAX
