"""How a report names people: everyone who was a member, by name unless they opted out of being named
(`members.allow_named = 0` → "Anggota 1", …) — one rule for every report sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.reports.recognition import display_names
from storage.models import Community

if TYPE_CHECKING:
    from ..services import Services


async def report_names(services: Services, community: Community, label_key: str) -> dict[int, str]:
    """user id → the name a report shows; `label_key` is the ui string of an unnamed member ("… {n}")."""
    people = await services.repos.members.list(community.id, active_only=False)
    return display_names([(m.user_id, m.name, m.allow_named) for m in people],
                         lambda n: services.renderer.t(community.locale, label_key, n=n))
