"""What the flows of /amati (/observe) share: an observation's local time, its people's names, an
observation looked up within the community. See :mod:`bot.handlers.observe`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage.observe import Observation

from ..services import Services
from .common import Scope


def _local(ts: int, tz: str) -> datetime:
    return datetime.fromtimestamp(ts, ZoneInfo(tz))


async def member_names_all(services: Services, community_id: int) -> dict[int, str]:
    """Names of everyone who was a member (a departed model teacher is still named on their cards)."""
    return {m.user_id: m.name for m in await services.repos.members.list(community_id, active_only=False)}


async def _obs_in(scope: Scope, obs_id: int) -> Observation | None:
    obs = await scope.services.repos.observations.get(obs_id)
    return obs if obs is not None and scope.community is not None and obs.community_id == scope.community.id else None
