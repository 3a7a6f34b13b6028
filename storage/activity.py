"""Who did what in a window, across features, in one statement.

Each feature's repository describes its part (`ActivityPart`: a kind and a `SELECT user_id, n` with its
parameters); `activity` runs any number of parts as one UNION ALL, so the weekly summary's thanks line costs
one statement whatever features are installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True, slots=True)
class ActivityPart:
    kind: str  # the count's name in `domain.reports.recognition` ("attended", "answers", ...)
    sql: str  # SELECT user_id, n ... (one row per person)
    params: tuple[Any, ...]


async def activity(db: Database, parts: Sequence[ActivityPart]) -> dict[int, dict[str, int]]:
    """{user_id: {kind: n}} of every part, in one statement (none without parts)."""
    if not parts:
        return {}
    sql = " UNION ALL ".join(f"SELECT ? AS kind, user_id, n FROM ({p.sql})" for p in parts)
    params: list[Any] = []
    for p in parts:
        params += [p.kind, *p.params]
    out: dict[int, dict[str, int]] = {}
    for kind, user_id, n in await db.fetchall(sql, params):
        out.setdefault(int(user_id), {})[kind] = int(n)
    return out
