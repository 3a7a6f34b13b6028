"""`domain.reports.figures`: the n that goes with a survey's agreement."""

from __future__ import annotations

from domain.reports.figures import survey_agreement, survey_respondents


def test_the_agreement_goes_with_the_respondents_it_is_computed_on():
    # 7 answered, 3 of them in roles under the floor (left out, said apart), 1 answered only the open question:
    # the agreement rests on 3
    pulse = {"respondents": 4, "hidden": 3, "n": 3, "agree_share": 5 / 9}
    assert (survey_respondents(pulse), survey_agreement(pulse)) == (3, 5 / 9)
    # a test (no statements): its published respondents
    assert survey_respondents({"respondents": 9, "hidden": 0}) == 9
    # every role under the floor: no agreement, the published respondents (0)
    assert survey_respondents({"respondents": 0, "hidden": 4, "n": 0, "agree_share": None}) == 0
    # a headline kept before `n` was part of it
    assert survey_respondents({"respondents": 5, "agree_share": 0.6}) == 5
    assert survey_respondents(None) is None and survey_respondents({}) is None
