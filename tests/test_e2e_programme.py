"""End to end through the fake Bot API (issue 15): the community agreement and core team (/kesepakatan), the
programme's activities with teachers, pupils and parents (/kegiatan) in the report, and the progress map as
the community places itself (/peta), in the map, the report and the digest — in Indonesian and English,
with refusals (non-PIC, wrong chat, departed member) and bad inputs."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pypdf

from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard

NOT_PIC = "hanya PIC komunitas"
LEFT = "sudah tidak berada di grup"


def buttons(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def labels(message: dict) -> list[str]:
    return [b["text"] for b in buttons(message)]


def alerts(sim) -> list[str]:
    return [c.get("text") or "" for c in sim.fake.calls_of("answerCallbackQuery")]


def find(sim, chat: int, needle: str) -> dict:
    return next(m for m in reversed(sim.fake.bot_messages(chat)) if needle in (m.get("text") or ""))


def msg(sim, chat: int, message_id: int) -> dict:
    return next(m for m in sim.fake.bot_messages(chat) if m["message_id"] == message_id)


async def deliver_all(sim, updates: list[dict]) -> None:
    for update in updates:
        await sim.deliver(update)


async def english(sim, uid: int) -> None:
    await sim.say(uid, uid, "/start")
    await sim.say(uid, uid, "/bahasa")
    await sim.tap(uid, sim.last(uid)["message_id"], uid, "English")


async def community(sim):
    return await sim.services.repos.communities.by_chat(GROUP)


async def make_pic(sim, uid: int) -> None:
    msg = await sim.say(GROUP, uid, "Saya bantu koordinasi")
    await sim.say(GROUP, PIC, "/pic tambah", reply_to=msg["message"]["message_id"])


# -- /kesepakatan ----------------------------------------------------------------------------------
async def test_pic_names_the_core_team_and_writes_the_agreement_members_accept_with_one_tap(sim):
    await onboard(sim, members=(ANI, BUDI))
    assert "/kesepakatan tim" in find(sim, GROUP, "Set-up selesai")["text"]  # the next step after /atur
    await sim.say(GROUP, ANI, "/kesepakatan")
    assert "belum punya kesepakatan" in sim.last_text(GROUP) and "PIC akan menuliskannya" in sim.last_text(GROUP)

    # the core team: one tap per person on one card, edited in place; only a PIC may tap
    await sim.say(GROUP, PIC, "/kesepakatan tim")
    card = sim.last(GROUP)
    assert "Tim inti" in card["text"] and "Ani Rahma" in labels(card)
    await sim.tap(GROUP, card["message_id"], ANI, "Ani Rahma")
    assert NOT_PIC in alerts(sim)[-1]
    await sim.tap(GROUP, card["message_id"], PIC, "Ani Rahma")
    assert "Ani Rahma masuk tim inti" in alerts(sim)[-1]
    card = msg(sim, GROUP, card["message_id"])
    assert "Sekarang: Ani Rahma." in card["text"] and "⭐ Ani Rahma" in labels(card)
    await sim.say(GROUP, ANI, "/kesepakatan tim")
    assert NOT_PIC in sim.last_text(GROUP)

    # the text: a bad reply gets the form again; "contoh" takes the suggested default (003)
    await sim.say(GROUP, PIC, "/kesepakatan tulis")
    assert "Balas pesan ini" in sim.last_text(GROUP) and "Hari Belajar Guru" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "ok", reply_to=sim.last(GROUP)["message_id"])
    assert "terlalu pendek" in sim.texts(GROUP)[-2] and "Bentuknya" in sim.texts(GROUP)[-2]
    await sim.say(GROUP, PIC, "contoh", reply_to=sim.last(GROUP)["message_id"])
    card = sim.last(GROUP)
    assert "Kesepakatan komunitas" in card["text"] and "Tim inti: Ani Rahma" in card["text"]
    assert labels(card) == ["✅ Saya setuju"]

    await sim.tap(GROUP, card["message_id"], ANI, "✅ Saya setuju")
    assert "persetujuan Anda tercatat" in alerts(sim)[-1]
    await sim.tap(GROUP, card["message_id"], ANI, "✅ Saya setuju")
    assert "sudah menyetujui" in alerts(sim)[-1]
    before = len(sim.fake.bot_messages(GROUP))
    await sim.tap(GROUP, card["message_id"], STRANGER, "✅ Saya setuju")  # not a member: refused, quietly
    assert "belum terdaftar" in alerts(sim)[-1] and len(sim.fake.bot_messages(GROUP)) == before

    # the group sees the count; the PIC sees the names in private
    await sim.say(GROUP, BUDI, "/kesepakatan")
    assert "Sudah setuju: 1 dari 2 anggota." in sim.last_text(GROUP)  # members: the PIC is an administrator
    assert "Budi" not in sim.last_text(GROUP).split("Sudah setuju")[1]
    assert labels(sim.last(GROUP)) == ["✅ Saya setuju"]  # Budi has not accepted yet: one tap from here
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, "/kesepakatan")
    text = sim.last_text(PIC)
    assert "✅ Ani Rahma\n" in text
    assert "Belum: Budi Santoso" in text

    # changing the text asks again: the old card's button is refused as outdated, a new card is posted
    await sim.say(PIC, PIC, "/kesepakatan tulis")
    await sim.say(PIC, PIC, "Nilai: saling percaya.\nKomitmen: hadir setiap Kamis dan berbagi satu praktik baik.")
    assert "semua anggota diminta menyetujui teks baru" in sim.last_text(PIC)
    new_card = sim.last(GROUP)
    assert "(diperbarui)" in new_card["text"] and "saling percaya" in new_card["text"]
    await sim.tap(GROUP, card["message_id"], ANI, "✅ Saya setuju")
    assert "sudah diperbarui" in alerts(sim)[-1]
    await sim.tap(GROUP, new_card["message_id"], BUDI, "✅ Saya setuju")
    assert "tercatat" in alerts(sim)[-1]
    await sim.say(PIC, PIC, "/kesepakatan")
    assert "Belum: Ani Rahma" in sim.last_text(PIC)


async def test_a_member_who_joins_later_accepts_on_the_welcome_and_a_departed_one_is_refused(sim):
    welcome = await onboard(sim, members=(ANI, BUDI))
    await sim.say(GROUP, PIC, "/kesepakatan tulis")
    await sim.say(GROUP, PIC, "contoh", reply_to=sim.last(GROUP)["message_id"])
    card = sim.last(GROUP)
    await sim.tap(GROUP, welcome["message_id"], CITRA, "Guru kelas")
    joined = sim.last(GROUP)
    assert "Selamat bergabung, Citra" in joined["text"] and "kesepakatan bersama" in joined["text"]
    await sim.tap(GROUP, joined["message_id"], CITRA, "✅ Saya setuju")
    assert "tercatat" in alerts(sim)[-1]

    await deliver_all(sim, sim.fake.leave_group(GROUP, BUDI))
    await sim.tap(GROUP, card["message_id"], BUDI, "✅ Saya setuju")
    assert LEFT in alerts(sim)[-1]

    # in English, in private
    await english(sim, CITRA)
    await sim.say(CITRA, CITRA, "/agreement")
    text = sim.last_text(CITRA)
    assert "Agreement of Kombel SDN 3 Mataram" in text and "Our values" not in text  # the group's own words
    assert "Accepted by: 1 of 2 members (including you ✅)" in text
    await sim.say(CITRA, CITRA, "/agreement nonsense")
    assert "Use: /agreement" in sim.last_text(CITRA) and "PIC:" not in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/agreement write")
    assert "only the community's PIC" in sim.last_text(CITRA)
