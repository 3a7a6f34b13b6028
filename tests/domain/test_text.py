"""domain.text: cutting people's text by Telegram's measure (UTF-16 code units), never inside a character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rhythm.calendar import parse_off_day
from domain.rhythm.hours import LOG_NOTE_MAX, parse_log
from domain.rhythm.schedule import TEXT_MAX, parse_change
from domain.text import clip, utf16_len
from fakegram import utf16_len as fake_utf16_len


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("pendek", 10, "pendek"),
    ("x" * 10, 10, "x" * 10),
    ("x" * 11, 10, "x" * 9 + "…"),
    ("🙂" * 6, 10, "🙂" * 4 + "…"),  # two units each: 4 × 2 + 1
    ("e\u0301" * 6, 6, "e\u0301" * 2 + "…"),  # never an accent without its letter, nor a letter without it
    ("👩\u200d💻" * 3, 8, "👩\u200d💻" + "…"),  # a ZWJ sequence stays whole
    ("👍🏽" * 4, 6, "👍🏽" + "…"),  # a skin tone stays with its emoji
    ("kata " * 10, 11, "kata kata…"),  # no space before the ellipsis
])
def test_clip(text, limit, expected):
    assert clip(text, limit) == expected


@given(st.text(min_size=0, max_size=300), st.integers(2, 200))
def test_clip_fits_and_is_a_prefix(text, limit):
    out = clip(text, limit)
    assert utf16_len(out) <= limit
    if utf16_len(text) <= limit:
        assert out == text
    else:
        assert out.endswith("…") and text.startswith(out[:-1])


def test_utf16_len_is_telegrams_measure():
    for text in ("abc", "é", "🙂", "👩\u200d💻", "\u202e"):
        assert utf16_len(text) == fake_utf16_len(text)


def test_stored_free_text_is_bounded_at_parse_time():
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    tz = ZoneInfo("Asia/Makassar")
    log = parse_log("90 " + "webinar " * 100, now=now, tz=tz)
    assert utf16_len(log.what) <= LOG_NOTE_MAX and log.what.endswith("…") and log.minutes == 90
    assert utf16_len(parse_off_day("25/12 " + "🎄" * 200, today=date(2026, 11, 24)).label) <= 100
    change = parse_change("cancel", "26/11 " + "rapat " * 100, now=now, tz=tz)
    assert utf16_len(change.reason) <= TEXT_MAX
    assert parse_log("90 webinar Ruang GTK", now=now, tz=tz).what == "webinar Ruang GTK"  # short: unchanged
