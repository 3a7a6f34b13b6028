"""Meeting time arithmetic: concrete meetings as UTC intervals (:class:`Occurrence`), weekly
recurrence expanded, the next meetings, clashes between schedules.

Pure code: no Telegram, no database, no clock (``now`` is always passed in, timezone-aware)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

# ------------------------------------------------------------------------------------------ recurrence


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One concrete meeting: ``[start_utc, end_utc)``, on ``local_date`` in the community's zone."""

    series_id: int | None
    start_utc: datetime
    end_utc: datetime
    local_date: date

    def overlaps(self, other: Occurrence) -> bool:
        return self.start_utc < other.end_utc and other.start_utc < self.end_utc


def _local_start_utc(d: date, start_time: time, tz: tzinfo) -> datetime:
    # zoneinfo resolves wall-clock times itself (fold=0 on ambiguous/skipped times in DST zones).
    return datetime.combine(d, start_time, tzinfo=tz).astimezone(UTC)


def occurrence_once(
    d: date, start_time: time, duration_min: int, tz: tzinfo, *, series_id: int | None = None
) -> Occurrence:
    start = _local_start_utc(d, start_time, tz)
    return Occurrence(series_id, start, start + timedelta(minutes=duration_min), d)


def expand_weekly(
    weekdays: Iterable[int],
    start_time: time,
    duration_min: int,
    tz: tzinfo,
    from_utc: datetime,
    to_utc: datetime,
    *,
    series_id: int | None = None,
    skip: Callable[[date], bool] | None = None,
) -> list[Occurrence]:
    """Occurrences whose start lies in ``[from_utc, to_utc)``, in time order.

    ``skip(local_date)`` -> True drops a date (e.g. ``lambda d: not calendar.is_school_day(d)``).
    """
    wds = frozenset(weekdays)
    if not wds or to_utc <= from_utc:
        return []
    out: list[Occurrence] = []
    d = from_utc.astimezone(tz).date() - timedelta(days=1)
    last = to_utc.astimezone(tz).date() + timedelta(days=1)
    while d <= last:
        if d.weekday() in wds and not (skip and skip(d)):
            occ = occurrence_once(d, start_time, duration_min, tz, series_id=series_id)
            if from_utc <= occ.start_utc < to_utc:
                out.append(occ)
        d += timedelta(days=1)
    return out


def next_occurrences(
    weekdays: Iterable[int],
    start_time: time,
    duration_min: int,
    tz: tzinfo,
    now_utc: datetime,
    count: int = 1,
    *,
    series_id: int | None = None,
    skip: Callable[[date], bool] | None = None,
    horizon_days: int = 400,
) -> list[Occurrence]:
    """The next ``count`` occurrences starting at or after ``now_utc`` (fewer if ``skip`` removes
    every date within ``horizon_days``)."""
    out: list[Occurrence] = []
    wds = frozenset(weekdays)
    if not wds or count <= 0:
        return out
    window = timedelta(days=7 * (count // len(wds) + 2))
    start, limit = now_utc, now_utc + timedelta(days=horizon_days)
    while len(out) < count and start < limit:
        end = min(start + window, limit)
        out.extend(
            expand_weekly(wds, start_time, duration_min, tz, start, end, series_id=series_id, skip=skip)
        )
        start = end
    return out[:count]


def find_overlap(
    new_occurrences: Sequence[Occurrence], existing_occurrences: Sequence[Occurrence]
) -> Occurrence | None:
    """The earliest *existing* occurrence that overlaps any new one, or ``None``.

    Intervals are half-open: a meeting ending at 15:30 does not clash with one starting at 15:30.
    An occurrence never clashes with its own series (same non-None ``series_id``), so a series can be
    rescheduled without excluding its old dates by hand.
    """
    new = sorted(new_occurrences, key=lambda o: o.start_utc)
    old = sorted(existing_occurrences, key=lambda o: o.start_utc)
    best: Occurrence | None = None
    lo = 0
    for n in new:
        # ``new`` is sorted by start, so an existing meeting over before this one starts is over
        # before every later one too: the sweep pointer only moves forward.
        while lo < len(old) and old[lo].end_utc <= n.start_utc:
            lo += 1
        k = lo
        while k < len(old) and old[k].start_utc < n.end_utc:
            o = old[k]
            k += 1
            if n.series_id is not None and n.series_id == o.series_id:
                continue
            if o.overlaps(n):
                if best is None or o.start_utc < best.start_utc:
                    best = o
                break
    return best
