"""Shared fixtures: a simulated deployment (real Application + fake Bot API + real SQLite file)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.sim import Sim

GROUP = -1001234567890
PIC, ANI, BUDI, CITRA, KEPSEK, STRANGER = 101, 102, 103, 104, 105, 199


@pytest.fixture
def clock():
    # Tuesday 24 November 2026, 01:00 UTC = 09:00 WITA
    return ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))


@pytest.fixture
async def sim(tmp_path, clock):
    s = Sim(tmp_path / "kombel.sqlite3", clock=clock)
    f = s.fake
    f.user(PIC, "Sari", last_name="Wulandari", username="bu_sari")
    f.user(ANI, "Ani", last_name="Rahma")
    f.user(BUDI, "Budi", last_name="Santoso")
    f.user(CITRA, "Citra", language_code="en")
    f.user(KEPSEK, "Hendra", last_name="Kusuma")
    f.user(STRANGER, "Orang", last_name="Lain")
    f.group(GROUP, "Kombel SDN 3 Mataram", supergroup=True, admins=[PIC], members=[ANI, BUDI, CITRA, KEPSEK],
            bot_member=False)
    await s.start()
    yield s
    await s.stop()


async def onboard(sim: Sim, *, members=(ANI, BUDI, CITRA), role="classroom", tz_label="WITA", work_days=5):
    """Add the bot, run /setup as the PIC, and let members join: the common start of feature tests."""
    f = sim.fake
    await sim.deliver(f.add_bot(GROUP, PIC))
    welcome = sim.last(GROUP)
    await sim.say(GROUP, PIC, "/setup")
    await sim.say(GROUP, PIC, "Kombel SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"])
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "KKG")
    await sim.say(GROUP, PIC, "SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"])
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, _tz_button(tz_label))
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, sim.services.renderer.t("id", f"week.{work_days}"))
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Bahasa Indonesia")
    role_label = sim.services.renderer.t("id", f"role.{role}")
    for uid in members:
        await sim.tap(GROUP, welcome["message_id"], uid, role_label)
    return welcome


def _tz_button(label: str) -> str:
    return {"WIB": "WIB (Jakarta, UTC+7)", "WITA": "WITA (Makassar, UTC+8)", "WIT": "WIT (Jayapura, UTC+9)"}[label]
