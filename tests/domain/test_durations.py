from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rhythm.durations import ParseError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90m", 90),
        ("90 menit", 90),
        ("90 min", 90),
        ("90 mnt", 90),
        ("90 minutes", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1H30M", 90),
        ("1j30", 90),
        ("1 j 30 m", 90),
        ("1,5 jam", 90),
        ("1.5 jam", 90),
        ("1,5j", 90),
        ("1.5h", 90),
        ("2 jam", 120),
        ("2h", 120),
        ("2 hours", 120),
        ("1 hour", 60),
        ("1 jam 30 menit", 90),
        ("1 jam 30", 90),
        ("1 jam dan 30 menit", 90),
        ("1 hour and 30 minutes", 90),
        ("1:30", 90),
        ("0:45", 45),
        ("  45  ", 45),
        ("0,25 jam", 15),
        ("0", 0),
    ],
)
def test_parse_duration_accepts(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text",
    ["", "  ", "abc", "jam", "1.30", "1,5", "1:75", "1h75", "-30", "90 detik", "1.5h30", "9999999999", "1h30h"],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_duration(text)
    assert exc.value.code == "bad_duration"


def test_parse_error_carries_code_and_detail() -> None:
    err = ParseError("bad_time", "25:00")
    assert err.code == "bad_time"
    assert err.detail == "25:00"
    assert isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("minutes", "locale", "expected"),
    [
        (90, "id", "1 j 30 m"),
        (90, "en", "1 h 30 m"),
        (60, "id", "1 j"),
        (45, "en", "45 m"),
        (0, "id", "0 m"),
        (125, "id_ID", "2 j 5 m"),
        (125, "en-US", "2 h 5 m"),
        (90, "fr", "1 j 30 m"),
        (-30, "id", "-30 m"),
    ],
)
def test_format_duration_compact(minutes: int, locale: str, expected: str) -> None:
    assert format_duration(minutes, locale) == expected


@pytest.mark.parametrize(
    ("minutes", "locale", "expected"),
    [
        (90, "id", "1 jam 30 menit"),
        (90, "en", "1 hour 30 minutes"),
        (121, "en", "2 hours 1 minute"),
    ],
)
def test_format_duration_long(minutes: int, locale: str, expected: str) -> None:
    assert format_duration(minutes, locale, compact=False) == expected


@given(st.text(max_size=40))
def test_parse_duration_only_raises_parse_error(text: str) -> None:
    try:
        assert parse_duration(text) >= 0
    except ParseError as e:
        assert e.code == "bad_duration"


@given(st.integers(min_value=0, max_value=24 * 60))
def test_format_then_parse_round_trips(minutes: int) -> None:
    assert parse_duration(format_duration(minutes, "id")) == minutes
    assert parse_duration(format_duration(minutes, "en", compact=False)) == minutes
