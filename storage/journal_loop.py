"""Repositories of the journal loop (seed 004): the "why?" of a journal entry, the weekly problems card with
its proposals and votes, and trials with their effect. SQL lives here only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from domain.journal_loop import MAX_PROBLEMS
from storage.chats import register_chat_column, still_in_group
from storage.db import Database

register_chat_column("jl_cards", "chat_id")


def _build(cls: Any, row: Any) -> Any:
    keys = row.keys()
    return cls(**{f: row[f] for f in cls.__dataclass_fields__ if f in keys})


@dataclass(frozen=True)
class LoopEntry:
    id: int
    user_id: int
    community_id: int
    day: str
    text: str
    shared_at: int | None
    created_at: int
    differed: int | None = None
    why: str | None = None
    share_named: int = 0


@dataclass(frozen=True)
class Card:
    id: int
    community_id: int
    week: str
    chat_id: int
    message_id: int | None
    thread_id: int | None
    status: str
    created_at: int


@dataclass
class CardProposal:
    id: int
    text: str
    votes: int


@dataclass
class CardProblem:
    id: int
    n: int
    entry: LoopEntry
    proposals: list[CardProposal] = field(default_factory=list)
    trial_status: str | None = None


@dataclass(frozen=True)
class Trial:
    id: int
    community_id: int
    problem_id: int | None
    proposal_id: int | None
    owner_user_id: int | None
    cycle_id: int | None
    rtl_id: int | None
    start_day: str
    end_day: str
    status: str
    ask_at: int | None
    asked: int
    ask_message_id: int | None
    effect: str | None
    effect_note: str | None
    effect_at: int | None
    created_at: int
    problem: str | None = None
    why: str | None = None
    solution: str | None = None
    share_named: int = 0


_TRIAL_SELECT = ("SELECT t.*, e.text AS problem, e.why AS why, COALESCE(e.share_named, 0) AS share_named,"
                 " p.text AS solution FROM jl_trials t LEFT JOIN jl_problems q ON q.id = t.problem_id"
                 " LEFT JOIN journal_entries e ON e.id = q.entry_id LEFT JOIN jl_proposals p ON p.id = t.proposal_id")


class JournalLoopRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- the entry: differed? why? shared with or without the name ----------------------------------
    async def entry(self, entry_id: int) -> LoopEntry | None:
        row = await self.db.fetchone("SELECT * FROM journal_entries WHERE id = ?", (entry_id,))
        return _build(LoopEntry, row) if row else None

    async def set_differed(self, entry_id: int, user_id: int, differed: bool) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE journal_entries SET differed = ? WHERE id = ? AND user_id = ?",
                                   (int(differed), entry_id, user_id))
            return bool(cur.rowcount)

    async def set_why(self, entry_id: int, user_id: int, why: str) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE journal_entries SET why = ?, differed = 1 WHERE id = ? AND user_id = ?",
                                   (why, entry_id, user_id))
            return bool(cur.rowcount)

    async def share(self, entry_id: int, user_id: int, named: bool, now: int) -> LoopEntry | None:
        """Share for the weekly discussion; a later "with my name" upgrades an anonymous share. An open card
        of the community picks the entry up (`open_cards_with`: the cards to touch)."""
        async with self.db.tx() as tx:
            cur = await tx.execute(
                "UPDATE journal_entries SET shared_at = COALESCE(shared_at, ?), share_named = MAX(share_named, ?)"
                " WHERE id = ? AND user_id = ?", (now, int(named), entry_id, user_id))
            if not cur.rowcount:
                return None
            row = await tx.fetchone("SELECT * FROM journal_entries WHERE id = ?", (entry_id,))
            card = await tx.fetchone("SELECT id FROM jl_cards WHERE community_id = ? AND status = 'open'"
                                     " ORDER BY id DESC LIMIT 1", (row["community_id"],))
            if card is not None:
                await tx.execute(
                    "INSERT INTO jl_problems (card_id, n, entry_id) SELECT ?, COALESCE(MAX(n), 0) + 1, ?"
                    " FROM jl_problems WHERE card_id = ? HAVING COUNT(*) < ? ON CONFLICT DO NOTHING",
                    (card["id"], entry_id, card["id"], MAX_PROBLEMS))
        return _build(LoopEntry, row)

    # -- the weekly card ------------------------------------------------------------------------------
    async def card_of_week(self, community_id: int, week: str) -> Card | None:
        row = await self.db.fetchone("SELECT * FROM jl_cards WHERE community_id = ? AND week = ?", (community_id, week))
        return _build(Card, row) if row else None

    async def open_card(self, community_id: int, week: str, chat_id: int, thread_id: int | None, by: int,
                        now: int, since: int) -> tuple[Card, int]:
        """This week's card (created if needed) with every problem shared since `since` and not yet on a card
        added. Returns the card and how many problems it holds."""
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO jl_cards (community_id, week, chat_id, thread_id, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (community_id, week) DO NOTHING",
                (community_id, week, chat_id, thread_id, by, now))
            card = await tx.fetchone("SELECT * FROM jl_cards WHERE community_id = ? AND week = ?", (community_id, week))
            if card["status"] == "open":
                for e in await tx.fetchall(
                        "SELECT id FROM journal_entries e WHERE community_id = ? AND shared_at >= ? AND NOT EXISTS"
                        " (SELECT 1 FROM jl_problems q WHERE q.entry_id = e.id) ORDER BY shared_at, id LIMIT"
                        " MAX(0, ? - (SELECT COUNT(*) FROM jl_problems WHERE card_id = ?))",
                        (community_id, since, MAX_PROBLEMS, card["id"])):
                    await tx.execute(
                        "INSERT INTO jl_problems (card_id, n, entry_id) SELECT ?, COALESCE(MAX(n), 0) + 1, ?"
                        " FROM jl_problems WHERE card_id = ?", (card["id"], e["id"], card["id"]))
            n = (await tx.fetchone("SELECT COUNT(*) AS n FROM jl_problems WHERE card_id = ?", (card["id"],)))["n"]
        return _build(Card, card), int(n)

    async def communities_with_new_problems(self, since: int) -> list[int]:
        """Communities with a problem shared since `since` that is on no card yet."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT community_id FROM journal_entries e WHERE shared_at >= ? AND NOT EXISTS"
            " (SELECT 1 FROM jl_problems q WHERE q.entry_id = e.id) ORDER BY community_id", (since,))
        return [int(r[0]) for r in rows]

    async def card(self, card_id: int) -> Card | None:
        row = await self.db.fetchone("SELECT * FROM jl_cards WHERE id = ?", (card_id,))
        return _build(Card, row) if row else None

    async def card_by_message(self, chat_id: int, message_id: int) -> Card | None:
        row = await self.db.fetchone("SELECT * FROM jl_cards WHERE chat_id = ? AND message_id = ?",
                                     (chat_id, message_id))
        return _build(Card, row) if row else None

    async def set_card_message(self, card_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.tx() as tx:
            await self.set_card_message_in(tx, card_id, chat_id, message_id)

    @staticmethod
    async def set_card_message_in(tx: Any, card_id: int, chat_id: int, message_id: int) -> None:
        await tx.execute("UPDATE jl_cards SET chat_id = ?, message_id = ? WHERE id = ?", (chat_id, message_id, card_id))

    async def problems(self, card_id: int) -> list[CardProblem]:
        rows = await self.db.fetchall(
            "SELECT q.id AS qid, q.n, e.*, t.status AS trial_status FROM jl_problems q"
            " JOIN journal_entries e ON e.id = q.entry_id LEFT JOIN jl_trials t ON t.problem_id = q.id"
            " WHERE q.card_id = ? ORDER BY q.n", (card_id,))
        out = [CardProblem(r["qid"], r["n"], _build(LoopEntry, r), trial_status=r["trial_status"]) for r in rows]
        by_id = {p.id: p for p in out}
        for r in await self.db.fetchall(
                "SELECT p.id, p.problem_id, p.text, (SELECT COUNT(*) FROM jl_votes v WHERE v.proposal_id = p.id)"
                " AS votes FROM jl_proposals p JOIN jl_problems q ON q.id = p.problem_id WHERE q.card_id = ?"
                " ORDER BY p.id", (card_id,)):
            by_id[r["problem_id"]].proposals.append(CardProposal(r["id"], r["text"], int(r["votes"])))
        return out

    async def add_proposal(self, card_id: int, n: int, text: str, by: int, now: int, origin: tuple[int, int],
                           limit: int) -> tuple[str, int]:
        """("added" | "again" | "full" | "closed" | "missing", the problem number)."""
        def work(conn: sqlite3.Connection) -> tuple[str, int]:
            card = conn.execute("SELECT status FROM jl_cards WHERE id = ?", (card_id,)).fetchone()
            if card is None or card["status"] != "open":
                return "closed", n
            if conn.execute("SELECT 1 FROM jl_proposals WHERE origin_chat_id = ? AND origin_message_id = ?",
                            origin).fetchone():
                return "again", n
            q = conn.execute("SELECT id FROM jl_problems WHERE card_id = ? AND n = ?", (card_id, n)).fetchone()
            if q is None:
                return "missing", n
            if conn.execute("SELECT COUNT(*) FROM jl_proposals WHERE problem_id = ?", (q["id"],)).fetchone()[0] >= limit:
                return "full", n
            conn.execute("INSERT INTO jl_proposals (problem_id, text, proposed_by, created_at, origin_chat_id,"
                         " origin_message_id) VALUES (?, ?, ?, ?, ?, ?)", (q["id"], text, by, now, *origin))
            return "added", n
        return await self.db.unit(work)

    async def vote(self, proposal_id: int, user_id: int, community_id: int) -> str:
        """Toggle a vote (one per person and problem): "added" | "moved" | "removed" | "closed" | "missing"."""
        def work(conn: sqlite3.Connection) -> str:
            row = conn.execute(
                "SELECT p.problem_id, c.id AS card_id, c.status FROM jl_proposals p JOIN jl_problems q"
                " ON q.id = p.problem_id JOIN jl_cards c ON c.id = q.card_id WHERE p.id = ? AND c.community_id = ?",
                (proposal_id, community_id)).fetchone()
            if row is None:
                return "missing"
            if row["status"] != "open":
                return "closed"
            old = conn.execute("SELECT proposal_id FROM jl_votes WHERE problem_id = ? AND user_id = ?",
                               (row["problem_id"], user_id)).fetchone()
            if old is not None and old[0] == proposal_id:
                conn.execute("DELETE FROM jl_votes WHERE problem_id = ? AND user_id = ?", (row["problem_id"], user_id))
                outcome = "removed"
            else:
                conn.execute("INSERT INTO jl_votes (problem_id, user_id, proposal_id) VALUES (?, ?, ?) ON CONFLICT"
                             " (problem_id, user_id) DO UPDATE SET proposal_id = excluded.proposal_id",
                             (row["problem_id"], user_id, proposal_id))
                outcome = "moved" if old is not None else "added"
            return outcome
        return await self.db.unit(work)

    async def open_cards_with(self, entry_id: int) -> list[int]:
        """The posted open cards an entry is a problem on (its edit shows there)."""
        rows = await self.db.fetchall("SELECT c.id FROM jl_problems q JOIN jl_cards c ON c.id = q.card_id"
                                      " WHERE q.entry_id = ? AND c.status = 'open' AND c.message_id IS NOT NULL",
                                      (entry_id,))
        return [int(r[0]) for r in rows]

    async def decide(self, card_id: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE jl_cards SET status = 'decided' WHERE id = ? AND status = 'open'",
                                   (card_id,))
            return bool(cur.rowcount)

    # -- trials ------------------------------------------------------------------------------------
    async def add_trial(self, community_id: int, problem_id: int, proposal_id: int, owner: int,
                        cycle_id: int | None, start_day: str, end_day: str, now: int) -> int | None:
        """One trial per problem: None if the problem has one already."""
        async with self.db.tx() as tx:
            if await tx.fetchone("SELECT 1 FROM jl_trials WHERE problem_id = ?", (problem_id,)):
                return None
            return await tx.insert(
                "INSERT INTO jl_trials (community_id, problem_id, proposal_id, owner_user_id, cycle_id, start_day,"
                " end_day, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, problem_id, proposal_id, owner, cycle_id, start_day, end_day, now))

    async def trial(self, trial_id: int) -> Trial | None:
        row = await self.db.fetchone(_TRIAL_SELECT + " WHERE t.id = ?", (trial_id,))
        return _build(Trial, row) if row else None

    async def accept(self, trial_id: int, owner: int, rtl_id: int, ask_at: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE jl_trials SET status = 'accepted', rtl_id = ?, ask_at = ? WHERE id = ?"
                                   " AND owner_user_id = ? AND status = 'offered'", (rtl_id, ask_at, trial_id, owner))
            return bool(cur.rowcount)

    async def decline(self, trial_id: int, owner: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE jl_trials SET status = 'declined' WHERE id = ? AND owner_user_id = ?"
                                   " AND status = 'offered'", (trial_id, owner))
            return bool(cur.rowcount)

    async def due_asks(self, now: int) -> list[Trial]:
        rows = await self.db.fetchall(
            _TRIAL_SELECT + " WHERE t.asked = 0 AND t.ask_at <= ? AND t.status = 'accepted' AND t.effect IS NULL"
            " AND " + still_in_group("t.community_id", "t.owner_user_id"), (now,))
        return [_build(Trial, r) for r in rows]

    async def postpone(self, trial_id: int, ask_at: int) -> None:
        async with self.db.tx(mark=False) as tx:
            await tx.execute("UPDATE jl_trials SET ask_at = ? WHERE id = ?", (ask_at, trial_id))

    async def mark_asked(self, trial_id: int, message_id: int | None) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE jl_trials SET asked = 1, ask_message_id = ? WHERE id = ?", (message_id, trial_id))

    @staticmethod
    async def asked_in(tx: Any, trial_id: int) -> None:
        """The effect question is queued (in the unit that queues it); `ask_sent_in` records its message."""
        await tx.execute("UPDATE jl_trials SET asked = 1 WHERE id = ?", (trial_id,))

    @staticmethod
    async def ask_sent_in(tx: Any, trial_id: int, message_id: int) -> None:
        await tx.execute("UPDATE jl_trials SET ask_message_id = ? WHERE id = ?", (message_id, trial_id))

    async def set_effect(self, trial_id: int, owner: int, effect: str, now: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE jl_trials SET effect = ?, effect_at = ? WHERE id = ? AND owner_user_id = ?"
                                   " AND status = 'accepted'", (effect, now, trial_id, owner))
            return bool(cur.rowcount)

    async def set_effect_note(self, trial_id: int, owner: int, note: str) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE jl_trials SET effect_note = ? WHERE id = ? AND owner_user_id = ?",
                                   (note, trial_id, owner))
            return bool(cur.rowcount)

    async def trials_between(self, community_id: int, start: int, end: int) -> list[Trial]:
        rows = await self.db.fetchall(_TRIAL_SELECT + " WHERE t.community_id = ? AND t.status = 'accepted' AND"
                                      " t.created_at < ? AND COALESCE(t.effect_at, ?) >= ? ORDER BY t.id",
                                      (community_id, end, end, start))
        return [_build(Trial, r) for r in rows]

    async def trials_of_cycle(self, cycle_id: int) -> list[Trial]:
        rows = await self.db.fetchall(_TRIAL_SELECT + " WHERE t.cycle_id = ? AND t.status = 'accepted' ORDER BY t.id",
                                      (cycle_id,))
        return [_build(Trial, r) for r in rows]

    async def trials(self, community_id: int, limit: int = 10) -> list[Trial]:
        rows = await self.db.fetchall(_TRIAL_SELECT + " WHERE t.community_id = ? AND t.status = 'accepted'"
                                      " ORDER BY t.id DESC LIMIT ?", (community_id, limit))
        return [_build(Trial, r) for r in rows]
