"""The `… kelompok <nama>` suffix shared by /survei, /siklus mulai and /jadwal."""

from __future__ import annotations

import pytest

from domain.cycle import parse_target, split_start
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
