"""Pure logic of the journal loop: reading a proposal, the winner of a vote, the trial's school days."""

from datetime import date, timedelta

import pytest

from domain.journal_loop import LoopError, Proposal, ask_clock, label, parse_proposal, trial_window, winner


def test_parse_proposal_forms():
    assert parse_proposal("2 Pakai teks bergambar", 3) == (2, "Pakai teks bergambar")
    assert parse_proposal("#1: Baca nyaring dulu", 2) == (1, "Baca nyaring dulu")
    assert parse_proposal("Bawa buku cadangan", 1) == (1, "Bawa buku cadangan")  # one problem: no number needed
    assert parse_proposal("1 " + "x" * 500, 1)[1] == "x" * 300
    for text, n, code in (("Pakai teks", 2, "no_number"), ("4 Pakai teks", 3, "bad_number"), ("0 a", 3, "bad_number"),
                          ("1 ...", 2, "empty"), ("", 2, "empty"), ("  ", 1, "empty")):
        with pytest.raises(LoopError) as exc:
            parse_proposal(text, n)
        assert exc.value.code == code, text


def test_winner_most_votes_then_earliest():
    assert winner([]) is None
    assert winner([Proposal(5, 0)]) == 5
    assert winner([Proposal(5, 1), Proposal(6, 2)]) == 6
    assert winner([Proposal(7, 2), Proposal(6, 2)]) == 6
    assert label(2, 1) == "2B"


def test_trial_window_counts_school_days_only():
    weekdays = lambda d: d.weekday() < 5  # noqa: E731
    assert trial_window(date(2026, 11, 24), weekdays) == (date(2026, 11, 25), date(2026, 12, 8))
    # from a Friday: starts Monday; a holiday week is skipped
    off = {date(2026, 11, 30) + timedelta(days=i) for i in range(5)}
    start, end = trial_window(date(2026, 11, 27), lambda d: weekdays(d) and d not in off, 3)
    assert (start, end) == (date(2026, 12, 7), date(2026, 12, 9))


def test_ask_clock():
    assert ask_clock("06:45") == (6, 45)
    assert ask_clock(None) == (15, 0) and ask_clock("25:00") == (15, 0) and ask_clock("x") == (15, 0)
