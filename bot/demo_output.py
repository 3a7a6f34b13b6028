"""What the demo writes: transcripts of the chats, the files the bot sent, the README of the output
folder, and the count of the bot's messages in the group per week against the noise budget."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .demo_world import ANI, EVERYONE, GROUP, PIC, TZ, Demo, Tap
from .render import fmt_date
from .sim import Sim


# == output ===========================================================================================
def transcript(demo: Demo, chat_id: int, title: str, files: dict[str, str]) -> str:
    """A readable transcript: Indonesian day headers, sender and time, files as "📎 name", the final
    state of edited messages, each row of buttons, and people's taps on buttons."""
    sim = demo.sim
    names = {p.id: p.name for p in EVERYONE}
    bot_id = sim.fake.bot_id
    taps = [t for t in demo.taps if t.chat == chat_id]
    lines = [f"══ {title} ══"]
    last_day = None
    pending: list[Tap] = []

    def flush_taps(upto: int) -> None:
        nonlocal taps
        run = [t for t in taps if t.after_id <= upto]
        taps = [t for t in taps if t.after_id > upto]
        pending.extend(run)
        if pending:
            by_person: dict[int, list[str]] = {}
            for t in pending:
                by_person.setdefault(t.who, []).append(f"[{t.label}]")
            taps_text = " · ".join(f"{names.get(w, '?')} {' '.join(ls)}" for w, ls in by_person.items())
            lines.append(textwrap.fill(taps_text, 110, initial_indent="    👆 ", subsequent_indent="       "))
            pending.clear()

    for m in sim.fake.chat_messages(chat_id):
        flush_taps(m["message_id"] - 1)
        body = _body(m, files)
        if not body:
            continue
        when = datetime.fromtimestamp(m["date"], UTC).astimezone(TZ)
        day = fmt_date(when, "id")
        if day != last_day:
            lines.append(f"\n— {day} —")
            last_day = day
        sender_id = m.get("from", {}).get("id")
        sender = "🤖 Kombel Bot" if sender_id == bot_id else names.get(sender_id, "?")
        reply = m.get("reply_to_message")
        if reply is not None and sender_id != bot_id:
            quoted = (reply.get("text") or reply.get("caption") or "").split("\n")[0]
            sender += f" ↩ «{textwrap.shorten(quoted, 50, placeholder='…')}»"
        if m.get("edit_date") and sender_id != bot_id:
            body += " (diedit)"
        lines.append(f"[{when:%H.%M} WITA] {sender}: {textwrap.indent(body, '    ').lstrip()}")
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", []):
            lines.append("    " + " ".join(f"[{b['text']}{' ↗' if 'url' in b else ''}]" for b in row))
    flush_taps(10**12)
    return "\n".join(lines)


def _body(m: dict[str, Any], files: dict[str, str]) -> str:
    caption = m.get("text") or m.get("caption") or ""
    if "photo" in m:
        name = files.get(m["photo"][-1]["file_id"], "foto.jpg")
        return f"📎 {name}" + (f" — {caption}" if caption else "")
    if "document" in m:
        name = files.get(m["document"]["file_id"]) or m["document"].get("file_name", "dokumen")
        return f"📎 {name}" + (f" — {caption}" if caption else "")
    return caption


def save_files(demo: Demo, out: Path) -> dict[str, str]:
    """Write the charts (the bot's photos in the group), the report and the STAR PDF and DOCX; returns
    file_id -> the name written, for the transcripts."""
    fake, files = demo.sim.fake, {}
    charts = [m for m in fake.bot_messages(GROUP) if "photo" in m]
    for i, m in enumerate(charts, 1):
        slug = re.sub(r"[^a-z0-9]+", "-", (m.get("caption") or "grafik").lower().split(":")[0])[:40].strip("-")
        name = f"grafik-{i:02d}-{slug or 'grafik'}.png"
        (out / name).write_bytes(fake.file_bytes(m["photo"][-1]["file_id"]))
        files[m["photo"][-1]["file_id"]] = name
    docs = [m["document"] for m in fake.bot_messages(PIC.id) if "document" in m]
    for doc in docs:  # the /laporan XLSX and PDF the PIC received
        ext = doc["file_name"].rsplit(".", 1)[-1]
        name = f"laporan.{ext}"
        (out / name).write_bytes(fake.file_bytes(doc["file_id"]))
        files[doc["file_id"]] = name
    star = [m["document"] for m in fake.bot_messages(GROUP) if "document" in m]
    if star:
        (out / "praktik-baik-star.pdf").write_bytes(fake.file_bytes(star[-1]["file_id"]))
        files[star[-1]["file_id"]] = "praktik-baik-star.pdf"
        for m in fake.bot_messages(ANI.id):  # the same PDF as Ani first received it, and her Word version
            if "document" in m and m["document"]["file_name"].endswith(".docx"):
                (out / "praktik-baik-star.docx").write_bytes(fake.file_bytes(m["document"]["file_id"]))
                files[m["document"]["file_id"]] = "praktik-baik-star.docx"
            elif "document" in m:
                files[m["document"]["file_id"]] = "praktik-baik-star.pdf"
    return files


README = """Kombel Bot — hasil demo offline / offline demo output
========================================================

Satu komunitas simulasi (PIC Sari Wulandari, kepala sekolah Hendra Kusuma, 10 anggota, zona WITA)
menjalani satu siklus inkuiri 8 pekan, 13 Juli – 7 September 2026, lewat aplikasi, handler, penjadwal
dan basis data yang sama dengan produksi, melawan Bot API tiruan (tanpa token, tanpa jaringan).

transcript-group.txt      Percakapan grup: set-up, jadwal, pengingat + RSVP, presensi, jam belajar,
                          siklus inkuiri (pertanyaan, jawaban, rangkuman), RTL, survei, ringkasan pekanan.
transcript-pic.txt        Chat pribadi PIC: tautan kepala sekolah, pengingat RTL, /laporan.
transcript-dewi-en.txt    Chat pribadi Dewi (bahasa Inggris): menjawab siklus, tes, dan cek mingguan.
transcript-principal.txt  Chat pribadi kepala sekolah: tersambung lewat /kepsek, ringkasan (digest) tiap
                          Senin 07.00 WITA, laporan siklus.
laporan.xlsx              /laporan yang diterima PIC (Excel: kehadiran, jam belajar, siklus, RTL, survei).
laporan.pdf               /laporan yang sama dalam PDF.
praktik-baik-star.pdf     Praktik baik Ani Rahmawati (Situasi–Tantangan–Aksi–Refleksi), dibagikan ke grup.
praktik-baik-star.docx    Praktik baik yang sama dalam Word, untuk disunting (Ani memintanya di chat pribadi).
grafik-NN-*.png           Grafik yang dikirim bot ke grup (hasil survei, tes awal/akhir, ringkasan pekanan).

English: the group chat, the PIC's, an English-speaking member's and the principal's private chats as
transcripts; the PIC's /report (XLSX and PDF); the good-practice (STAR) PDF and Word document; every chart
the bot posted.
"""


NOISE_BUDGET = 6  # bot messages a school week in the group, after the set-up week (issue 14)
ANSWER_MAX = 1024  # an answer to what someone typed does not count against the budget, but stays this short


def noise_by_week(sim: Sim, chat_id: int = GROUP) -> tuple[dict[str, int], int]:
    """Bot messages in the group per ISO week (local time), as the fake Bot API holds them, and the longest
    answer to a person. Edits are free; a reply to a person's message (the answer to what they typed) does
    not count."""
    weeks: dict[str, int] = {}
    longest = 0
    for m in sim.fake.bot_messages(chat_id):
        to = m.get("reply_to_message") or {}
        if to and not to.get("from", {}).get("is_bot"):
            longest = max(longest, len(m.get("text") or m.get("caption") or ""))
            continue
        year, week, _ = datetime.fromtimestamp(m["date"], TZ).isocalendar()
        key = f"{year}-W{week:02d}"
        weeks[key] = weeks.get(key, 0) + 1
    return dict(sorted(weeks.items())), longest
