"""Progress map levels, indicators from hook data, and the principal's attention list."""

from __future__ import annotations

import pytest

from domain.programme.progress_map import (
    FOCUSES,
    THRESHOLDS,
    attention,
    indicators_from,
    level_of,
    points,
    progress_map,
)
from domain.reports.recognition import merge_activity, short_name, top_contributors


def levels(**ind):
    return {lv.focus: lv.level for lv in progress_map(ind)}


def test_no_data_is_starting_without_data():
    out = progress_map({})
    assert [lv.focus for lv in out] == list(FOCUSES)
    assert all(lv.level == "starting" and not lv.has_data for lv in out)


def test_thresholds_and_levels():
    assert points("attendance_rate", 0.49) == 0 and points("attendance_rate", 0.5) == 1
    assert points("attendance_rate", 0.75) == 2 and points("cycles_completed", None) is None
    assert level_of([2, 1]) == "embedded" and level_of([1, 1, 0]) == "starting" and level_of([1, 0]) == "starting"
    assert level_of([1, 1]) == "running" and level_of([2, 0]) == "running"
    assert levels(meetings_held_ratio=0.9, attendance_rate=0.8, cycles_completed=2)["learning"] == "embedded"
    assert levels(meetings_held_ratio=0.6, attendance_rate=0.6)["learning"] == "running"
    assert levels(meetings_held_ratio=0.2, attendance_rate=0.3, cycles_completed=0)["learning"] == "starting"
    got = levels(answer_rate=0.8, peer_observations=0, good_practices=3, survey_agreement=0.85,
                 results_recorded=1, targets_met=0)
    assert got == {"learning": "starting", "collaboration": "embedded", "results": "starting"}


def test_unknown_indicator_is_an_error():
    with pytest.raises(KeyError):
        progress_map({"likes": 3})
    assert set(THRESHOLDS) >= {"meetings_held_ratio", "survey_agreement", "results_recorded"}


def test_indicators_from_hooks():
    meetings = [{"start_ts": 10, "held": True, "attended": 3, "members": 4},
                {"start_ts": 20, "held": True, "attended": 1, "members": 4},
                {"start_ts": 30, "held": False, "attended": 0, "members": 4},
                {"start_ts": 99, "held": False}]  # in the future: not counted
    cycles = [{"completed": True, "observations": 2, "good_practices": 1, "results_recorded": True,
               "target_met": True}, {"completed": False, "observations": 1, "target_met": None}]
    out = indicators_from(meetings, cycles, {"answered": 3, "members": 4}, [{"agreement": 0.7}], now_ts=50)
    assert out["meetings_held_ratio"] == pytest.approx(2 / 3) and out["attendance_rate"] == 0.5
    assert (out["cycles_completed"], out["peer_observations"], out["good_practices"]) == (1, 3, 1)
    assert (out["results_recorded"], out["targets_met"], out["answer_rate"], out["survey_agreement"]) == (
        1, 1, 0.75, 0.7)
    none = indicators_from(None, None, None, None, now_ts=50)
    assert all(v is None for v in none.values())


def test_attention_list():
    assert attention(attendance=[0.9, 0.6], held_last_two_weeks=0, hours_on_track=0.3, stalled=True,
                     rtl_overdue=2, pulse=[0.8, 0.6]) == [
        "no_meetings", "cycle_stalled", "rtl_overdue", "attendance_falling", "hours_behind", "pulse_falling"]
    assert attention(attendance=[None, 0.4], held_last_two_weeks=None, hours_on_track=None, stalled=None,
                     rtl_overdue=None, pulse=[]) == ["low_attendance"]
    assert attention(attendance=[], held_last_two_weeks=2, hours_on_track=0.9, stalled=False, rtl_overdue=0,
                     pulse=[0.7, 0.75]) == []


def test_recognition_excludes_opt_outs_and_is_stable():
    act = merge_activity([{1: {"answers": 2}, 2: {"attended": 1}}, {1: {"good_practices": 1}, 3: {"answers": 5}},
                          None, {4: {"answers": 0}}])
    assert act[1] == {"answers": 2, "good_practices": 1}
    names = {1: "Ani", 2: "Budi", 3: "Citra", 4: "Dewi"}
    top = top_contributors(act, names, named_ok=[1, 2, 4])
    assert [(c.name, c.score) for c in top] == [("Ani", 5), ("Budi", 1)]  # Citra opted out, Dewi did nothing
    assert [c.name for c in top_contributors({1: {"answers": 1}, 2: {"answers": 1}}, names, [1, 2], limit=1)] == [
        "Ani"]
    assert short_name("x" * 50).endswith("…") and len(short_name("x" * 50)) == 32


def test_indicators_from_the_cycle_features_summary_shape():
    cycles = [{"ended_at": 40, "before": 55.0, "after": 70.0, "met": True, "good_practices": 2,
               "participation": {"reflection": [3, 4]}},
              {"ended_at": 45, "before": None, "after": None, "met": None, "good_practices": 0}]
    out = indicators_from(None, cycles, None, None, now_ts=50)
    assert (out["cycles_completed"], out["results_recorded"], out["targets_met"], out["good_practices"]) == (
        2, 1, 1, 2)
