"""What observations give the progress map, the cycle's view and the report (`bot.feeds.ObserveFeed`: `ObserveProvider`). See :mod:`bot.handlers.observe`."""

from __future__ import annotations

from typing import Any

from domain.observe import (
    aspect_means,
    group_visible,
)

from ..feeds import CycleObservation, ObserveFeed
from ..services import Services
from ..usecases.names import report_names
from .observe_common import member_names_all


# -- what observations give other features (bot.feeds.ObserveFeed): the progress map and the report -----------------------------------------------------------
async def observations_in_cycle(services: Services, cycle_id: int) -> int:
    return await services.repos.observations.count_in_cycle(cycle_id)


async def observations_of_cycle(services: Services, cycle_id: int) -> list[CycleObservation]:
    """The observations set up during a cycle (its implementation stage), for the cycle's view."""
    found = await services.repos.observations.of_cycle(cycle_id)
    cycle = await services.repos.cycle.cycles.get(cycle_id) if found else None
    if cycle is None:  # most cycle views: no observation, so no names to read
        return []
    names = await member_names_all(services, cycle.community_id)
    return [CycleObservation(o.id, names.get(o.model_user_id, "?"), o.class_label) for o in found]


async def report_rows(services: Services, community_id: int, start: int, end: int) -> dict[str, list[list]]:
    community = await services.repos.communities.get(community_id)
    if community is None:
        return {}
    groups_repo, repo = services.repos.work_groups, services.repos.observations
    names = await report_names(services, community, "cycle.member_label")
    groups = {g.id: g for g in await groups_repo.list(community_id)}
    rows, per_group = [], {}
    for obs in await repo.between(community_id, start, end):
        ratings = await repo.ratings(obs.id)
        means = aspect_means((a, s) for _, a, s in ratings)
        shared = bool(obs.share_ratings) and means
        rows.append([obs.at_ts, names.get(obs.model_user_id, "?"), obs.class_label, obs.focus,
                     groups[obs.group_id].name if obs.group_id in groups else "",
                     len(await repo.observers(obs.id)), len(await repo.notes(obs.id, ("evidence", "photo"))),
                     round(sum(means.values()) / len(means), 2) if shared else None, obs.debrief_step or ""])
        if obs.group_id in groups:
            slot = per_group.setdefault(obs.group_id, [0, set(), []])
            slot[0] += 1
            if obs.share_ratings:
                slot[1].update(u for u, _, _ in ratings)
                slot[2].extend(s for _, _, s in ratings)
    attended = await _attendance_by_member(services, community_id, start, end)
    table = []
    for gid, g in groups.items():
        count, raters, scores = per_group.get(gid, [0, set(), []])
        # a group's mean is shown only if enough observers stand behind it (the anonymity floor per group)
        mean = round(sum(scores) / len(scores), 2) if scores and group_visible(len(raters)) else None
        rate = None
        if attended is not None and attended[1]:
            ids = await groups_repo.member_ids(gid)
            rate = round(100 * sum(attended[0].get(u, 0) for u in ids) / (attended[1] * len(ids)), 1) if ids else None
        table.append([g.name, g.members, count, mean, rate])
    return {"observations": rows, "work_groups": table}


async def _attendance_by_member(services: Services, community_id: int, start: int,
                                end: int) -> tuple[dict[int, int], int] | None:
    """(meetings attended per member, meetings held) in [start, end), from the rhythm feature's feed."""
    rhythm = services.feeds.rhythm
    if rhythm is None:
        return None
    held = sum(1 for m in await rhythm.meetings_between(community_id, start, end) if m.get("held"))
    per = await rhythm.activity(community_id, start, end)
    return {int(u): int(v.get("attended", 0) or 0) for u, v in (per or {}).items()}, held


class ObserveProvider(ObserveFeed):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def in_cycle(self, cycle_id: int) -> int:
        return await observations_in_cycle(self.services, cycle_id)

    async def of_cycle(self, cycle_id: int) -> list[CycleObservation]:
        return await observations_of_cycle(self.services, cycle_id)

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> dict[str, list[list[Any]]]:
        return await report_rows(self.services, community_id, start_ts, end_ts)
