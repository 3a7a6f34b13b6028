"""The `… kelompok <nama>` suffix shared by /survei, /siklus mulai and /jadwal."""

from __future__ import annotations

import pytest

from domain.cycle.core import parse_target, split_start
from domain.groups import split_group_suffix


def test_suffix_first_and_last():
    assert split_group_suffix("pulse kelompok Kelas  tinggi") == ("pulse", "Kelas tinggi")
    assert split_group_suffix("pulse group") == ("pulse", "")
    assert split_group_suffix("pulse tutup 3 hari") == ("pulse tutup 3 hari", None)
    assert split_group_suffix("a kelompok b kelompok c") == ("a", "b kelompok c")
    assert split_group_suffix("a kelompok b kelompok c", last=True) == ("a kelompok b", "c")
    assert split_group_suffix("kelompokan kerja") == ("kelompokan kerja", None)  # a whole word only


@pytest.mark.parametrize(("text", "head", "name"), [
    ("literasi 40 ke 70 kelompok Kelas rendah", "literasi 40 ke 70", "Kelas rendah"),
    ("literacy: 40% → 70% group Upper grades", "literacy: 40% → 70%", "Upper grades"),
    ("diskusi kelompok: 50 ke 80", "diskusi kelompok: 50 ke 80", None),  # the word belongs to the topic
    ("diskusi kelompok 50 ke 80", "diskusi kelompok 50 ke 80", None),
    ("kerja kelompok: 70", "kerja kelompok: 70", None),
    ("diskusi kelompok 50 ke 80 kelompok Kelas 1-3", "diskusi kelompok 50 ke 80", "Kelas 1-3"),
    ("menulis kelompok", "menulis kelompok", None),  # no name after it: part of the topic
])
def test_cycle_start_keeps_the_target(text, head, name):
    assert split_start(text) == (head, name)
    assert parse_target(split_start(text)[0]).topic  # what is left still parses as a target


def _row(**kw):
    return {"name": "Kelas rendah", "size": 4, "meetings": 2, "present": 6, "stages": 1, "answered": 3, **kw}


def test_group_week_figures_and_the_floor_within_the_group():
    from bot.render import survey_texts
    from domain.groups import group_week
    from domain.surveys.core import Response, builtin_survey

    pulse = builtin_survey("pulse", survey_texts("id"))
    keys = [it.key for it in pulse.likert_items]
    agree = {k: 4 for k in keys}
    g = group_week(_row())
    assert (g.attendance, g.answered, g.survey_agree, g.empty) == (0.75, 3, None, False)
    assert group_week(_row(meetings=0, stages=0)).empty
    assert group_week(_row(size=0)).attendance is None and group_week(_row(size=0)).answered is None
    two = [Response(agree, "classroom")] * 2
    hidden = group_week(_row(), pulse, two)
    assert hidden.survey_agree is None and hidden.survey_hidden  # 2 < 3 within the group: withheld
    three = group_week(_row(), pulse, [*two, Response({k: 2 for k in keys}, "classroom")])
    assert three.survey_agree is not None and round(three.survey_agree, 2) == 0.67
    # a role under the floor is left out even when the group as a whole has enough respondents
    mixed = group_week(_row(), pulse, [*two, Response(agree, "classroom"), Response({k: 1 for k in keys}, "head")])
    assert mixed.survey_agree == 1.0
