"""Crash safety of the real bot process (issue 7): SIGKILL at seeded random points while members answer and
scheduled sends are due, restart, repeat; then drain and check. The harness and the guarantee it checks
are in bench/bench_crash.py (which runs more trials); the send guarantee is documented in bot/delivery.py.

Asserted: every answer fed is stored exactly once (none lost: the poller acknowledges only handled
updates), none stored or confirmed twice; every outbox key
went out and reached its chat exactly once, except keys the outbox itself marks ambiguous (a kill while the
entry was 'sending'), which reached it at most 1 + ambiguous times; every stage card sent is a prompt.
On SQLite and on PostgreSQL (`db_target`; there a kill also drops the process's server sessions mid-transaction)."""

from __future__ import annotations

from bench.bench_crash import Harness, print_report

TRIALS = 20


async def test_sigkill_at_random_points_loses_and_duplicates_nothing_confirmed(tmp_path, db_target, capsys):
    report = await Harness(tmp_path, seed=11, members=60, database=db_target).run(TRIALS)
    with capsys.disabled():
        print()
        print_report(report)
    assert report.problems == []
    assert report.lost == 0 and report.stored == report.fed
    assert report.trials >= 20 and set(report.kills) == {"in_call", "after_call", "timer"}
    assert report.confirmed > 50 and report.keys > 40  # one card per stage (issue 14), not one key per question
    # the window Telegram leaves open was hit, detected and accounted for (not hidden)
    assert report.ambiguous, "no kill landed between Telegram accepting a scheduled send and its mark"
    assert set(report.duplicates) <= set(report.ambiguous)
