"""Working groups (migration 0010) and a cycle or a meeting series aimed at one of them (migration 0014).
SQL lives here only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.db import Database
from storage.surveys import Answer


@dataclass(frozen=True)
class WorkGroup:
    id: int
    community_id: int
    name: str
    members: int


class WorkGroups:
    def __init__(self, db: Database) -> None:
        self.db = db

    _SELECT = ("SELECT g.id, g.community_id, g.title AS name, (SELECT COUNT(*) FROM work_group_members wm"
               " JOIN members m ON m.community_id = g.community_id AND m.user_id = wm.user_id AND m.active = 1"
               " WHERE wm.group_id = g.id) AS members FROM work_groups g")

    async def list(self, community_id: int) -> list[WorkGroup]:
        rows = await self.db.fetchall(f"{self._SELECT} WHERE g.community_id = ? AND g.removed_at IS NULL"
                                      " ORDER BY g.id", (community_id,))
        return [WorkGroup(r["id"], r["community_id"], r["name"], r["members"]) for r in rows]

    async def get(self, group_id: int) -> WorkGroup | None:
        row = await self.db.fetchone(f"{self._SELECT} WHERE g.id = ? AND g.removed_at IS NULL", (group_id,))
        return WorkGroup(row["id"], row["community_id"], row["name"], row["members"]) if row else None

    async def by_name(self, community_id: int, name: str) -> WorkGroup | None:
        row = await self.db.fetchone(f"{self._SELECT} WHERE g.community_id = ? AND g.removed_at IS NULL"
                                     " AND g.title = ? COLLATE NOCASE", (community_id, name))
        return WorkGroup(row["id"], row["community_id"], row["name"], row["members"]) if row else None

    async def create(self, community_id: int, name: str, user_id: int, now: int) -> int | None:
        """The new group's id, or None if the community already has one of that name."""
        async with self.db.tx() as tx:
            if await tx.fetchone("SELECT id FROM work_groups WHERE community_id = ? AND removed_at IS NULL"
                                 " AND title = ? COLLATE NOCASE", (community_id, name)):
                return None
            return await tx.insert("INSERT INTO work_groups (community_id, title, created_by, created_at)"
                                   " VALUES (?, ?, ?, ?)", (community_id, name, user_id, now))

    async def remove(self, group_id: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE work_groups SET removed_at = ? WHERE id = ?", (now, group_id))

    async def toggle(self, group_id: int, user_id: int, now: int) -> bool:
        """Join the group, or leave it if already in: True = now a member."""
        async with self.db.tx() as tx:
            if await tx.fetchone("SELECT 1 FROM work_group_members WHERE group_id = ? AND user_id = ?",
                                 (group_id, user_id)):
                await tx.execute("DELETE FROM work_group_members WHERE group_id = ? AND user_id = ?",
                                 (group_id, user_id))
                return False
            await tx.execute("INSERT INTO work_group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)",
                             (group_id, user_id, now))
            return True

    async def member_ids(self, group_id: int) -> list[int]:
        """Active members of the community in the group, by join time."""
        rows = await self.db.fetchall(
            "SELECT wm.user_id FROM work_group_members wm JOIN work_groups g ON g.id = wm.group_id"
            " JOIN members m ON m.community_id = g.community_id AND m.user_id = wm.user_id AND m.active = 1"
            " WHERE wm.group_id = ? ORDER BY wm.joined_at, wm.user_id", (group_id,))
        return [int(r["user_id"]) for r in rows]

    async def groups_of(self, community_id: int, user_id: int) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT g.id FROM work_groups g JOIN work_group_members wm ON wm.group_id = g.id"
            " WHERE g.community_id = ? AND g.removed_at IS NULL AND wm.user_id = ?", (community_id, user_id))
        return [int(r["id"]) for r in rows]


    # -- surveys aimed at a group ---------------------------------------------------------------------
    async def target_survey(self, survey_id: int, group_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO survey_groups (survey_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (survey_id, group_id))

    async def survey_group(self, survey_id: int) -> int | None:
        return await self.db.scalar("SELECT group_id FROM survey_groups WHERE survey_id = ?", (survey_id,))

    async def is_member(self, group_id: int, user_id: int) -> bool:
        return await self.db.scalar("SELECT 1 FROM work_group_members WHERE group_id = ? AND user_id = ?",
                                    (group_id, user_id)) is not None


class GroupTargets:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def cycle_group(self, cycle_id: int) -> int | None:
        return await self.db.scalar("SELECT group_id FROM cycle_groups WHERE cycle_id = ?", (cycle_id,))

    async def meeting_group(self, meeting_id: int) -> int | None:
        return await self.db.scalar("SELECT sg.group_id FROM meetings m JOIN series_groups sg"
                                    " ON sg.series_id = m.series_id WHERE m.id = ?", (meeting_id,))

    async def may_answer_stage(self, stage_id: int, user_id: int) -> bool:
        """False only for a stage of a cycle aimed at a group the person is not in."""
        row = await self.db.fetchone(
            "SELECT EXISTS (SELECT 1 FROM work_group_members wm WHERE wm.group_id = cg.group_id AND wm.user_id = ?)"
            " AS inside FROM cycle_stages s JOIN cycle_groups cg ON cg.cycle_id = s.cycle_id WHERE s.id = ?",
            (user_id, stage_id))
        return row is None or bool(row["inside"])

    async def week_figures(self, community_id: int, start_ts: int, now: int,
                           survey_id: int | None = None) -> list[dict[str, Any]]:
        """Per working group of the community, in one statement: its active members (`size`); the meetings
        held since `start_ts` that were its business (for everyone or for it) and its members' present marks
        at them; the open stages of the running cycle that are its business and how many of its members
        answered them; `ids`, its members; `answers`, its members' answers to survey `survey_id` (as
        `Surveys.answers` gives them). For the weekly summary's line per group."""
        rows = await self.db.fetchall(
            "WITH g AS (SELECT id, title FROM work_groups WHERE community_id = :c AND removed_at IS NULL),"
            " gm AS (SELECT wm.group_id, wm.user_id FROM work_group_members wm JOIN g ON g.id = wm.group_id"
            "  JOIN members mm ON mm.community_id = :c AND mm.user_id = wm.user_id AND mm.active = 1),"
            " mt AS (SELECT m.id, sg.group_id FROM meetings m LEFT JOIN series_groups sg ON sg.series_id = m.series_id"
            "  WHERE m.community_id = :c AND m.status = 'scheduled' AND m.start_ts >= :s AND m.end_ts <= :now),"
            " st AS (SELECT s.id, cg.group_id FROM cycles cy JOIN cycle_stages s ON s.cycle_id = cy.id"
            "  LEFT JOIN cycle_groups cg ON cg.cycle_id = cy.id"
            "  WHERE cy.community_id = :c AND cy.status = 'active' AND s.status = 'open')"
            " SELECT g.id, g.title AS name,"
            "  (SELECT COUNT(*) FROM gm WHERE gm.group_id = g.id) AS size,"
            "  (SELECT group_concat(gm.user_id) FROM gm WHERE gm.group_id = g.id) AS ids,"
            "  (SELECT COUNT(*) FROM mt WHERE mt.group_id IS NULL OR mt.group_id = g.id) AS meetings,"
            "  (SELECT COUNT(*) FROM attendance a JOIN mt ON mt.id = a.meeting_id JOIN gm ON gm.user_id = a.user_id"
            "   AND gm.group_id = g.id WHERE a.present = 1 AND (mt.group_id IS NULL OR mt.group_id = g.id)) AS present,"
            "  (SELECT COUNT(*) FROM st WHERE st.group_id IS NULL OR st.group_id = g.id) AS stages,"
            "  (SELECT COUNT(DISTINCT ca.user_id) FROM cycle_answers ca JOIN st ON st.id = ca.stage_id"
            "   JOIN gm ON gm.user_id = ca.user_id AND gm.group_id = g.id"
            "   WHERE st.group_id IS NULL OR st.group_id = g.id) AS answered,"
            "  (SELECT json_group_array(json_array(sa.user_id, sa.item_idx, sa.value_int, sa.value_text, sa.role,"
            "   sa.answered_at)) FROM (SELECT * FROM survey_answers WHERE survey_id = :sv ORDER BY user_id, item_idx) sa"
            "   JOIN gm ON gm.user_id = sa.user_id AND gm.group_id = g.id) AS answers"
            " FROM g ORDER BY g.id", {"c": community_id, "s": start_ts, "now": now, "sv": survey_id})
        return [{**dict(r), "ids": {int(x) for x in (r["ids"] or "").split(",") if x},
                 "answers": [Answer(*a) for a in json.loads(r["answers"] or "[]")]} for r in rows]
