"""A cycle or a meeting series aimed at one working group (migration 0014). SQL lives here only."""

from __future__ import annotations

from storage.db import Database


class GroupTargets:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def target_cycle(self, cycle_id: int, group_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO cycle_groups (cycle_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (cycle_id, group_id))

    async def target_series(self, series_id: int, group_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO series_groups (series_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                             (series_id, group_id))

    async def cycle_group(self, cycle_id: int) -> int | None:
        return await self.db.scalar("SELECT group_id FROM cycle_groups WHERE cycle_id = ?", (cycle_id,))

    async def meeting_group(self, meeting_id: int) -> int | None:
        return await self.db.scalar("SELECT sg.group_id FROM meetings m JOIN series_groups sg"
                                    " ON sg.series_id = m.series_id WHERE m.id = ?", (meeting_id,))

    async def meeting_groups(self, meeting_ids: list[int]) -> dict[int, int]:
        """meeting id -> group id, for those of `meeting_ids` aimed at a group."""
        if not meeting_ids:
            return {}
        marks = ",".join("?" * len(meeting_ids))
        rows = await self.db.fetchall(f"SELECT m.id, sg.group_id FROM meetings m JOIN series_groups sg"
                                      f" ON sg.series_id = m.series_id WHERE m.id IN ({marks})", tuple(meeting_ids))
        return {int(r["id"]): int(r["group_id"]) for r in rows}

    async def may_answer_stage(self, stage_id: int, user_id: int) -> bool:
        """False only for a stage of a cycle aimed at a group the person is not in."""
        row = await self.db.fetchone(
            "SELECT EXISTS (SELECT 1 FROM work_group_members wm WHERE wm.group_id = cg.group_id AND wm.user_id = ?)"
            " AS inside FROM cycle_stages s JOIN cycle_groups cg ON cg.cycle_id = s.cycle_id WHERE s.id = ?",
            (user_id, stage_id))
        return row is None or bool(row["inside"])

    async def may_rsvp(self, meeting_id: int, user_id: int) -> bool:
        """False only for a meeting of a series aimed at a group the person is not in."""
        row = await self.db.fetchone(
            "SELECT EXISTS (SELECT 1 FROM work_group_members wm WHERE wm.group_id = sg.group_id AND wm.user_id = ?)"
            " AS inside FROM meetings m JOIN series_groups sg ON sg.series_id = m.series_id WHERE m.id = ?",
            (user_id, meeting_id))
        return row is None or bool(row["inside"])
