"""Pure logic of issue 15: the agreement's text, activity details, 002's participation table, terms and the
community's own placement on the progress map."""

from __future__ import annotations

from datetime import date

import pytest

from domain.programme.core import (
    ProgrammeError,
    accepted_share,
    clean_agreement,
    clean_title,
    first_and_last,
    indicators,
    next_unanswered,
    parse_details,
    participation,
    periods,
    placement,
    term_of,
)
from domain.programme.progress_map import INDICATORS, progress_map, with_placement

TODAY = date(2026, 11, 24)  # a Tuesday


def test_agreement_is_a_few_clean_lines():
    assert clean_agreement("  Nilai:   kolaborasi\n\n\n\nKomitmen: hadir tiap pekan  ") == \
        "Nilai: kolaborasi\n\nKomitmen: hadir tiap pekan"
    for text, code in (("ok", "agreement_short"), ("1234567890 !!", "agreement_short"),
                       ("x" * 1001, "agreement_long"), ("baris satu\n" * 16, "agreement_lines")):
        with pytest.raises(ProgrammeError) as e:
            clean_agreement(text)
        assert e.value.code == code


@pytest.mark.parametrize("text, expected", [
    ("14/11 10 30 10", (date(2026, 11, 14), 10, 30, 10)),
    ("hari ini 12 0 25", (TODAY, 12, 0, 25)),
    ("yesterday 3", (date(2026, 11, 23), 3, 0, 0)),
    ("3 Nov 9, 30, 0", (date(2026, 11, 3), 9, 30, 0)),
    ("12 Nov 2026 4 28 1", (date(2026, 11, 12), 4, 28, 1)),
    ("25/12 5 5 5", (date(2025, 12, 25), 5, 5, 5)),  # no year: the latest such day up to today
    ("1/2/26 1 2 3", (date(2026, 2, 1), 1, 2, 3)),
])
def test_activity_details(text, expected):
    d = parse_details(text, today=TODAY)
    assert (d.held_on, d.teachers, d.pupils, d.parents) == expected


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("kapan 1 2 3", "bad_date"), ("31/02 1 1 1", "bad_date"), ("25/11/2026 1 1 1", "future_date"),
    ("1/1/2025 1 1 1", "old_date"), ("14/11", "bad_counts"), ("14/11 1 2 3 4", "bad_counts"),
    ("14/11 satu", "bad_counts"), ("14/11 0 0 0", "nobody"), ("14/11 1 99999 0", "too_many"),
])
def test_activity_details_refused(text, code):
    with pytest.raises(ProgrammeError) as e:
        parse_details(text, today=TODAY)
    assert e.value.code == code


def test_titles():
    assert clean_title("  Pameran   karya ") == "Pameran karya"
    for bad in ("ab", "123", "x" * 81):
        with pytest.raises(ProgrammeError):
            clean_title(bad)


def test_periods_are_weeks_up_to_ten_weeks_then_months():
    weeks = periods(date(2026, 11, 1), date(2026, 11, 30))
    assert weeks[0] == (date(2026, 11, 1), date(2026, 11, 1)) and weeks[1] == (date(2026, 11, 2), date(2026, 11, 8))
    assert weeks[-1] == (date(2026, 11, 30), date(2026, 11, 30)) and len(weeks) == 6
    months = periods(date(2026, 7, 13), date(2026, 12, 31))
    assert months[0] == (date(2026, 7, 13), date(2026, 7, 31)) and months[-1] == (date(2026, 12, 1), date(2026, 12, 31))
    assert len(months) == 6


def test_participation_first_against_last():
    acts = [(date(2026, 11, 3), 8, 0, 2), (date(2026, 11, 5), 2, 30, 0), (date(2026, 11, 24), 12, 60, 25),
            (date(2026, 12, 1), 99, 99, 99)]  # outside the window
    rows = participation(acts, date(2026, 11, 1), date(2026, 11, 30))
    assert [(r.activities, r.teachers, r.pupils, r.parents) for r in rows] == [
        (0, 0, 0, 0), (2, 10, 30, 2), (0, 0, 0, 0), (0, 0, 0, 0), (1, 12, 60, 25), (0, 0, 0, 0)]
    first, last = first_and_last(rows)
    assert (first.teachers, last.teachers, last.start) == (10, 12, date(2026, 11, 23))
    assert first_and_last(participation(acts[:1], date(2026, 11, 1), date(2026, 11, 30))) is None


def test_terms():
    assert term_of(date(2026, 7, 1)) == term_of(date(2026, 12, 31)) == "2026/2027-1"
    assert term_of(date(2027, 1, 1)) == term_of(date(2027, 6, 30)) == "2026/2027-2"
    assert term_of(date(2026, 6, 30)) < term_of(date(2026, 7, 1)) < term_of(date(2027, 1, 1))


def test_own_placement_uses_the_maps_rule_per_focus():
    assert len(indicators()) == sum(len(v) for v in INDICATORS.values())
    answers = [("meetings_held_ratio", 2), ("attendance_rate", 1), ("answer_rate", 0), ("good_practices", 1),
               ("unknown", 2), ("targets_met", 7)]
    assert placement(answers) == {"learning": "embedded", "collaboration": "starting"}
    assert placement([("answer_rate", 1), ("good_practices", 1)]) == {"collaboration": "running"}
    assert next_unanswered({}) == 0
    assert next_unanswered({i: 1 for _, i in indicators()[:3]}) == 3
    assert next_unanswered({i: 1 for _, i in indicators()}) is None


def test_the_map_counts_activities_and_the_agreement_and_shows_the_own_placement():
    levels = progress_map({"programme_activities": 4, "agreement_accepted": 0.9})
    assert [lv.level for lv in levels] == ["embedded", "embedded", "starting"]
    assert [lv.has_data for lv in levels] == [True, True, False]
    placed = with_placement(levels, {"learning": "running"}, {"learning": "starting", "results": "running"})
    assert [(lv.own, lv.own_before) for lv in placed] == [("running", "starting"), (None, None), (None, "running")]
    assert with_placement(levels, None, None) is levels


def test_accepted_share_counts_active_members_who_accepted():
    assert accepted_share(None, [1, 2]) is None  # no agreement written yet: no data
    assert accepted_share({1}, []) is None
    assert accepted_share({1, 3, 9}, [1, 2, 3, 4]) == 0.5  # 9 left the community: not counted
    assert accepted_share(frozenset(), iter([1, 2])) == 0.0
