"""Repositories of the inquiry cycle: cycles and stages, prompts, answers and evidence, question
changes, summaries, RTL items, the daily journal and good practices. SQL lives here only."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from storage.activity import ActivityPart, activity
from storage.chats import register_chat_column, still_in_group
from storage.db import Database

for _table, _column in (("cycle_stages", "header_chat_id"), ("cycle_prompts", "chat_id"),
                        ("cycle_answers", "chat_id"), ("cycle_evidence", "chat_id")):
    register_chat_column(_table, _column)


def _build(cls: Any, row: Any) -> Any:
    """A dataclass from the row's columns that are fields of it. The columns of each field, in field order,
    are worked out once per (class, column list): sqlite3.Row looks a name up by scanning, an index directly."""
    keys = tuple(row.keys())
    plan = _PLANS.get((cls, keys))
    if plan is None:
        plan = _PLANS[(cls, keys)] = _plan(cls, keys)
    if plan:
        return cls(*[row[i] for i in plan])
    names = frozenset(f.name for f in fields(cls))
    return cls(**{k: row[k] for k in keys if k in names})


def _plan(cls: Any, keys: tuple[str, ...]) -> tuple[int, ...]:
    """Column indexes for the fields in order; fields at the end may be missing (their defaults apply).
    Empty if a field in the middle is missing (then the row is read by name)."""
    where = {k: i for i, k in enumerate(keys)}
    plan: list[int] = []
    missing = False
    for f in fields(cls):
        if f.name in where and not missing:
            plan.append(where[f.name])
        elif f.name in where or f.default is MISSING and f.default_factory is MISSING:
            return ()
        else:
            missing = True
    return tuple(plan)


_PLANS: dict[tuple[Any, tuple[str, ...]], tuple[int, ...]] = {}


@dataclass(frozen=True)
class Cycle:
    id: int
    community_id: int
    topic: str
    target_raw: str
    status: str
    result_before: float | None
    result_after: float | None
    thread_id: int | None
    started_by: int
    started_at: int
    ended_at: int | None


@dataclass(frozen=True)
class StageRow:
    id: int
    cycle_id: int
    community_id: int
    stage: str
    seq: int
    opens_at: int
    closes_at: int
    status: str
    opened_at: int | None
    closed_at: int | None
    questions_json: str
    header_chat_id: int | None
    header_message_id: int | None
    posted: int
    synth_posted: int
    reminder_at: int
    reminded: int
    answered_at_close: int | None
    members_at_close: int | None

    @property
    def questions(self) -> list[dict[str, str]]:
        return json.loads(self.questions_json)


@dataclass(frozen=True)
class Prompt:
    chat_id: int
    message_id: int
    stage_id: int
    question_key: str


@dataclass(frozen=True)
class Answer:
    stage_id: int
    user_id: int
    question_key: str
    text: str
    source: str
    chat_id: int
    message_id: int
    updated_at: int


@dataclass(frozen=True)
class Evidence:
    id: int
    stage_id: int
    user_id: int
    question_key: str
    kind: str
    file_id: str
    caption: str | None


@dataclass(frozen=True)
class Override:
    action: str
    stage: str
    key: str
    text: str | None


@dataclass(frozen=True, slots=True)
class History:
    """`CycleRepo.history`: what the summary reads of the cycles of a window."""
    cycles: list[Cycle]
    stages: list[StageRow]
    firsts: dict[int, list[int]]  # stage id -> each member's first answer time, sorted
    lasts: dict[int, int]  # stage id -> the last answer's time (updated_at)
    good_practices: dict[int, int]  # cycle id -> good practices written for it
    rtl_open_dues: list[str] = field(default_factory=list)  # due dates of the community's open RTL items


@dataclass(frozen=True)
class Summary:
    cycle_id: int
    community_id: int
    ended_at: int
    data: dict[str, Any]


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


# -- RTL ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RtlItem:
    id: int
    community_id: int
    cycle_id: int | None
    what: str
    who: str | None
    owner_user_id: int | None
    due: str
    measure: str | None
    status: str
    note: str | None
    created_by: int
    created_at: int
    closed_at: int | None
    remind_at: int
    reminded: int

    @property
    def remind_user_id(self) -> int:
        return self.owner_user_id or self.created_by


class RtlRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, community_id: int, cycle_id: int | None, what: str, who: str | None,
                  owner: int | None, due: str, measure: str | None, user_id: int, now: int, remind_at: int,
                  origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT id FROM rtl_items WHERE origin_chat_id = ? AND origin_message_id = ?",
                                    origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO rtl_items (community_id, cycle_id, what, who, owner_user_id, due, measure, created_by,"
                " created_at, remind_at, origin_chat_id, origin_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)", (community_id, cycle_id, what, who, owner, due, measure, user_id, now, remind_at, *origin))

    async def get(self, item_id: int) -> RtlItem | None:
        row = await self.db.fetchone("SELECT * FROM rtl_items WHERE id = ?", (item_id,))
        return _build(RtlItem, row) if row else None

    async def list(self, community_id: int, *, status: str | None = None) -> list[RtlItem]:
        cond, params = ("AND status = ?", (community_id, status)) if status else ("", (community_id,))
        rows = await self.db.fetchall(
            f"SELECT * FROM rtl_items WHERE community_id = ? {cond} ORDER BY status = 'open' DESC, due, id", params)
        return [_build(RtlItem, r) for r in rows]

    async def count(self, community_id: int, *, status: str) -> int:
        return int(await self.db.scalar("SELECT COUNT(*) FROM rtl_items WHERE community_id = ? AND status = ?",
                                        (community_id, status)))

    async def of_cycle(self, cycle_id: int) -> list[RtlItem]:
        rows = await self.db.fetchall("SELECT * FROM rtl_items WHERE cycle_id = ? ORDER BY id", (cycle_id,))
        return [_build(RtlItem, r) for r in rows]

    async def set_status(self, item_id: int, status: str, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE rtl_items SET status = ?, closed_at = ? WHERE id = ?",
                             (status, None if status == "open" else now, item_id))

    async def set_note(self, item_id: int, note: str) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE rtl_items SET note = ? WHERE id = ?", (note, item_id))

    async def due_reminders(self, now: int) -> list[RtlItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM rtl_items WHERE reminded = 0 AND remind_at <= ? AND status = 'open' AND "
            + still_in_group("rtl_items.community_id", "COALESCE(NULLIF(rtl_items.owner_user_id, 0), rtl_items.created_by)"),
            (now,))
        return [_build(RtlItem, r) for r in rows]

    async def mark_reminded(self, item_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE rtl_items SET reminded = 1 WHERE id = ?", (item_id,))

    async def in_period(self, community_id: int, start: int, end: int) -> list[RtlItem]:
        """Items alive at some time in [start, end): created before its end, not closed before its start."""
        rows = await self.db.fetchall(
            "SELECT * FROM rtl_items WHERE community_id = ? AND created_at < ? AND (closed_at IS NULL"
            " OR closed_at >= ?) ORDER BY due, id", (community_id, end, start))
        return [_build(RtlItem, r) for r in rows]


# -- journal --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JournalSub:
    user_id: int
    community_id: int
    hhmm: str
    enabled: int
    next_at: int
    last_prompt_at: int | None
    last_prompt_message_id: int | None


@dataclass(frozen=True)
class JournalEntry:
    id: int
    user_id: int
    community_id: int
    day: str
    text: str
    shared_at: int | None
    created_at: int


class JournalRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def subscribe(self, user_id: int, community_id: int, hhmm: str | None, next_at: int) -> None:
        async with self.db.tx() as tx:
            if hhmm is None:
                await tx.execute("UPDATE journal_subs SET enabled = 0 WHERE user_id = ? AND community_id = ?",
                                 (user_id, community_id))
                return
            await tx.execute(
                "INSERT INTO journal_subs (user_id, community_id, hhmm, next_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, community_id) DO UPDATE SET hhmm = excluded.hhmm, enabled = 1,"
                " next_at = excluded.next_at", (user_id, community_id, hhmm, next_at))

    async def sub(self, user_id: int, community_id: int) -> JournalSub | None:
        row = await self.db.fetchone("SELECT * FROM journal_subs WHERE user_id = ? AND community_id = ?",
                                     (user_id, community_id))
        return _build(JournalSub, row) if row else None

    async def due(self, now: int) -> list[JournalSub]:
        rows = await self.db.fetchall("SELECT * FROM journal_subs WHERE enabled = 1 AND next_at <= ? AND "
                                      + still_in_group("journal_subs.community_id", "journal_subs.user_id"), (now,))
        return [_build(JournalSub, r) for r in rows]

    async def prompted(self, user_id: int, community_id: int, at: int | None, message_id: int | None,
                       next_at: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE journal_subs SET next_at = ?, last_prompt_at = COALESCE(?, last_prompt_at),"
                " last_prompt_message_id = COALESCE(?, last_prompt_message_id) WHERE user_id = ? AND community_id = ?",
                (next_at, at, message_id, user_id, community_id))

    async def pending_prompt(self, user_id: int, since: int) -> JournalSub | None:
        """The latest prompt sent after `since` that has no entry yet."""
        row = await self.db.fetchone(
            "SELECT s.* FROM journal_subs s WHERE s.user_id = ? AND s.last_prompt_at >= ? AND NOT EXISTS"
            " (SELECT 1 FROM journal_entries e WHERE e.user_id = s.user_id AND e.community_id = s.community_id"
            " AND e.created_at >= s.last_prompt_at) ORDER BY s.last_prompt_at DESC LIMIT 1", (user_id, since))
        return _build(JournalSub, row) if row else None

    async def by_prompt(self, user_id: int, message_id: int) -> JournalSub | None:
        row = await self.db.fetchone(
            "SELECT * FROM journal_subs WHERE user_id = ? AND last_prompt_message_id = ?", (user_id, message_id))
        return _build(JournalSub, row) if row else None

    async def add_entry(self, user_id: int, community_id: int, day: str, text: str, now: int,
                        origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT id FROM journal_entries WHERE chat_id = ? AND message_id = ?", origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO journal_entries (user_id, community_id, day, text, created_at, chat_id, message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (user_id, community_id, day, text, now, *origin))

    async def entries(self, user_id: int, community_id: int, limit: int = 5) -> list[JournalEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM journal_entries WHERE user_id = ? AND community_id = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ?", (user_id, community_id, limit))
        return [_build(JournalEntry, r) for r in rows]

    async def share(self, entry_id: int, user_id: int, now: int) -> JournalEntry | None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE journal_entries SET shared_at = COALESCE(shared_at, ?) WHERE id = ?"
                             " AND user_id = ?", (now, entry_id, user_id))
        row = await self.db.fetchone("SELECT * FROM journal_entries WHERE id = ? AND user_id = ?", (entry_id, user_id))
        return _build(JournalEntry, row) if row else None

    async def count_shared_since(self, community_id: int, since: int) -> int:
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM journal_entries WHERE community_id = ? AND shared_at >= ?", (community_id, since)))

    async def shared_since(self, community_id: int, since: int) -> list[JournalEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM journal_entries WHERE community_id = ? AND shared_at >= ? ORDER BY shared_at, id",
            (community_id, since))
        return [_build(JournalEntry, r) for r in rows]


# -- good practices -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GoodPractice:
    id: int
    community_id: int
    cycle_id: int | None
    user_id: int
    reading: str
    title: str
    situation: str
    task: str
    action: str
    result: str
    created_at: int
    shared_at: int | None


class GoodPracticeRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, community_id: int, cycle_id: int | None, user_id: int, data: dict[str, str], now: int,
                  origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone(
                "SELECT id FROM good_practices WHERE origin_chat_id = ? AND origin_message_id = ?", origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO good_practices (community_id, cycle_id, user_id, reading, title, situation, task,"
                " action, result, created_at, origin_chat_id, origin_message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, cycle_id, user_id, data["reading"], data["title"], data["situation"], data["task"],
                 data["action"], data["result"], now, *origin))

    async def get(self, gp_id: int) -> GoodPractice | None:
        row = await self.db.fetchone("SELECT * FROM good_practices WHERE id = ?", (gp_id,))
        return _build(GoodPractice, row) if row else None

    async def mark_shared(self, gp_id: int, now: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE good_practices SET shared_at = ? WHERE id = ? AND shared_at IS NULL",
                                   (now, gp_id))
            return bool(cur.rowcount)

    async def created_between(self, community_id: int, start: int, end: int) -> list[GoodPractice]:
        rows = await self.db.fetchall(
            "SELECT * FROM good_practices WHERE community_id = ? AND created_at >= ? AND created_at < ?"
            " ORDER BY created_at, id", (community_id, start, end))
        return [_build(GoodPractice, r) for r in rows]

    async def count(self, community_id: int, cycle_id: int | None = None) -> int:
        if cycle_id is None:
            return int(await self.db.scalar("SELECT COUNT(*) FROM good_practices WHERE community_id = ?",
                                            (community_id,)))
        return int(await self.db.scalar("SELECT COUNT(*) FROM good_practices WHERE cycle_id = ?", (cycle_id,)))


@dataclass
class CycleStore:
    """All repositories of the feature, built once per Services (see bot.handlers.cycle_core.store)."""

    cycles: CycleRepo
    rtl: RtlRepo
    journal: JournalRepo
    gp: GoodPracticeRepo

    @classmethod
    def on(cls, db: Database) -> CycleStore:
        return cls(CycleRepo(db), RtlRepo(db), JournalRepo(db), GoodPracticeRepo(db))
