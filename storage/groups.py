"""A cycle or a meeting series aimed at one working group (migration 0014). SQL lives here only."""

from __future__ import annotations

import json
from typing import Any

from storage.db import Database
from storage.surveys import Answer


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
