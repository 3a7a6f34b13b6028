"""Report periods and weekly send times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.reports.period import (
    PeriodError,
    iso_week_key,
    next_weekly,
    parse_period,
    parse_weekly,
    period_token,
    week_end,
)

TZ = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 WITA


def p(text, **kw):
    return parse_period(text, now=NOW, tz=TZ, **kw)


@pytest.mark.parametrize("text", ["", "minggu ini", "Pekan ini", "this week", "w"])
def test_this_week(text):
    r = p(text)
    assert (r.kind, r.start, r.end) == ("week", date(2026, 11, 23), date(2026, 11, 29))
    assert r.start_ts == int(datetime(2026, 11, 22, 16, tzinfo=UTC).timestamp())  # local midnight
    assert r.end_ts - r.start_ts == 7 * 86400


def test_named_periods():
    assert (p("bulan ini").start, p("bulan ini").end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (p("last month").start, p("last month").end) == (date(2026, 10, 1), date(2026, 10, 31))
    assert p("minggu lalu").start == date(2026, 11, 16)
    cycle = (int(datetime(2026, 11, 2, tzinfo=UTC).timestamp()), int(datetime(2026, 12, 20, tzinfo=UTC).timestamp()))
    r = p("siklus ini", cycle=cycle)
    assert (r.kind, r.start, r.end) == ("cycle", date(2026, 11, 2), date(2026, 11, 24))  # up to today
    assert period_token("Bulan ini") == "m" and period_token("1/11 30/11") is None


@pytest.mark.parametrize("text", ["1/11 30/11", "1/11 - 30/11", "1/11 s/d 30/11", "1/11-30/11",
                                  "2026-11-01 2026-11-30", "1/11/2026 30/11/2026", "20261101-20261130"])
def test_two_dates(text):
    r = p(text)
    assert (r.start, r.end, r.kind) == (date(2026, 11, 1), date(2026, 11, 30), "range")
    assert r.code == "20261101-20261130"


def test_start_in_the_future_means_last_year():
    r = p("1/12 31/12")
    assert (r.start, r.end) == (date(2025, 12, 1), date(2025, 12, 31))


@pytest.mark.parametrize("text,code", [
    ("30/11 1/11", "reversed"), ("2026-11-30 2026-11-01", "reversed"),
    ("2025-01-01 2026-11-30", "too_long"), ("31/2 1/3", "bad_date"), ("abc", "bad_date"),
    ("1/11", "bad_date"), ("1/11 2/11 3/11", "bad_date"), ("20261301-20261330", "bad_date"),
    ("siklus ini", "no_cycle"),
])
def test_bad_periods(text, code):
    with pytest.raises(PeriodError) as err:
        p(text)
    assert err.value.code == code


def test_exactly_one_year_is_allowed():
    r = p("2025-11-25 2026-11-24")
    assert (r.end - r.start).days == 364


def test_weekly_times():
    assert parse_weekly("Jumat 15:00") == (4, 900)
    assert parse_weekly("senin 06.30") == (0, 390)
    assert parse_weekly("Friday 3pm") == (4, 900)
    for text, code in (("Caturday 10:00", "bad_day"), ("Senin 25:00", "bad_time"), ("Senin", "bad_time"),
                       ("", "bad_day"), ("Senin 7 pagi extra", "bad_time")):
        with pytest.raises(PeriodError) as err:
            parse_weekly(text)
        assert err.value.code == code, text


def test_next_weekly_and_week_end():
    fri = next_weekly(NOW, TZ, 4, 900)
    assert fri == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    assert next_weekly(fri, TZ, 4, 900) == datetime(2026, 12, 4, 7, 0, tzinfo=UTC)  # strictly after
    assert next_weekly(NOW, TZ, 1, 8 * 60) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 passed today
    assert week_end(fri, TZ) == datetime(2026, 11, 29, 16, 0, tzinfo=UTC)
    assert iso_week_key(date(2026, 11, 27)) == "2026-W48" and iso_week_key(date(2027, 1, 1)) == "2026-W53"
