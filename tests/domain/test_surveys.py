from datetime import date

import pytest

from bot.render import survey_texts
from domain.surveys.core import (
    Response,
    SurveyDef,
    SurveyItem,
    builtin_survey,
    by_role,
    choice_stats,
    fmt_number,
    fmt_percent,
    likert_labels,
    likert_stats,
    prepost,
    pulse_trend,
    score,
    survey_summary,
    trend_series,
)


def role_answers(role: str, n: int, agree: int) -> list[tuple[str, int]]:
    """n answers: `agree` of them 4, the rest 2."""
    return [(role, 4)] * agree + [(role, 2)] * (n - agree)


# --- likert_stats ---------------------------------------------------------------------------------


def test_likert_stats_hand_computed():
    st = likert_stats([5, 4, 3, 2, 4])  # sum 18, n 5
    assert st.n == 5
    assert st.mean == pytest.approx(3.6)
    assert st.agree_share == pytest.approx(0.6)  # 5, 4, 4
    assert st.index == pytest.approx(65.0)  # (3.6 - 1) / 4 * 100


def test_likert_stats_extremes():
    assert likert_stats([1, 1]).index == 0.0
    assert likert_stats([5, 5, 5]).index == 100.0
    assert likert_stats([5, 5, 5]).agree_share == 1.0
    assert likert_stats([3]).agree_share == 0.0


def test_likert_stats_exact_thirds():
    st = likert_stats([4, 4, 5])
    assert st.mean == 13 / 3
    assert st.index == pytest.approx(83.333333, abs=1e-5)


def test_likert_stats_empty():
    st = likert_stats([])
    assert (st.n, st.mean, st.agree_share, st.index) == (0, None, None, None)


@pytest.mark.parametrize("bad", [0, 6, -1, True, 3.5, "4"])
def test_likert_stats_rejects_out_of_scale(bad):
    with pytest.raises(ValueError):
        likert_stats([3, bad])


# --- by_role --------------------------------------------------------------------------------------


def test_by_role_study_000_rerata():
    # Study 000, focus on learning: 85 %, 78 %, 73 %, 70 % → Rerata 76,5 %
    answers = (
        role_answers("guru kelas", 20, 17)
        + role_answers("guru PAI", 50, 39)
        + role_answers("guru PJOK", 100, 73)
        + role_answers("operator sekolah", 10, 7)
    )
    rb = by_role(answers)
    assert [r.role for r in rb.rows] == ["guru kelas", "guru PAI", "guru PJOK", "operator sekolah"]
    assert [r.stats.agree_share for r in rb.rows] == [0.85, 0.78, 0.73, 0.70]
    assert rb.rerata_agree == 0.765
    assert fmt_percent(rb.rerata_agree, "id") == "76,5 %"
    assert fmt_percent(rb.rerata_agree, "en") == "76.5%"
    # overall is per respondent: (17 + 39 + 73 + 7) / 180
    assert rb.overall.n == 180
    assert rb.overall.agree_share == pytest.approx(136 / 180)
    # index: means are 2 + 2*share → index = 25 + 50*share; rerata of indexes = 25 + 50*0.765
    assert rb.rerata_index == pytest.approx(63.25)


def test_by_role_study_000_other_aspects():
    # 80, 70, 65, 85 → 75 and 82, 75, 70, 70 → 74,25
    a = (
        role_answers("a", 20, 16)
        + role_answers("b", 10, 7)
        + role_answers("c", 20, 13)
        + role_answers("d", 20, 17)
    )
    assert by_role(a).rerata_agree == 0.75
    b = (
        role_answers("a", 50, 41)
        + role_answers("b", 20, 15)
        + role_answers("c", 10, 7)
        + role_answers("d", 10, 7)
    )
    assert by_role(b).rerata_agree == 0.7425


def test_by_role_hides_small_groups():
    answers = (
        [("guru", 5), ("guru", 4), ("guru", 3), ("guru", 2)]  # 4 respondents, agree 2/4, mean 3.5
        + [("operator", 5), ("operator", 5)]  # only 2 → hidden
        + [("kepala", 1), ("kepala", 4), ("kepala", 4)]  # 3 → visible, agree 2/3, mean 3
    )
    rb = by_role(answers)
    rows = {r.role: r for r in rb.rows}
    assert rows["operator"].hidden and rows["operator"].stats is None
    assert not rows["guru"].hidden and rows["guru"].stats.n == 4
    assert [r.role for r in rb.visible] == ["guru", "kepala"]
    assert rb.any_hidden
    assert rb.rerata_agree == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert rb.rerata_mean == pytest.approx((3.5 + 3.0) / 2)
    # overall leaves the hidden operators out (else 9 answers minus the visible 7 would give theirs):
    # 7 answers, sum 23, agree 4
    assert rb.overall.n == 7 and rb.hidden == 2
    assert rb.overall.mean == pytest.approx(23 / 7)
    assert rb.overall.agree_share == pytest.approx(4 / 7)


def test_by_role_custom_floor_and_all_hidden():
    rb = by_role([("a", 5), ("a", 4), ("b", 1)], floor=3)
    assert all(r.hidden for r in rb.rows)
    assert rb.rerata_agree is None and rb.rerata_index is None
    assert rb.overall.n == 0 and rb.overall.mean is None and rb.hidden == 3  # nothing left to publish
    rb1 = by_role([("a", 5), ("b", 1)], floor=1)
    assert rb1.rerata_agree == 0.5


def test_by_role_empty():
    rb = by_role([])
    assert rb.rows == [] and rb.rerata_agree is None and rb.overall.n == 0 and rb.overall.mean is None


# --- choice ---------------------------------------------------------------------------------------


def test_choice_stats():
    cs = choice_stats([0, 2, 2, 1, 2], 4)
    assert cs.n == 5
    assert cs.counts == (1, 1, 3, 0)
    assert cs.shares == (0.2, 0.2, 0.6, 0.0)


def test_choice_stats_empty_and_bad():
    assert choice_stats([], 3).shares == (None, None, None)
    with pytest.raises(ValueError):
        choice_stats([3], 3)


# --- survey summary -------------------------------------------------------------------------------


def _survey() -> SurveyDef:
    return SurveyDef(
        "custom",
        "Refleksi",
        (
            SurveyItem("q1", "likert", "Paham"),
            SurveyItem("q2", "likert", "Siap"),
            SurveyItem("q3", "choice", "Metode?", ("Diskusi", "Video", "Praktik")),
            SurveyItem("q4", "text", "Catatan?", optional=True),
        ),
    )


def test_survey_summary_items_and_average_across_items():
    rs = [
        Response({"q1": 5, "q2": 4, "q3": 0, "q4": "  bagus "}, "guru"),
        Response({"q1": 4, "q2": 2, "q3": 2}, "guru"),
        Response({"q1": 3, "q2": 5, "q3": 2, "q4": ""}, "guru"),
        Response({"q1": 2, "q2": 2}, "operator"),
    ]
    s = survey_summary(_survey(), rs)
    assert s.n_respondents == 4 and s.hidden == 1 and s.n_published == 3
    q1, q2, q3, q4 = s.items
    # the hidden operator is left out of every figure: q1 is 5,4,3 and q2 is 4,2,5
    assert q1.likert.mean == 4.0 and q1.likert.agree_share == pytest.approx(2 / 3)
    assert q2.likert.n == 3 and q2.likert.mean == pytest.approx(11 / 3)
    assert q2.likert.agree_share == pytest.approx(2 / 3)
    assert q3.choice.counts == (1, 0, 2)
    assert q4.texts == ("bagus",)
    # survey level: mean of item means, mean of item agree shares
    assert s.overall.n == 3
    assert s.overall.mean == pytest.approx((4 + 11 / 3) / 2)
    assert s.overall.agree_share == pytest.approx(2 / 3)
    # by role: guru (3 respondents) visible, operator (1) hidden
    rows = {r.role: r for r in s.by_role.rows}
    assert rows["operator"].hidden and rows["operator"].stats is None
    g = rows["guru"].stats
    assert g.n == 3 and g.mean == s.overall.mean and g.agree_share == s.overall.agree_share
    assert s.by_role.rerata_agree == pytest.approx(g.agree_share)


def test_a_role_with_a_statement_answered_by_too_few_is_hidden():
    """3 guru answer q1 but only 2 of them q2: the role's mean minus q1 would give those 2 answers of q2,
    so the whole role is hidden (and with it every figure)."""
    rs = [
        Response({"q1": 5, "q2": 4}, "guru"),
        Response({"q1": 4, "q2": 2}, "guru"),
        Response({"q1": 3}, "guru"),
    ]
    s = survey_summary(_survey(), rs)
    assert s.by_role.rows[0].hidden and s.hidden == 3 and s.overall.n == 0
    assert all(x.likert.n == 0 for x in s.items if x.likert is not None)


def test_choice_item_with_too_few_answers_is_withheld():
    survey = SurveyDef("custom", "Pilih", (SurveyItem("c", "choice", "Metode?", ("A", "B")),))
    s = survey_summary(survey, [Response({"c": 0}, "guru"), Response({"c": 1}, "guru"), Response({}, "guru")])
    assert s.items[0].choice is None and s.items[0].withheld == 2 and s.any_withheld
    s3 = survey_summary(survey, [Response({"c": 0}, "guru")] * 3)
    assert s3.items[0].choice.counts == (3, 0) and not s3.any_withheld and s3.by_role is None


def test_survey_summary_no_responses():
    s = survey_summary(_survey(), [])
    assert s.n_respondents == 0 and s.overall.mean is None and s.by_role is None


# --- pre/post -------------------------------------------------------------------------------------


def test_score():
    items = (
        SurveyItem("q1", "mcq", "a?", ("x", "y"), correct=1),
        SurveyItem("q2", "mcq", "b?", ("x", "y", "z"), correct=0),
        SurveyItem("q3", "mcq", "c?", ("x", "y"), correct=0),
        SurveyItem("q4", "likert", "d"),
    )
    assert score({"q1": 1, "q2": 0, "q3": 1, "q4": 5}, items) == 2
    assert score({"q1": "y", "q2": "z"}, items) == 1
    assert score({}, items) == 0


def test_prepost_hand_computed():
    pre = {"ani": 4, "budi": 6, "citra": 5, "dewi": 3}  # dewi has no post-test
    post = {"ani": 8, "budi": 9, "citra": 7, "eko": 10}  # eko has no pre-test
    r = prepost(pre, post, 10)
    assert (r.n_pre, r.n_post, r.n_paired) == (4, 4, 3)
    assert r.mean_pre == 5.0 and r.mean_post == 8.0
    assert r.gain == 0.6  # (8 - 5) / (10 - 5)
    assert r.individual["ani"] == pytest.approx(4 / 6)
    assert r.individual["budi"] == 0.75
    assert "dewi" not in r.individual


def test_prepost_gain_na_when_pre_is_max():
    r = prepost({"a": 10, "b": 10}, {"a": 10, "b": 9}, 10)
    assert r.mean_pre == 10 and r.gain is None
    assert r.individual == {"a": None, "b": None}


def test_prepost_no_pairs_and_negative_gain():
    r = prepost({"a": 3}, {"b": 5}, 10)
    assert r.n_paired == 0 and r.mean_pre is None and r.mean_post is None and r.gain is None
    assert prepost({"a": 5}, {"a": 4}, 10).gain == -0.2


def test_prepost_validates():
    with pytest.raises(ValueError):
        prepost({"a": 11}, {"a": 5}, 10)
    with pytest.raises(ValueError):
        prepost({"a": 1}, {"a": 1}, 0)


# --- trend ----------------------------------------------------------------------------------------


def test_pulse_trend_sorted_with_gaps():
    weeks = [
        (date(2025, 8, 11), {"focus_learning": [4, 5], "collaboration": [3, 3]}),
        (date(2025, 8, 4), {"focus_learning": [2, 4, 4], "collaboration": []}),
    ]
    pts = pulse_trend(weeks)
    assert [p.week_start for p in pts] == [date(2025, 8, 4), date(2025, 8, 11)]
    assert pts[0].items["focus_learning"].agree_share == pytest.approx(2 / 3)
    assert pts[0].items["collaboration"].mean is None
    assert pts[0].overall.agree_share == pytest.approx(2 / 3)  # only the item with answers
    assert pts[1].overall.mean == pytest.approx((4.5 + 3) / 2)
    assert pts[1].overall.agree_share == 0.5
    series = trend_series(pts, ["focus_learning", "collaboration", "overall"])
    assert series["collaboration"] == [None, 0.0]
    assert series["focus_learning"][1] == 1.0
    assert pulse_trend([]) == []


# --- formatting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "loc", "expected"),
    [
        (0.765, "id", "76,5 %"),
        (0.765, "en", "76.5%"),
        (0.7425, "id", "74,3 %"),  # half up, not banker's rounding
        (1.0, "id", "100,0 %"),
        (0.0, "en", "0.0%"),
        (0.765, "id_ID", "76,5 %"),
        (0.765, "en-US", "76.5%"),
    ],
)
def test_fmt_percent(x, loc, expected):
    assert fmt_percent(x, loc) == expected


def test_fmt_number():
    assert fmt_number(3.75, "id") == "3,8"
    assert fmt_number(3.75, "en") == "3.8"
    assert fmt_number(3.8, "id", decimals=2) == "3,80"
    assert fmt_number(1234.5, "id") == "1.234,5"
    assert fmt_number(-0.01, "id") == "0,0"
    assert fmt_number(0.6, "id", 2) == "0,60"
    assert fmt_number(None, "id") == "–"
    assert fmt_percent(None, "en", na="n/a") == "n/a"


# --- built-in surveys -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["id", "en"])
def test_builtin_pulse(locale):
    s = builtin_survey("pulse", survey_texts(locale))
    assert s.kind == "pulse" and s.title
    likert = [i for i in s.items if i.kind == "likert"]
    assert [i.key for i in likert] == ["focus_learning", "collaboration", "results_orientation"]
    assert all(len(i.text) <= 120 and not i.optional for i in likert)
    rest = [i for i in s.items if i.kind != "likert"]
    assert len(rest) == 1 and rest[0].kind == "text" and rest[0].optional


@pytest.mark.parametrize("locale", ["id", "en"])
def test_builtin_satisfaction(locale):
    s = builtin_survey("satisfaction", survey_texts(locale))
    likert = [i for i in s.items if i.kind == "likert"]
    assert 4 <= len(likert) <= 6
    assert any(i.kind == "text" and i.optional for i in s.items)


def test_builtin_same_keys_in_both_locales_and_fallback():
    for kind in ("pulse", "satisfaction"):
        assert [i.key for i in builtin_survey(kind, survey_texts("id")).items] == [
            i.key for i in builtin_survey(kind, survey_texts("en")).items
        ]
    assert builtin_survey("pulse", survey_texts("fr")) == builtin_survey("pulse", survey_texts("id"))
    with pytest.raises(ValueError):
        builtin_survey("prepost", survey_texts("id"))


def test_likert_labels():
    assert likert_labels(survey_texts("id")).long[0] == "Sangat tidak setuju"
    assert likert_labels(survey_texts("id")).label(5) == "Sangat setuju"
    assert likert_labels(survey_texts("en")).long[-1] == "Strongly agree"
    assert likert_labels(survey_texts("en")).short == ("1", "2", "3", "4", "5")
