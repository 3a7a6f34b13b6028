"""Time as the bot sees it: the system clock in production, a settable one in the demo and tests."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def ts(self) -> int:
        return int(self.now().timestamp())


class ManualClock(Clock):
    """A clock that moves only when told (simulated time)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class StartedClock(Clock):
    """Real-speed time that started at a chosen instant (`CLOCK_START`): rehearsals and the tests that run
    the real bot process see the same school day whatever the date of the machine."""

    def __init__(self, start: datetime, *, monotonic: object = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("StartedClock needs an aware datetime")
        self._start = start.astimezone(UTC)
        self._monotonic = monotonic
        self._t0 = monotonic()  # type: ignore[operator]

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._t0)  # type: ignore[operator]
