"""Rows become dataclasses: the one way the repositories turn a `sqlite3.Row` into their result types."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any


def build(cls: Any, row: Any) -> Any:
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
