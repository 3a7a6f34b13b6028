"""Closing times and weekly slots of surveys, as PICs type them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.rhythm.durations import ParseError
from domain.surveys.timing import next_slot, parse_close, parse_weekly_slot, week_start

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09.00 WITA
TZ = ZoneInfo("Asia/Makassar")


def _local(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, TZ).replace(tzinfo=None)


@pytest.mark.parametrize("text, expected", [
    ("2j", datetime(2026, 11, 24, 11, 0)),
    ("2 jam", datetime(2026, 11, 24, 11, 0)),
    ("2h", datetime(2026, 11, 24, 11, 0)),
    ("90m", datetime(2026, 11, 24, 10, 30)),
    ("1j30", datetime(2026, 11, 24, 10, 30)),
    ("2 hari", datetime(2026, 11, 26, 9, 0)),
    ("3d", datetime(2026, 11, 27, 9, 0)),
    ("Jumat 15:00", datetime(2026, 11, 27, 15, 0)),
    ("fri 3pm", datetime(2026, 11, 27, 15, 0)),
    ("Selasa 08:00", datetime(2026, 12, 1, 8, 0)),  # today's 08.00 has passed: next week
    ("26/11 15.00", datetime(2026, 11, 26, 15, 0)),
    ("besok 10:00", datetime(2026, 11, 25, 10, 0)),
])
def test_parse_close(text, expected):
    assert _local(parse_close(text, now=NOW, tz=TZ)) == expected


@pytest.mark.parametrize("text, code", [
    ("", "bad_close"), ("xyz", "bad_close"), ("Jumat 15:00 aula", "bad_close"), ("Minggu 10:00", "bad_close"),
    ("23/11 10:00", "close_past"), ("hari ini 08:00", "close_past"), ("1m", "close_range"),
    ("40 hari", "close_range"),
])
def test_parse_close_errors(text, code):
    with pytest.raises(ParseError) as err:
        parse_close(text, now=NOW, tz=TZ)
    assert err.value.code == code


def test_weekly_slot_and_next_slot():
    assert parse_weekly_slot("Kamis 16:00", now=NOW, tz=TZ) == (3, 960)
    assert parse_weekly_slot("thu 4pm", now=NOW, tz=TZ) == (3, 960)
    for bad in ("Kamis", "26/11 16:00", "Senin,Kamis 16:00", "Kamis 16:00 aula", "jam 25"):
        with pytest.raises(ParseError):
            parse_weekly_slot(bad, now=NOW, tz=TZ)
    first = next_slot(3, 960, TZ, NOW)
    assert _local(first) == datetime(2026, 11, 26, 16, 0)
    # exactly at the slot: the next one is a week later
    assert _local(next_slot(3, 960, TZ, datetime.fromtimestamp(first, UTC))) == datetime(2026, 12, 3, 16, 0)


def test_week_start_is_local_monday():
    assert week_start(int(NOW.timestamp()), TZ) == date(2026, 11, 23)
    sunday_night_utc = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # Monday 01.00 WITA
    assert week_start(int(sunday_night_utc.timestamp()), TZ) == date(2026, 11, 30)
