"""Pure logic of lesson observation and working groups: parsing, the debrief's order, who sees scores, means,
and the per-group anonymity floor."""

from __future__ import annotations

from datetime import date, time

import pytest

from domain.observe import (
    ASPECTS,
    ObservationError,
    aspect_means,
    clean_group_name,
    group_visible,
    may_see_ratings,
    may_speak,
    next_step,
    parse_setup,
    parse_when,
)

TODAY = date(2026, 11, 24)  # a Tuesday


def weekdays(d: date) -> bool:
    return d.weekday() < 5


@pytest.mark.parametrize("text,expected", [
    ("Rabu 25/11 09:00", (date(2026, 11, 25), time(9, 0))),
    ("25/11 9.30", (date(2026, 11, 25), time(9, 30))),
    ("besok jam 07:15", (date(2026, 11, 25), time(7, 15))),
    ("tomorrow at 13:00", (date(2026, 11, 25), time(13, 0))),
    ("25 November 2026 10:00", (date(2026, 11, 25), time(10, 0))),
])
def test_when_reads_a_date_then_a_time(text, expected):
    assert parse_when(text, today=TODAY, is_school_day=weekdays) == expected


@pytest.mark.parametrize("text,code", [
    ("", "empty"), ("25/11", "missing_time"), ("25/11 25:00", "bad_time"), ("25/11 09:61", "bad_time"),
    ("31/02 09:00", "bad_date"), ("1/1/2020 09:00", "past"), ("Sabtu 28/11 09:00", "not_school_day"),
])
def test_when_refuses_with_a_code(text, code):
    with pytest.raises(ObservationError) as exc:
        parse_when(text, today=TODAY, is_school_day=weekdays)
    assert exc.value.code == code


def test_setup_line_has_three_or_four_parts():
    spec = parse_setup("4A; Rabu 25/11 09:00; ide pokok; Kelas tinggi", today=TODAY)
    assert (spec.class_label, spec.day, spec.at, spec.focus, spec.group) == (
        "4A", date(2026, 11, 25), time(9, 0), "ide pokok", "Kelas tinggi")
    assert parse_setup("4A;  25/11 09:00 ;  membaca  nyaring ;", today=TODAY).group is None
    assert parse_setup("4A; 25/11 09:00; membaca nyaring", today=TODAY).focus == "membaca nyaring"
    for text, code in (("", "empty"), ("4A", "missing_parts"), ("4A; ; fokus", "missing_parts"),
                       ("a; 25/11 09:00; b; c; d", "too_many_parts"), ("4A; 25/11 09:00; " + "x" * 201, "too_long"),
                       ("4A; 25/11; fokus", "missing_time")):
        with pytest.raises(ObservationError) as exc:
            parse_setup(text, today=TODAY)
        assert exc.value.code == code, text


def test_group_names():
    assert clean_group_name("  Kelas   rendah ") == "Kelas rendah"
    for raw, code in (("", "empty"), ("   ", "empty"), ("x" * 41, "too_long")):
        with pytest.raises(ObservationError) as exc:
            clean_group_name(raw)
        assert exc.value.code == code


def test_debrief_runs_in_order_and_waits_for_every_observer():
    assert next_step(None, observers_left=2) == "model"
    assert next_step("model", observers_left=2) == "observers"
    assert next_step("model", observers_left=0) == "redesign"  # no observer to wait for
    assert next_step("observers", observers_left=1) == "observers"
    assert next_step("observers", observers_left=0) == "redesign"
    assert next_step("redesign", observers_left=0) == "rtl"
    assert next_step("rtl", observers_left=0) == "done"
    assert next_step("done", observers_left=0) == "done"


def test_who_speaks_when():
    kw = {"model": 1, "observers": [2, 3]}
    assert may_speak("model", 1, **kw) and not may_speak("model", 2, **kw)
    assert may_speak("observers", 3, **kw) and not may_speak("observers", 1, **kw)
    assert may_speak("redesign", 9, **kw)
    assert not may_speak("rtl", 1, **kw) and not may_speak("done", 1, **kw)


def test_scores_stay_with_the_model_teacher_and_observers_unless_shared():
    assert may_see_ratings(1, model=1, observers=[2], shared=False)
    assert may_see_ratings(2, model=1, observers=[2], shared=False)
    assert not may_see_ratings(3, model=1, observers=[2], shared=False)
    assert may_see_ratings(3, model=1, observers=[2], shared=True)


def test_means_in_rubric_order():
    means = aspect_means([("assessment", 2), ("preparation", 3), ("preparation", 4)])
    assert list(means) == ["preparation", "assessment"] and means["preparation"] == 3.5
    assert len(ASPECTS) == 6 and aspect_means([]) == {}


def test_group_floor():
    assert group_visible(0) and not group_visible(1) and not group_visible(2) and group_visible(3)
