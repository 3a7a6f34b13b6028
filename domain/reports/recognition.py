"""Recognition: the most active contributors of a week, thanked by name in the group summary.

Activity comes per member as counts by kind (``{"answers": 3, "attended": 1, "good_practices": 1}``),
merged over the features that report it. The score weighs each kind (``WEIGHTS``; unknown kinds count 1).
Members who opted out (``members.allow_named = 0``) and members with no activity are never named; ties
are broken by name, then id, so the line is stable. Only names are returned — never who is behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

WEIGHTS: dict[str, int] = {"answers": 1, "attended": 1, "responses": 1, "observations": 2, "good_practices": 3}
DEFAULT_LIMIT = 3
NAME_MAX = 32


@dataclass(frozen=True)
class Contributor:
    user_id: int
    name: str
    score: int


def merge_activity(parts: Iterable[Mapping[int, Mapping[str, int]] | None]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for part in parts:
        for uid, counts in (part or {}).items():
            mine = out.setdefault(int(uid), {})
            for kind, n in counts.items():
                mine[kind] = mine.get(kind, 0) + int(n or 0)
    return out


def score(counts: Mapping[str, int]) -> int:
    return sum(WEIGHTS.get(kind, 1) * max(0, int(n)) for kind, n in counts.items())


def short_name(name: str, limit: int = NAME_MAX) -> str:
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def top_contributors(
    activity: Mapping[int, Mapping[str, int]],
    names: Mapping[int, str],
    named_ok: Iterable[int],
    *,
    limit: int = DEFAULT_LIMIT,
) -> list[Contributor]:
    """The ``limit`` highest scores among current members who allow being named."""
    allowed = set(named_ok)
    ranked = [
        Contributor(uid, short_name(names[uid]), s)
        for uid, counts in activity.items()
        if uid in allowed and uid in names and (s := score(counts)) > 0
    ]
    ranked.sort(key=lambda c: (-c.score, c.name.lower(), c.user_id))
    return ranked[:limit]


def display_names(people: Iterable[tuple[int, str, bool]], neutral: Callable[[int], str]) -> dict[int, str]:
    """Names for per-person report rows from ``(user_id, name, allow_named)``: members who opted out get
    ``neutral(n)`` ("Anggota 1", "Anggota 2", …), numbered among the opted-out only, by user id, so the
    label is the same on every sheet of one report and says nothing about join order or names."""
    out: dict[int, str] = {}
    hidden = 0
    for uid, name, allowed in sorted(people, key=lambda p: (p[2], p[0])):
        if allowed:
            out[uid] = " ".join(name.split())
        else:
            hidden += 1
            out[uid] = neutral(hidden)
    return out
