"""The offline demo runs the real application end to end and writes its transcript."""

from __future__ import annotations

import time

from bot.demo import run_demo


async def test_demo_runs_offline_and_writes_transcripts(tmp_path):
    started = time.perf_counter()
    assert await run_demo(tmp_path / "out", quiet=True) == 0
    assert time.perf_counter() - started < 60
    group = (tmp_path / "out" / "transcript-group.txt").read_text(encoding="utf-8")
    principal = (tmp_path / "out" / "transcript-principal.txt").read_text(encoding="utf-8")
    assert "Set-up selesai" in group and "WITA" in group
    assert "Selamat bergabung, Joko Susilo (Guru kelas)" in group
    assert "terhubung sebagai kepala sekolah" in principal
