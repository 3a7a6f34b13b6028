"""Anonymity that cannot be subtracted (issue 12): what a survey publishes never lets anyone work out the
answers of fewer respondents than the floor.

The published figures of a survey are `survey_summary(...)` — per item, overall, per visible role, the mean
of roles, counts — and everything else (charts, the pulse trend, summaries, reports) is computed from the
same published responses. The properties below, over random answer sets, roles and floors:

1. changing any answer of a hidden role changes nothing published (so no hidden sum can be derived);
2. shuffling answers among the members of one role on one statement changes nothing published: every
   figure depends on whole *cells* (one role × one statement) only, never on a part of one;
3. every cell, role and item a published figure rests on holds 0 or at least `floor` answers.
From 2 and 3, any quantity derivable from what is published is a function of cells of at least `floor`
answers: the sum of fewer than `floor` people's answers (which is not constant on those cells) cannot be.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.surveys.core import (
    Response,
    SurveyDef,
    SurveyItem,
    by_role,
    disclosure,
    focus_roles,
    mean_score_shown,
    prepost_published,
    survey_summary,
)

ROLES = ("classroom", "religion", "pe", "counsellor")
SURVEY = SurveyDef("custom", "Cek", (
    SurveyItem("l1", "likert", "Fokus"),
    SurveyItem("l2", "likert", "Kolaborasi"),
    SurveyItem("l3", "likert", "Hasil"),
    SurveyItem("c", "choice", "Metode?", ("A", "B", "C")),
    SurveyItem("t", "text", "Catatan?", optional=True),
))


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[list[Response], int]:
    floor = draw(st.integers(1, 4))
    people = draw(st.lists(st.tuples(
        st.sampled_from(ROLES),
        st.fixed_dictionaries({}, optional={
            "l1": st.integers(1, 5), "l2": st.integers(1, 5), "l3": st.integers(1, 5),
            "c": st.integers(0, 2), "t": st.sampled_from(["ya", "tidak", "mungkin"]),
        }),
    ), max_size=14))
    return [Response(dict(a), role) for role, a in people], floor


def _other_value(draw: st.DrawFn, key: str) -> int | str:
    if key.startswith("l"):
        return draw(st.integers(1, 5))
    if key == "c":
        return draw(st.integers(0, 2))
    return draw(st.sampled_from(["lain", "berbeda", "ya"]))


@settings(max_examples=300, deadline=None)
@given(answer_sets(), st.data())
def test_changing_hidden_answers_changes_nothing_published(case, data):
    responses, floor = case
    published = survey_summary(SURVEY, responses, floor=floor)
    hidden = set(disclosure(SURVEY, responses, floor=floor).hidden_roles)
    changed = [Response({k: _other_value(data.draw, k) for k in r.answers}, r.role) if r.role in hidden else r
               for r in responses]
    assert survey_summary(SURVEY, changed, floor=floor) == published


@settings(max_examples=300, deadline=None)
@given(answer_sets(), st.data())
def test_figures_depend_on_whole_cells_only(case, data):
    responses, floor = case
    published = survey_summary(SURVEY, responses, floor=floor)
    answers = [dict(r.answers) for r in responses]
    for role in ROLES:
        for key in ("l1", "l2", "l3", "c"):
            who = [i for i, r in enumerate(responses) if r.role == role and key in r.answers]
            values = [answers[i][key] for i in who]
            for i, v in zip(who, data.draw(st.permutations(values)), strict=True):
                answers[i][key] = v
    shuffled = [Response(a, r.role) for a, r in zip(answers, responses, strict=True)]
    assert survey_summary(SURVEY, shuffled, floor=floor) == published


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_every_published_figure_rests_on_at_least_floor_answers(case):
    responses, floor = case
    s = survey_summary(SURVEY, responses, floor=floor)
    ok = lambda k: k == 0 or k >= floor  # noqa: E731
    for x in s.items:
        if x.likert is not None:
            assert ok(x.likert.n)
        if x.choice is not None:
            assert ok(x.choice.n)
        assert x.withheld == 0 or x.withheld < floor
    assert ok(s.overall.n)
    assert s.by_role is not None or not responses
    for row in (s.by_role.rows if s.by_role else []):
        if row.hidden:
            continue
        members = [r for r in responses if r.role == row.role]
        assert row.stats.n >= floor
        for it in SURVEY.likert_items:
            assert ok(sum(1 for r in members if it.key in r.answers))
    # what is left out is exactly the hidden roles' respondents
    hidden_roles = {row.role for row in s.by_role.rows if row.hidden} if s.by_role else set()
    assert s.hidden == sum(1 for r in responses if r.role in hidden_roles)


def test_the_filed_case_three_classroom_teachers_and_one_counsellor():
    """3 classroom teachers answer 4,4,4 and 1 counsellor 1,2,1: before, "Keseluruhan" (n = 4) minus the
    classroom row gave the counsellor's answers. Now the overall leaves the counsellor out."""
    survey = SurveyDef("pulse", "Cek", tuple(SurveyItem(f"l{i}", "likert", f"P{i}") for i in range(3)))
    three = [Response({"l0": 4, "l1": 4, "l2": 4}, "classroom") for _ in range(3)]
    s = survey_summary(survey, [*three, Response({"l0": 1, "l1": 2, "l2": 1}, "counsellor")])
    s_other = survey_summary(survey, [*three, Response({"l0": 5, "l1": 5, "l2": 5}, "counsellor")])
    assert s == s_other
    assert s.n_respondents == 4 and s.hidden == 1 and s.overall.n == 3 and s.overall.mean == 4.0
    assert [x.likert.mean for x in s.items] == [4.0, 4.0, 4.0]


def test_by_role_for_one_item_leaves_hidden_roles_out():
    rb = by_role([("a", 4), ("a", 4), ("a", 4), ("b", 1)])
    assert rb == by_role([("a", 4), ("a", 4), ("a", 4), ("b", 5)])
    assert rb.overall.n == 3 and rb.overall.mean == 4.0 and rb.hidden == 1


# -- pre/post tests ---------------------------------------------------------------------------------
def _scores(n: int, score: int = 2, prefix: str = "m") -> dict[str, int]:
    return {f"{prefix}{i}": score for i in range(n)}


def test_prepost_paired_when_nobody_could_be_subtracted():
    pre, post = _scores(10, 2), _scores(10, 4)
    pp = prepost_published(pre, post, 5)
    assert pp.paired and not pp.withheld and pp.n_paired == 10 and pp.mean_pre == 2 and pp.mean_post == 4
    assert pp.individual == {}  # never published


def test_prepost_one_absent_falls_back_to_the_class_means():
    """10 took the pre-test, 9 the post-test: the paired pre mean (9 people) next to the pre-test's own mean
    (10) would give the absentee's score, so both tests' class means are compared instead."""
    pre = {**_scores(9, 2), "absent": 0}
    post = _scores(9, 4)
    pp = prepost_published(pre, post, 5)
    assert not pp.paired and not pp.withheld and pp.n_paired == 9
    assert pp.mean_pre == pytest.approx(18 / 10) and pp.mean_post == 4
    # the absentee's score changes the class mean already published with the pre-test, nothing else
    assert prepost_published({**pre, "absent": 5}, post, 5).mean_post == pp.mean_post


def test_prepost_withheld_under_the_floor_or_when_a_mean_is_not_shown():
    assert prepost_published(_scores(2), _scores(2), 5).withheld
    assert prepost_published(_scores(5), _scores(5), 5, pre_shown=False).withheld
    pp = prepost_published(_scores(5), _scores(5), 5, post_shown=False)
    assert pp.withheld and pp.mean_pre is None and pp.gain is None and pp.n_paired == 5


def test_test_mean_score_not_shown_when_an_item_is_withheld():
    test = SurveyDef("prepost", "Tes", (SurveyItem("q1", "mcq", "a?", ("x", "y"), correct=0),
                                        SurveyItem("q2", "mcq", "b?", ("x", "y"), correct=1)))
    full = [Response({"q1": 0, "q2": 1}) for _ in range(3)]
    assert mean_score_shown(survey_summary(test, full))
    partial = [*full[:1], Response({"q1": 0}), Response({"q1": 1})]  # q2: only 1 answer
    s = survey_summary(test, partial)
    assert s.items[1].withheld == 1 and not mean_score_shown(s)


def test_the_focus_by_role_table_has_shown_roles_only_and_their_unweighted_rerata():
    """The effectiveness study's form: per focus (statement), each shown role's agree share and "Rerata", the
    mean of the role figures (85, 78, 73, 70 → 76,5). A hidden role changes no cell and no Rerata."""
    survey = SurveyDef("pulse", "Cek", tuple(SurveyItem(f"l{i}", "likert", f"P{i}") for i in range(2)))
    classroom = [Response({"l0": v, "l1": 5}, "classroom") for v in (5, 4, 2, 1)]  # 50 % and 100 %
    religion = [Response({"l0": 4, "l1": v}, "religion") for v in (4, 4, 2)]  # 100 % and 66,7 %
    for counsellor in (1, 5):
        table = focus_roles(survey, [*classroom, *religion, Response({"l0": counsellor, "l1": 1}, "counsellor")])
        assert table["roles"] == ["classroom", "religion"] and table["hidden"] == 1
        assert [r["shares"] for r in table["rows"]] == [{"classroom": 0.5, "religion": 1.0},
                                                       {"classroom": 1.0, "religion": pytest.approx(2 / 3)}]
        assert [r["rerata"] for r in table["rows"]] == [0.75, pytest.approx(5 / 6)]
    assert focus_roles(survey, [Response({"l0": 4, "l1": 4}, None)] * 3) is None  # no roles: no table
    assert focus_roles(survey, [Response({"l0": 4, "l1": 4}, "pe")] * 2) is None  # no role shown
