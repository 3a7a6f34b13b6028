from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render import cycle_texts
from domain.cycle.core import (
    MAX_QUESTION_LEN,
    STAGES,
    CycleError,
    Override,
    Stage,
    apply_overrides,
    build_summary,
    default_plan,
    journal_prompt,
    parse_target,
    question_bank,
    stage_info,
    target_met,
)


def test_stage_order_and_next():
    assert [s.value for s in STAGES] == ["reflection", "planning", "implementation", "evaluation"]
    assert Stage.REFLECTION.next() is Stage.PLANNING
    assert Stage.PLANNING.next() is Stage.IMPLEMENTATION
    assert Stage.IMPLEMENTATION.next() is Stage.EVALUATION
    assert Stage.EVALUATION.next() is None
    assert Stage.parse("Planning") is Stage.PLANNING
    with pytest.raises(CycleError) as e:
        Stage.parse("nope")
    assert e.value.code == "unknown_stage"


def _keys(bank):
    return {s: [q.key for q in qs] for s, qs in bank.items()}


def test_bank_loads_in_both_locales_with_same_keys():
    idb, enb = question_bank(cycle_texts("id")), question_bank(cycle_texts("en"))
    assert _keys(idb) == _keys(enb)
    assert set(idb) == set(STAGES)
    keys = [k for ks in _keys(idb).values() for k in ks]
    assert len(keys) == len(set(keys))
    for loc in ("id", "en"):
        for stage, qs in question_bank(cycle_texts(loc)).items():
            assert qs
            for q in qs:
                assert q.stage is stage
                assert 0 < len(q.text) <= MAX_QUESTION_LEN
    for key in (
        "refl.data",
        "refl.target",
        "plan.learn",
        "plan.know",
        "plan.notyet",
        "plan.extend",
        "impl.observed",
        "eval.result",
        "eval.learned",
    ):
        assert key in keys
    assert "seharusnya" in journal_prompt(cycle_texts("id"))
    assert "should have happened" in journal_prompt(cycle_texts("en"))
    assert stage_info(cycle_texts("id"))[Stage.REFLECTION].title == "Refleksi Awal"
    assert question_bank(cycle_texts("id_ID")) == idb and question_bank(cycle_texts("xx")) == idb  # fallback to Indonesian


def test_star_labels_in_both_locales():
    for loc in ("id", "en"):
        star = cycle_texts(loc)["star"]
        for reading in ("star", "stta"):
            for slot in ("situation", "task", "action", "result"):
                assert star[reading][slot]
                assert len(star[reading][f"{slot}_prompt"]) <= MAX_QUESTION_LEN
    assert cycle_texts("id")["star"]["stta"]["task"] == "Tantangan"


def test_bank_is_a_fresh_copy():
    b = question_bank(cycle_texts("id"))
    b[Stage.REFLECTION].clear()
    assert question_bank(cycle_texts("id"))[Stage.REFLECTION]


def test_overrides_add_drop_reword():
    bank = question_bank(cycle_texts("id"))
    out = apply_overrides(
        bank,
        [
            Override("add", "reflection", "refl.local1", "Bagaimana kehadiran murid bulan ini?"),
            Override("drop", Stage.PLANNING, "plan.extend"),
            Override("reword", "evaluation", "eval.worked", "  Apa yang paling berhasil?  "),
        ],
    )
    assert out[Stage.REFLECTION][-1].key == "refl.local1"
    assert out[Stage.REFLECTION][-1].stage is Stage.REFLECTION
    assert "plan.extend" not in [q.key for q in out[Stage.PLANNING]]
    reworded = next(q for q in out[Stage.EVALUATION] if q.key == "eval.worked")
    assert reworded.text == "Apa yang paling berhasil?"
    # position kept on reword, input untouched
    assert [q.key for q in out[Stage.EVALUATION]] == [q.key for q in bank[Stage.EVALUATION]]
    assert "plan.extend" in [q.key for q in bank[Stage.PLANNING]]


@pytest.mark.parametrize(
    ("ov", "code"),
    [
        (Override("add", "reflection", "refl.data", "x"), "duplicate_key"),
        (Override("add", "planning", "refl.data", "x"), "duplicate_key"),
        (Override("add", "reflection", "Bad Key!", "x"), "bad_key"),
        (Override("add", "reflection", "refl.new", "   "), "empty_text"),
        (Override("add", "reflection", "refl.new", "x" * 201), "too_long"),
        (Override("drop", "reflection", "plan.learn"), "unknown_key"),
        (Override("reword", "reflection", "refl.nope", "x"), "unknown_key"),
        (Override("move", "reflection", "refl.data"), "bad_action"),
        (Override("drop", "later", "refl.data"), "unknown_stage"),
    ],
)
def test_override_errors(ov, code):
    with pytest.raises(CycleError) as e:
        apply_overrides(question_bank(cycle_texts("en")), [ov])
    assert e.value.code == code


@pytest.mark.parametrize(
    ("text", "topic", "baseline", "goal", "unit"),
    [
        ("literasi kelas 4: 40 % → 70 % tuntas", "literasi kelas 4", 40, 70, "% tuntas"),
        ("numerasi kelas 5: 35% -> 60% tuntas", "numerasi kelas 5", 35, 60, "% tuntas"),
        ("literasi 40 ke 70", "literasi", 40, 70, None),
        ("menulis kelas 3: 50->75", "menulis kelas 3", 50, 75, None),
        ("membaca pemahaman: 40,5% → 72,5%", "membaca pemahaman", 40.5, 72.5, "%"),
        ("numerasi dari 60 ke 75 poin", "numerasi", 60, 75, "poin"),
        ("grade 4 literacy: 40% to 70% mastery", "grade 4 literacy", 40, 70, "% mastery"),
        ("literasi kelas 4", "literasi kelas 4", None, None, None),
        ("literasi kelas 4: 70%", "literasi kelas 4", None, 70, "%"),
    ],
)
def test_parse_target_good(text, topic, baseline, goal, unit):
    t = parse_target(text)
    assert (t.topic, t.baseline, t.goal, t.unit) == (topic, baseline, goal, unit)
    assert t.raw == text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty_topic"),
        ("   ", "empty_topic"),
        ("40 → 70", "empty_topic"),
        (": 40 -> 70", "empty_topic"),
        ("literasi: 70% → 40%", "bad_target"),
        ("literasi: 50 -> 50", "bad_target"),
        ("literasi: 40% → 120%", "bad_target"),
    ],
)
def test_parse_target_bad(text, code):
    with pytest.raises(CycleError) as e:
        parse_target(text)
    assert e.value.code == code


def test_target_met():
    t = parse_target("literasi kelas 4: 40% → 70% tuntas")
    assert target_met(t, 72) is True
    assert target_met(t, 70) is True
    assert target_met(t, 65.5) is False
    assert target_met(t, None) is None
    assert target_met(parse_target("literasi"), 90) is None
    assert target_met(None, 90) is None


def test_default_plan_thursday_meeting():
    start = date(2026, 1, 5)  # Monday
    plan = default_plan(start, meeting_weekdays=(3,))
    assert [p.stage for p in plan] == list(STAGES)
    assert plan[0].opens == start
    for p in plan:
        assert p.closes.weekday() == 3
        assert p.opens <= p.closes
    for a, b in zip(plan, plan[1:], strict=False):
        assert b.opens == a.closes + timedelta(days=1)  # Friday after the Thursday meeting
    assert [p.closes for p in plan] == [
        date(2026, 1, 15),
        date(2026, 1, 29),
        date(2026, 2, 12),
        date(2026, 2, 26),
    ]


def test_default_plan_start_on_meeting_day_gets_full_stage():
    plan = default_plan(date(2026, 1, 8), meeting_weekdays=(3,))  # Thursday
    assert plan[0].closes == date(2026, 1, 22)


def test_default_plan_skips_holidays():
    holidays = {date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 19)}

    def school(d):
        return d.weekday() < 5 and d not in holidays

    plan = default_plan(date(2026, 1, 5), meeting_weekdays=(3,), is_school_day=school)
    # The Thursday meeting of 15 Jan is a holiday → stage closes at next week's meeting
    assert plan[0].closes == date(2026, 1, 22)
    assert plan[1].opens == date(2026, 1, 23)
    for p in plan:
        assert school(p.opens) and school(p.closes)


def test_default_plan_without_meetings_and_weekend_start():
    plan = default_plan(date(2026, 1, 3), weeks_per_stage=1)  # Saturday
    assert plan[0].opens == date(2026, 1, 5)
    assert plan[0].closes == date(2026, 1, 9)  # Friday
    assert plan[1].opens == date(2026, 1, 12)
    with pytest.raises(CycleError) as e:
        default_plan(date(2026, 1, 5), weeks_per_stage=0)
    assert e.value.code == "bad_plan"
    with pytest.raises(CycleError) as e:
        default_plan(date(2026, 1, 5), meeting_weekdays=(7,))
    assert e.value.code == "bad_plan"
    with pytest.raises(CycleError) as e:
        default_plan(date(2026, 1, 5), is_school_day=lambda d: False)
    assert e.value.code == "no_school_days"
    with pytest.raises(CycleError) as e:
        default_plan(date(2026, 1, 5), meeting_weekdays=(5,))  # Saturday meeting, Mon–Fri school
    assert e.value.code == "no_meeting_school_day"
    six_day = default_plan(date(2026, 1, 5), meeting_weekdays=(5,), is_school_day=lambda d: d.weekday() < 6)
    assert all(p.closes.weekday() == 5 for p in six_day)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    meetings=st.one_of(st.none(), st.sets(st.integers(0, 4), min_size=1).map(tuple)),
    weeks=st.integers(1, 4),
)
def test_default_plan_properties(start, meetings, weeks):
    plan = default_plan(start, meeting_weekdays=meetings, weeks_per_stage=weeks)
    for p in plan:
        assert p.opens <= p.closes
        assert p.opens.weekday() < 5 and p.closes.weekday() < 5
        if meetings:
            assert p.closes.weekday() in meetings
    for a, b in zip(plan, plan[1:], strict=False):
        assert b.opens > a.closes


def test_build_summary():
    t = parse_target("numerasi kelas 5: 35% -> 60% tuntas")
    s = build_summary(
        t,
        after=64,
        participation={"reflection": (8, 10), Stage.EVALUATION: (6, 10)},
        rtl_statuses=["done", "done", "open", "not_done"],
        good_practices=2,
    )
    assert s.topic == "numerasi kelas 5"
    assert (s.before, s.after, s.met) == (35, 64, True)
    assert list(s.participation) == [Stage.REFLECTION, Stage.EVALUATION]
    assert s.participation[Stage.REFLECTION].rate == 0.8
    assert (s.rtl_done, s.rtl_not_done, s.rtl_open, s.rtl_total) == (2, 1, 1, 4)
    assert s.good_practices == 2
    with pytest.raises(CycleError) as e:
        build_summary(t, rtl_statuses=["maybe"])
    assert e.value.code == "bad_status"
    assert build_summary(None).met is None


@given(st.text(max_size=80))
def test_parse_target_fuzz_raises_only_domain_errors(text):
    try:
        t = parse_target(text)
    except CycleError as e:
        assert e.code in {"empty_topic", "bad_target"}
    else:
        assert t.topic
        if t.baseline is not None and t.goal is not None:
            assert t.goal > t.baseline


@given(st.from_regex(r"[a-z ]{1,20}: ?\d{1,3}([.,]\d)? ?%? ?(->|→|ke) ?\d{1,3} ?%?", fullmatch=True))
def test_parse_target_fuzz_structured(text):
    try:
        t = parse_target(text)
    except CycleError as e:
        assert e.code in {"empty_topic", "bad_target"}
    else:
        assert t.goal is not None and t.baseline is not None


@pytest.mark.parametrize("text,n,expected", [
    ("2. Kelas 4A belum lancar", 5, (1, "Kelas 4A belum lancar")),
    (" 1) satu", 3, (0, "satu")),
    ("3: tiga\nbaris dua", 3, (2, "tiga\nbaris dua")),
    ("4 - empat", 5, (3, "empat")),
    ("6. out of range", 5, (None, "6. out of range")),
    ("0. zero", 5, (None, "0. zero")),
    ("40% murid tuntas", 5, (None, "40% murid tuntas")),
    ("Tanpa nomor", 5, (None, "Tanpa nomor")),
    (None, 5, (None, "")),
])
def test_split_numbered_reply_to_a_stage_card(text, n, expected):
    from domain.cycle.ops import split_numbered

    assert split_numbered(text, n) == expected
