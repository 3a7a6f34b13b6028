"""The live-message throttle policy (domain/live.py): one interval for every live message."""

from __future__ import annotations

from domain.live import INTERVAL_S, Decision, decide, owed_due_before


def test_one_interval_of_30_seconds():
    assert INTERVAL_S == 30


def test_a_message_never_edited_is_edited_at_once():
    assert decide(None, 1000) is Decision.EDIT_NOW


def test_within_the_interval_the_edit_is_owed_and_after_it_made_now():
    assert decide(1000, 1000) is Decision.OWE
    assert decide(1000, 1029) is Decision.OWE
    assert decide(1000, 1030) is Decision.EDIT_NOW
    assert decide(1000, 5000) is Decision.EDIT_NOW


def test_a_forced_change_is_shown_at_once():
    assert decide(1000, 1001, force=True) is Decision.EDIT_NOW


def test_the_catch_up_takes_owed_edits_whose_interval_has_passed():
    cutoff = owed_due_before(1030)
    assert 1000 <= cutoff and 1001 > cutoff  # edited at 1000: due at 1030; edited at 1001: not yet
    # the catch-up's cutoff and the touch's decision agree at every instant
    for last in range(990, 1040):
        assert (last <= owed_due_before(1030)) == (decide(last, 1030) is Decision.EDIT_NOW)
