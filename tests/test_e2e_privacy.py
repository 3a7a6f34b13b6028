"""Personal data: /privacy, export of one's own data, deletion with confirmation, community deletion."""

from __future__ import annotations

import json

from storage.personal_data import export_user
from tests.conftest import ANI, BUDI, GROUP, PIC, onboard


async def test_privacy_explains_in_both_languages(sim):
    await onboard(sim)
    await sim.say(GROUP, ANI, "/privasi")
    assert "UU 27/2022" in sim.last_text(GROUP) and "/hapusdataku" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/bahasa")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "English")
    await sim.say(ANI, ANI, "/privacy")
    assert "Who sees it" in sim.last_text(ANI)


async def test_export_and_delete_my_data(sim):
    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/dataku")
    doc = sim.last(ANI)["document"]
    data = json.loads(sim.fake.file_bytes(doc["file_id"]))
    assert data["users"][0]["first_name"] == "Ani" and data["members"][0]["role"] == "classroom"
    await sim.say(ANI, ANI, "/hapusdataku")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "Batal")
    assert await export_user(sim.services.db, ANI)  # nothing deleted
    await sim.say(ANI, ANI, "/hapusdataku")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "Ya, hapus")
    assert "sudah dihapus" in sim.last_text(ANI)
    left = await export_user(sim.services.db, ANI)
    assert set(left) <= {"users"}  # only the fresh row of the person who just spoke to us
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert await sim.services.repos.members.get(c.id, ANI) is None
    assert await sim.services.repos.members.get(c.id, BUDI) is not None


async def test_pic_deletes_community_data_with_confirmation(sim):
    await onboard(sim)
    await sim.say(GROUP, ANI, "/hapuskomunitas")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/hapuskomunitas")
    confirm = sim.last(GROUP)["message_id"]
    await sim.tap(GROUP, confirm, ANI, "Ya, hapus")  # a member cannot confirm
    assert await sim.services.repos.communities.by_chat(GROUP) is not None
    await sim.tap(GROUP, confirm, PIC, "Ya, hapus")
    assert "sudah dihapus" in sim.last_text(GROUP)
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM members") == 0
