"""Repositories of the journal loop on a real SQLite file: numbering on the card, proposals (idempotent,
capped, closed), one vote per person and problem, one trial per problem, trials by period."""

from __future__ import annotations

import pytest

from storage.backends import make_database
from storage.cycle import CycleStore
from storage.journal_loop import JournalLoopRepo


@pytest.fixture
async def db(db_target):
    d = await make_database(db_target).open()
    async with d.tx() as tx:
        for cid in (1, 2):
            await tx.execute("INSERT INTO communities (id, chat_id, tz, created_at, updated_at)"
                             " VALUES (?, ?, 'Asia/Makassar', 0, 0)", (cid, -100 - cid))
    yield d
    await d.close()


async def test_card_proposals_votes_and_trials(db):
    journal, r = CycleStore.on(db).journal, JournalLoopRepo(db)
    e1 = await journal.add_entry(5, 1, "2026-11-24", "masalah satu", 100, (5, 1))
    e2 = await journal.add_entry(6, 1, "2026-11-24", "masalah dua", 100, (6, 1))
    other = await journal.add_entry(7, 2, "2026-11-24", "komunitas lain", 100, (7, 1))
    assert await r.share(e1, 6, True, 200) is None  # not theirs
    await r.share(e1, 5, False, 200)
    await r.share(other, 7, False, 200)
    assert await r.communities_with_new_problems(150) == [1, 2]
    card, n = await r.open_card(1, "2026-W48", -101, None, 9, 300, 0)
    assert n == 1 and card.status == "open"
    await r.share(e2, 6, True, 310)  # shared while the card is open: joins it as number 2, card owed an edit
    await r.share(e1, 5, True, 320)  # a later "with my name" upgrades the first share
    problems = await r.problems(card.id)
    assert [(p.n, p.entry.share_named) for p in problems] == [(1, 1), (2, 1)]
    await r.set_card_message(card.id, -101, 77)  # posted: the entries' edits show on it (bot.live touches it)
    assert await r.open_cards_with(e2) == [card.id] and await r.open_cards_with(other) == []
    assert await r.communities_with_new_problems(150) == [2]

    assert await r.add_proposal(card.id, 1, "A", 6, 400, (-101, 10), 2) == ("added", 1)
    assert await r.add_proposal(card.id, 1, "A", 6, 400, (-101, 10), 2) == ("again", 1)  # re-delivered
    assert await r.add_proposal(card.id, 1, "B", 5, 400, (-101, 11), 2) == ("added", 1)
    assert await r.add_proposal(card.id, 1, "C", 5, 400, (-101, 12), 2) == ("full", 1)
    assert await r.add_proposal(card.id, 3, "C", 5, 400, (-101, 13), 2) == ("missing", 3)
    a, b = (x.id for x in (await r.problems(card.id))[0].proposals)
    assert await r.vote(a, 8, 2) == "missing"  # another community's card
    assert [await r.vote(a, 8, 1), await r.vote(b, 8, 1), await r.vote(b, 8, 1), await r.vote(a, 9, 1)] == \
        ["added", "moved", "removed", "added"]
    assert [x.votes for x in (await r.problems(card.id))[0].proposals] == [1, 0]

    assert await r.decide(card.id) and not await r.decide(card.id)
    assert await r.vote(a, 8, 1) == "closed"
    assert await r.add_proposal(card.id, 2, "D", 5, 600, (-101, 14), 2) == ("closed", 2)

    p1 = (await r.problems(card.id))[0]
    t = await r.add_trial(1, p1.id, a, 5, None, "2026-11-25", "2026-12-08", 700)
    assert await r.add_trial(1, p1.id, a, 5, None, "2026-11-25", "2026-12-08", 700) is None
    rtl = await CycleStore.on(db).rtl.add(1, None, "Uji coba: A", None, 5, "2026-12-08", None, 5, 700, 800, (5, 9))
    assert not await r.accept(t, 6, rtl, 900)  # only its owner
    assert await r.accept(t, 5, rtl, 900) and not await r.decline(t, 5)
    assert [x.id for x in await r.due_asks(899)] == [] and [x.id for x in await r.due_asks(900)] == [t]
    await r.mark_asked(t, 77)
    assert await r.due_asks(10**9) == []
    assert await r.set_effect(t, 5, "helped", 1000)
    trial = await r.trial(t)
    assert (trial.problem, trial.solution, trial.effect) == ("masalah satu", "A", "helped")
    assert [x.id for x in await r.trials_between(1, 0, 2000)] == [t]
    assert await r.trials_between(1, 1001, 2000) == []  # its effect came before the period
    assert await r.trials_between(1, 0, 700) == []  # created at the period's end
