"""Repositories of the inquiry cycle: cycles and stages, prompts, answers and evidence, question
changes and summaries (`CycleRepo`, its rows in `storage/cycle_rows.py`); RTL items, the daily journal and good
practices have their own modules (`cycle_rtl`, `cycle_journal`, `cycle_star`). `CycleStore` bundles them all.
SQL lives here only."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.activity import ActivityPart, activity
from storage.chats import register_chat_column
from storage.cycle_journal import JournalRepo
from storage.cycle_rows import Answer, Cycle, Evidence, History, Override, Prompt, StageRow, Summary
from storage.cycle_rtl import RtlRepo
from storage.cycle_star import GoodPracticeRepo
from storage.db import Database
from storage.rows import build as _build

for _table, _column in (("cycle_stages", "header_chat_id"), ("cycle_prompts", "chat_id"),
                        ("cycle_answers", "chat_id"), ("cycle_evidence", "chat_id")):
    register_chat_column(_table, _column)


class CycleRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- cycles -----------------------------------------------------------------------------------
    async def active(self, community_id: int) -> Cycle | None:
        row = await self.db.fetchone("SELECT * FROM cycles WHERE community_id = ? AND status = 'active'",
                                     (community_id,))
        return _build(Cycle, row) if row else None

    async def at(self, community_id: int, ts: int) -> Cycle | None:
        """The cycle running at `ts` (started, not ended yet)."""
        row = await self.db.fetchone(
            "SELECT * FROM cycles WHERE community_id = ? AND started_at <= ? AND (ended_at IS NULL OR ended_at > ?)"
            " AND status != 'cancelled' ORDER BY id DESC LIMIT 1", (community_id, ts, ts))
        return _build(Cycle, row) if row else None

    async def latest(self, community_id: int) -> Cycle | None:
        row = await self.db.fetchone("SELECT * FROM cycles WHERE community_id = ? ORDER BY id DESC LIMIT 1",
                                     (community_id,))
        return _build(Cycle, row) if row else None

    async def get(self, cycle_id: int) -> Cycle | None:
        row = await self.db.fetchone("SELECT * FROM cycles WHERE id = ?", (cycle_id,))
        return _build(Cycle, row) if row else None

    async def start(self, community_id: int, topic: str, target_raw: str, thread_id: int | None, user_id: int,
                    now: int, origin: tuple[int, int], stages: list[tuple[str, int, int, int]],
                    group_id: int | None = None) -> int | None:
        """Create a cycle with its planned stages [(stage, opens_at, closes_at, reminder_at)], aimed at one
        working group if `group_id` (in the same commit: a crash never leaves it for everyone).
        None if one is already active (or this very message already started one)."""
        async with self.db.tx() as tx:
            if await tx.fetchone("SELECT 1 FROM cycles WHERE community_id = ? AND status = 'active'",
                                 (community_id,)):
                return None
            if await tx.fetchone("SELECT 1 FROM cycles WHERE origin_chat_id = ? AND origin_message_id = ?", origin):
                return None
            cid = await tx.insert(
                "INSERT INTO cycles (community_id, topic, target_raw, thread_id, started_by, started_at,"
                " origin_chat_id, origin_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, topic, target_raw, thread_id, user_id, now, *origin))
            await tx.executemany(
                "INSERT INTO cycle_stages (cycle_id, community_id, stage, seq, opens_at, closes_at, reminder_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(cid, community_id, st, i, o, c, r) for i, (st, o, c, r) in enumerate(stages)])
            if group_id is not None:
                await tx.execute("INSERT INTO cycle_groups (cycle_id, group_id) VALUES (?, ?)", (cid, group_id))
        return cid

    async def set_results(self, cycle_id: int, before: float, after: float) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE cycles SET result_before = ?, result_after = ? WHERE id = ?",
                             (before, after, cycle_id))

    # -- stages -----------------------------------------------------------------------------------
    async def stages(self, cycle_id: int) -> list[StageRow]:
        rows = await self.db.fetchall("SELECT * FROM cycle_stages WHERE cycle_id = ? ORDER BY seq", (cycle_id,))
        return [_build(StageRow, r) for r in rows]

    async def stage(self, stage_id: int) -> StageRow | None:
        row = await self.db.fetchone("SELECT * FROM cycle_stages WHERE id = ?", (stage_id,))
        return _build(StageRow, row) if row else None

    async def due_to_open(self, now: int) -> list[StageRow]:
        rows = await self.db.fetchall(
            "SELECT s.* FROM cycle_stages s JOIN cycles c ON c.id = s.cycle_id WHERE s.status = 'planned'"
            " AND s.opens_at <= ? AND c.status = 'active' ORDER BY s.opens_at", (now,))
        return [_build(StageRow, r) for r in rows]

    async def due_to_close(self, now: int) -> list[StageRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM cycle_stages WHERE status = 'open' AND closes_at <= ? ORDER BY closes_at", (now,))
        return [_build(StageRow, r) for r in rows]

    async def unposted(self) -> list[StageRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM cycle_stages WHERE (status = 'open' AND posted = 0)"
            " OR (status = 'closed' AND synth_posted = 0) ORDER BY id")
        return [_build(StageRow, r) for r in rows]

    async def due_reminders(self, now: int) -> list[StageRow]:
        rows = await self.db.fetchall(
            "SELECT * FROM cycle_stages WHERE reminded = 0 AND reminder_at <= ? AND status = 'open'", (now,))
        return [_build(StageRow, r) for r in rows]

    async def open_stage(self, stage_id: int, now: int, questions: list[dict[str, str]]) -> bool:
        """planned → open, only if no other stage of the cycle is open. False if someone else did it."""
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT cycle_id FROM cycle_stages WHERE id = ?", (stage_id,))
            if row is None or await tx.fetchone(
                    "SELECT 1 FROM cycle_stages WHERE cycle_id = ? AND status = 'open'", (row["cycle_id"],)):
                return False
            cur = await tx.execute(
                "UPDATE cycle_stages SET status = 'open', opened_at = ?, opens_at = MIN(opens_at, ?),"
                " questions_json = ?, reminder_at = MAX(reminder_at, ?) WHERE id = ? AND status = 'planned'",
                (now, now, json.dumps(questions, ensure_ascii=False), now, stage_id))
            return bool(cur.rowcount)

    async def close_stage(self, stage_id: int, now: int, answered: int, members: int) -> bool:
        """open → closed (ending the cycle after its last stage). False if it was not open."""
        async with self.db.tx() as tx:
            cur = await tx.execute(
                "UPDATE cycle_stages SET status = 'closed', closed_at = ?, answered_at_close = ?,"
                " members_at_close = ? WHERE id = ? AND status = 'open'", (now, answered, members, stage_id))
            if not cur.rowcount:
                return False
            row = await tx.fetchone("SELECT cycle_id, seq FROM cycle_stages WHERE id = ?", (stage_id,))
            nxt = await tx.fetchone("SELECT id FROM cycle_stages WHERE cycle_id = ? AND seq > ? LIMIT 1",
                                    (row["cycle_id"], row["seq"]))
            if nxt is None:
                await tx.execute("UPDATE cycles SET status = 'done', ended_at = ? WHERE id = ?",
                                 (now, row["cycle_id"]))
            return True

    async def pull_forward(self, stage_id: int, now: int) -> None:
        """Open a planned stage now (the PIC moved on early); keep its close date if still ahead."""
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE cycle_stages SET opens_at = ?, closes_at = MAX(closes_at, ?),"
                " reminder_at = MAX(closes_at, ?) - ? WHERE id = ? AND status = 'planned'",
                (now, now + 86400, now + 86400, 16 * 3600, stage_id))

    async def mark(self, stage_id: int, **flags: int) -> None:
        bad = set(flags) - {"posted", "synth_posted", "reminded"}
        if bad:
            raise ValueError(bad)
        cols = ", ".join(f"{k} = ?" for k in flags)
        async with self.db.tx() as tx:
            await tx.execute(f"UPDATE cycle_stages SET {cols} WHERE id = ?", (*flags.values(), stage_id))

    async def set_header(self, stage_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.tx() as tx:
            await self.set_header_in(tx, stage_id, chat_id, message_id)

    @staticmethod
    async def set_header_in(tx: Any, stage_id: int, chat_id: int, message_id: int) -> None:
        await tx.execute("UPDATE cycle_stages SET header_chat_id = ?, header_message_id = ? WHERE id = ?",
                         (chat_id, message_id, stage_id))

    # -- prompts and answers ----------------------------------------------------------------------
    async def add_prompt(self, chat_id: int, message_id: int, stage_id: int, key: str) -> None:
        async with self.db.tx() as tx:
            await self.add_prompt_in(tx, chat_id, message_id, stage_id, key)

    @staticmethod
    async def add_prompt_in(tx: Any, chat_id: int, message_id: int, stage_id: int, key: str) -> None:
        """Inside the unit that marks the question's outbox key sent (`send_once(record=...)`)."""
        await tx.execute("INSERT INTO cycle_prompts (chat_id, message_id, stage_id, question_key)"
                         " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (chat_id, message_id, stage_id, key))

    async def prompt(self, chat_id: int, message_id: int) -> Prompt | None:
        row = await self.db.fetchone("SELECT * FROM cycle_prompts WHERE chat_id = ? AND message_id = ?",
                                     (chat_id, message_id))
        return _build(Prompt, row) if row else None

    async def stage_state(self, stage_id: int) -> tuple[int, str] | None:
        """(community_id, status) of a stage: all an answer needs to know before it is stored."""
        row = await self.db.fetchone("SELECT community_id, status FROM cycle_stages WHERE id = ?", (stage_id,))
        return (row[0], row[1]) if row else None

    async def save_answer(self, stage_id: int, user_id: int, key: str, text: str, source: str,
                          chat_id: int, message_id: int, now: int, *, keep_text: bool = False) -> bool:
        """Upsert; True if this member had no answer in the stage before (a new participant: the card's live
        count changed — the caller touches it once this has committed). keep_text: only create (evidence
        without text must not wipe a written answer)."""
        conflict = "NOTHING" if keep_text else (
            "UPDATE SET text = excluded.text, source = excluded.source, chat_id = excluded.chat_id,"
            " message_id = excluded.message_id, updated_at = excluded.updated_at")

        def work(conn: sqlite3.Connection) -> bool:  # one round trip: this runs for every answer
            before = conn.execute("SELECT 1 FROM cycle_answers WHERE stage_id = ? AND user_id = ? LIMIT 1",
                                  (stage_id, user_id)).fetchone()
            conn.execute(
                "INSERT INTO cycle_answers (stage_id, user_id, question_key, text, source, chat_id, message_id,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (stage_id, user_id, question_key) DO {conflict}",
                (stage_id, user_id, key, text, source, chat_id, message_id, now, now))
            return before is None

        return await self.db.unit(work)

    async def update_answer_by_message(self, chat_id: int, message_id: int, text: str, now: int) -> Answer | None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE cycle_answers SET text = ?, updated_at = ? WHERE chat_id = ? AND message_id = ?",
                             (text, now, chat_id, message_id))
        row = await self.db.fetchone("SELECT * FROM cycle_answers WHERE chat_id = ? AND message_id = ?",
                                     (chat_id, message_id))
        return _build(Answer, row) if row else None

    async def add_evidence(self, stage_id: int, user_id: int, key: str, kind: str, file_id: str,
                           caption: str | None, chat_id: int, message_id: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO cycle_evidence (stage_id, user_id, question_key, kind, file_id, caption, chat_id,"
                " message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (stage_id, user_id, key, kind, file_id, caption, chat_id, message_id, now))

    async def answer_counts(self, stage_id: int) -> dict[str, int]:
        """How many members answered each question of the stage."""
        rows = await self.db.fetchall("SELECT question_key, COUNT(*) FROM cycle_answers WHERE stage_id = ?"
                                      " GROUP BY question_key", (stage_id,))
        return {r[0]: r[1] for r in rows}

    async def answers(self, stage_id: int, user_id: int | None = None) -> list[Answer]:
        cond, params = ("AND user_id = ?", (stage_id, user_id)) if user_id is not None else ("", (stage_id,))
        rows = await self.db.fetchall(f"SELECT * FROM cycle_answers WHERE stage_id = ? {cond} ORDER BY user_id",
                                      params)
        return [_build(Answer, r) for r in rows]

    async def evidence(self, stage_id: int) -> list[Evidence]:
        rows = await self.db.fetchall("SELECT * FROM cycle_evidence WHERE stage_id = ? ORDER BY id", (stage_id,))
        return [_build(Evidence, r) for r in rows]

    async def history(self, community_id: int, start: int, end: int) -> History:
        """Cycles running at some time in [start, end) with their good practices, their stages, and per stage
        the time each member first answered (sorted) and the last answer, and the due dates of the community's
        open RTL items (read with the cycles: wanted only while one runs) — three statements, for the summary
        (the present and each week of its trend)."""
        cycles, gp, dues = [], {}, "[]"
        for r in await self.db.fetchall(
                "SELECT *, (SELECT COUNT(*) FROM good_practices g WHERE g.cycle_id = cycles.id) AS gp_count,"
                " (SELECT json_group_array(due) FROM (SELECT due FROM rtl_items r WHERE r.community_id = cycles.community_id"
                "  AND r.status = 'open' ORDER BY due, id)) AS rtl_open_dues"
                " FROM cycles WHERE community_id = ? AND started_at < ? AND (ended_at IS NULL OR ended_at >= ?)"
                " AND status != 'cancelled' ORDER BY started_at", (community_id, end, start)):
            cycles.append(_build(Cycle, r))
            gp[r["id"]] = int(r["gp_count"])
            dues = r["rtl_open_dues"]
        if not cycles:
            return History([], [], {}, {}, {})
        marks = ",".join("?" * len(cycles))
        stages = [_build(StageRow, r) for r in await self.db.fetchall(
            f"SELECT * FROM cycle_stages WHERE cycle_id IN ({marks}) ORDER BY cycle_id, seq", [c.id for c in cycles])]
        firsts: dict[int, list[int]] = {}
        lasts: dict[int, int] = {}
        for r in await self.db.fetchall(
                "SELECT a.stage_id, MIN(a.created_at), MAX(a.updated_at) FROM cycle_answers a"
                " JOIN cycle_stages s ON s.id = a.stage_id"
                f" WHERE s.cycle_id IN ({marks}) GROUP BY a.stage_id, a.user_id", [c.id for c in cycles]):
            firsts.setdefault(int(r[0]), []).append(int(r[1]))
            lasts[int(r[0])] = max(lasts.get(int(r[0]), 0), int(r[2]))
        return History(cycles, stages, {k: sorted(v) for k, v in firsts.items()}, lasts, gp, json.loads(dues))

    async def cycle_answers(self, cycle_id: int) -> list[tuple[str, int, str]]:
        """(question key, user id, text) of every answer of a cycle, in the order they were written."""
        rows = await self.db.fetchall(
            "SELECT a.question_key, a.user_id, a.text FROM cycle_answers a JOIN cycle_stages s ON s.id = a.stage_id"
            " WHERE s.cycle_id = ? AND a.text != '' ORDER BY a.created_at, a.user_id", (cycle_id,))
        return [(r[0], int(r[1]), r[2]) for r in rows]

    async def cycle_photos(self, cycle_id: int, limit: int = 4) -> list[str]:
        """File ids of the first photos attached to a cycle's answers (evidence)."""
        rows = await self.db.fetchall(
            "SELECT e.file_id FROM cycle_evidence e JOIN cycle_stages s ON s.id = e.stage_id"
            " WHERE s.cycle_id = ? AND e.kind = 'photo' ORDER BY e.id LIMIT ?", (cycle_id, limit))
        return [r[0] for r in rows]

    async def answered_count(self, stage_id: int, at: int | None = None) -> int:
        """How many members answered at least one question of the stage (by `at`, when given)."""
        if at is None:
            return int(await self.db.scalar(
                "SELECT COUNT(DISTINCT user_id) FROM cycle_answers WHERE stage_id = ?", (stage_id,)))
        return int(await self.db.scalar(
            "SELECT COUNT(DISTINCT user_id) FROM cycle_answers WHERE stage_id = ? AND created_at <= ?",
            (stage_id, at)))

    async def answered_users(self, stage_id: int) -> set[int]:
        rows = await self.db.fetchall("SELECT DISTINCT user_id FROM cycle_answers WHERE stage_id = ?", (stage_id,))
        return {r[0] for r in rows}

    async def last_answer_at(self, stage_id: int, at: int | None = None) -> int | None:
        """The last new answer of the stage (up to `at`, when given)."""
        if at is None:
            return await self.db.scalar("SELECT MAX(updated_at) FROM cycle_answers WHERE stage_id = ?", (stage_id,))
        return await self.db.scalar("SELECT MAX(created_at) FROM cycle_answers WHERE stage_id = ? AND created_at <= ?",
                                    (stage_id, at))

    # -- question changes -------------------------------------------------------------------------
    async def overrides(self, community_id: int) -> list[Override]:
        rows = await self.db.fetchall("SELECT * FROM cycle_question_overrides WHERE community_id = ? ORDER BY id",
                                      (community_id,))
        return [_build(Override, r) for r in rows]

    async def add_override(self, community_id: int, ov: Override, user_id: int, now: int,
                           origin: tuple[int, int]) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO cycle_question_overrides (community_id, action, stage, key, text, created_by,"
                " created_at, origin_chat_id, origin_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (community_id, ov.action, ov.stage, ov.key, ov.text, user_id, now, *origin))

    # -- summaries --------------------------------------------------------------------------------
    async def save_summary(self, cycle_id: int, community_id: int, ended_at: int, data: dict[str, Any]) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO cycle_summaries (cycle_id, community_id, ended_at, summary_json) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (cycle_id) DO UPDATE SET summary_json = excluded.summary_json",
                (cycle_id, community_id, ended_at, json.dumps(data, ensure_ascii=False)))

    async def summaries(self, community_id: int, start: int, end: int) -> list[Summary]:
        rows = await self.db.fetchall(
            "SELECT * FROM cycle_summaries WHERE community_id = ? AND ended_at >= ? AND ended_at < ?"
            " ORDER BY ended_at", (community_id, start, end))
        return [Summary(r["cycle_id"], r["community_id"], r["ended_at"], json.loads(r["summary_json"]))
                for r in rows]

    async def summaries_observed(self, community_id: int, start: int, end: int) -> list[tuple[Summary, int]]:
        """`summaries`, each with its cycle's observations (`observations`), in one statement."""
        sql = self._OBSERVED.format(cond="s.cycle_id = cs.cycle_id")
        rows = await self.db.fetchall(
            "SELECT cs.cycle_id, cs.community_id, cs.ended_at, cs.summary_json, (SELECT COUNT(*) FROM"
            f" (SELECT DISTINCT stage_id, user_id FROM ({sql}))) FROM cycle_summaries cs"
            " WHERE cs.community_id = ? AND cs.ended_at >= ? AND cs.ended_at < ? ORDER BY cs.ended_at",
            (community_id, start, end))
        return [(Summary(r[0], r[1], r[2], json.loads(r[3])), int(r[4])) for r in rows]

    # -- reports (CycleFeed: activity, report_rows, summaries) ---------------------
    # An "observation" is one member's record of a classroom in the implementation stage of a cycle: an
    # answer to the implementation question on what was observed (``impl.observed``) or evidence (photo,
    # document, voice) attached to any implementation-stage answer. Counted once per (stage, member).
    _OBSERVED = ("SELECT a.stage_id, a.user_id, a.created_at AS at FROM cycle_answers a"
                 " JOIN cycle_stages s ON s.id = a.stage_id WHERE s.stage = 'implementation'"
                 " AND a.question_key = 'impl.observed' AND {cond}"
                 " UNION ALL SELECT e.stage_id, e.user_id, e.created_at AS at FROM cycle_evidence e"
                 " JOIN cycle_stages s ON s.id = e.stage_id WHERE s.stage = 'implementation' AND {cond}")

    async def observations(self, cycle_id: int) -> int:
        sql = self._OBSERVED.format(cond="s.cycle_id = ?")
        return int(await self.db.scalar(
            f"SELECT COUNT(*) FROM (SELECT stage_id, user_id FROM ({sql}) GROUP BY stage_id, user_id)",
            (cycle_id, cycle_id)))

    def activity_parts(self, community_id: int, start: int, end: int) -> list[ActivityPart]:
        """Per member, in [start, end): answers given (first written then), observations (dated by their
        first answer or evidence), good practices written."""
        sql = self._OBSERVED.format(cond="s.cycle_id IN (SELECT id FROM cycles WHERE community_id = ?)")
        return [
            ActivityPart("answers", "SELECT a.user_id, COUNT(*) AS n FROM cycles c JOIN cycle_stages s"
                         " ON s.cycle_id = c.id JOIN cycle_answers a ON a.stage_id = s.id WHERE c.community_id = ?"
                         " AND a.created_at >= ? AND a.created_at < ? GROUP BY a.user_id", (community_id, start, end)),
            ActivityPart("observations", f"SELECT user_id, COUNT(*) AS n FROM (SELECT stage_id, user_id, MIN(at) AS at"
                         f" FROM ({sql}) GROUP BY stage_id, user_id) WHERE at >= ? AND at < ? GROUP BY user_id",
                         (community_id, community_id, start, end)),
            ActivityPart("good_practices", "SELECT user_id, COUNT(*) AS n FROM good_practices WHERE community_id = ?"
                         " AND created_at >= ? AND created_at < ? GROUP BY user_id", (community_id, start, end)),
        ]

    async def activity(self, community_id: int, start: int, end: int) -> dict[int, dict[str, int]]:
        got = await activity(self.db, self.activity_parts(community_id, start, end))
        return {u: {"answers": 0, "observations": 0, "good_practices": 0} | k for u, k in got.items()}

    async def stage_participation(self, community_id: int, start: int, end: int) -> list[dict[str, Any]]:
        """Stages open at some time in [start, end), oldest first: topic, stage, members who answered (at
        close for a closed stage), members counted at close (None while open: the caller counts now)."""
        rows = await self.db.fetchall(
            "SELECT c.topic, s.stage, s.status, s.answered_at_close, s.members_at_close,"
            " (SELECT COUNT(DISTINCT a.user_id) FROM cycle_answers a WHERE a.stage_id = s.id) AS answered"
            " FROM cycles c JOIN cycle_stages s ON s.cycle_id = c.id WHERE c.community_id = ?"
            " AND s.opened_at IS NOT NULL AND s.opened_at < ? AND (s.closed_at IS NULL OR s.closed_at >= ?)"
            " ORDER BY s.opened_at, s.id", (community_id, end, start))
        return [{"topic": r["topic"], "stage": r["stage"],
                 "answered": r["answered_at_close"] if r["status"] == "closed" and r["members_at_close"] is not None
                 else r["answered"],
                 "members": r["members_at_close"] if r["status"] == "closed" else None} for r in rows]


@dataclass
class CycleStore:
    """All repositories of the feature, built once per Services (`services.repos.cycle`)."""

    cycles: CycleRepo
    rtl: RtlRepo
    journal: JournalRepo
    gp: GoodPracticeRepo

    @classmethod
    def on(cls, db: Database) -> CycleStore:
        return cls(CycleRepo(db), RtlRepo(db), JournalRepo(db), GoodPracticeRepo(db))
