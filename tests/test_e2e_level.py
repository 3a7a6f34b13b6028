"""Jenjang, fase and mapel: optional, one tap for level and phase (`/atur jenjang`), typed for the subject
(`/atur mapel ...`), kept in the community's settings and written into the STAR draft."""

from __future__ import annotations

from bot.handlers.cycle_star import draft
from tests.conftest import ANI, GROUP, PIC, onboard


async def community(sim):
    return await sim.services.repos.communities.by_chat(GROUP)


async def test_level_and_subject_in_one_tap_and_one_line_and_in_the_star_draft(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/atur jenjang")
    pick = sim.last(GROUP)
    assert "Belum diisi." in pick["text"] and "Ketuk satu tombol" in pick["text"]
    assert [b for row in sim.fake.buttons(pick) for b in row][:2] == ["PAUD · fondasi", "SD · fase A (kelas 1–2)"]
    await sim.tap(GROUP, pick["message_id"], ANI, "SD · fase B (kelas 3–4)")  # a member may not
    assert (await community(sim)).settings.get("level") is None
    await sim.tap(GROUP, pick["message_id"], PIC, "SD · fase B (kelas 3–4)")
    assert (await community(sim)).settings["level"] == "sd_b"
    assert "Jenjang SD, fase B dicatat" in sim.fake.edits(GROUP, pick["message_id"])[-1]

    await sim.say(GROUP, PIC, "/atur mapel")
    assert "belum diisi" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/atur mapel " + "x" * 61)
    assert "terlalu panjang" in sim.last_text(GROUP) and (await community(sim)).settings.get("subject") is None
    await sim.say(GROUP, PIC, "/atur mapel   Bahasa   Indonesia")
    assert "Mata pelajaran dicatat: Bahasa Indonesia." in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/atur mapel Matematika")  # PICs only
    assert (await community(sim)).settings["subject"] == "Bahasa Indonesia"
    await sim.say(GROUP, PIC, "/atur jenjang")
    assert "Sekarang: SD, fase B, mapel Bahasa Indonesia." in sim.last_text(GROUP)

    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    got = await draft(sim.services, await community(sim), ANI, "id")
    assert "jenjang SD, fase B, mapel Bahasa Indonesia, menjalankan siklus inkuiri" in got["situation"], got
    got = await draft(sim.services, await community(sim), ANI, "en")
    assert "level SD, phase B, subject Bahasa Indonesia, ran the inquiry cycle" in got["situation"], got

    await sim.say(GROUP, PIC, "/atur mapel hapus")
    assert "Mata pelajaran dihapus" in sim.last_text(GROUP)
    got = await draft(sim.services, await community(sim), ANI, "id")
    assert "jenjang SD, fase B, menjalankan" in got["situation"] and "mapel" not in got["situation"]


async def test_a_cycle_start_offers_the_level_in_one_tap_until_it_is_set(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    started = next(m for m in sim.fake.bot_messages(GROUP) if "Siklus baru dimulai" in m.get("text", ""))
    assert "ketuk jenjang dan fase di bawah" in started["text"]
    await sim.tap(GROUP, started["message_id"], PIC, "SD · fase C (kelas 5–6)")
    assert (await community(sim)).settings["level"] == "sd_c"
    got = await draft(sim.services, await community(sim), ANI, "id")
    assert "jenjang SD, fase C, menjalankan" in got["situation"], got
