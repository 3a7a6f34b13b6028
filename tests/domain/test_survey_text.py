import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.surveys.text import LineError, SurveyTextError, parse_survey_text

EXAMPLE = """Judul: Refleksi lokakarya asesmen
L: Saya memahami tujuan asesmen formatif
L: Saya siap menerapkannya minggu depan
P: Metode mana yang paling membantu? | Diskusi kelompok | Contoh video | Praktik langsung
T: Apa yang masih membingungkan?
"""


def errors_of(text: str, **kw) -> list[tuple[int, str]]:
    with pytest.raises(SurveyTextError) as exc:
        parse_survey_text(text, **kw)
    assert all(isinstance(e, LineError) for e in exc.value.errors)
    return [(e.line_no, e.code) for e in exc.value.errors]


def test_example_parses():
    s = parse_survey_text(EXAMPLE)
    assert s.kind == "custom"
    assert s.title == "Refleksi lokakarya asesmen"
    assert [(i.key, i.kind) for i in s.items] == [
        ("q1", "likert"),
        ("q2", "likert"),
        ("q3", "choice"),
        ("q4", "text"),
    ]
    assert s.items[2].text == "Metode mana yang paling membantu?"
    assert s.items[2].options == ("Diskusi kelompok", "Contoh video", "Praktik langsung")
    assert s.items[3].optional and not s.items[0].optional


def test_english_aliases_case_blank_lines_comments():
    text = "\r\n".join(
        [
            "title : Workshop reflection",
            "",
            "# a comment",
            "likert: I understand formative assessment",
            "choice: Best? | A | B",
            "c: Or? | X | Y",
            "TEXT: Anything else?",
            "Pilihan: Mana? | satu | dua",
            "teks: Catatan",
        ]
    )
    s = parse_survey_text(text)
    assert s.title == "Workshop reflection"
    assert [i.kind for i in s.items] == ["likert", "choice", "choice", "text", "choice", "text"]


def test_prepost():
    text = "Judul: Tes awal\nQ: Asesmen formatif untuk? | nilai rapor | * memantau kemajuan | seleksi\nSoal: 2+2? | *4 | 5"
    s = parse_survey_text(text, kind="prepost")
    assert s.kind == "prepost" and s.max_score == 2
    assert s.items[0].options == ("nilai rapor", "memantau kemajuan", "seleksi")
    assert s.items[0].correct == 1
    assert s.items[1].correct == 0


def test_unknown_prefix_points_to_line():
    assert errors_of("Judul: x\nL: ok\nX: what\nsekadar teks") == [
        (3, "unknown_prefix"),
        (4, "unknown_prefix"),
    ]


def test_unknown_prefix_detail():
    with pytest.raises(SurveyTextError) as exc:
        parse_survey_text("Judul: x\nZ: y")
    assert exc.value.errors == [LineError(2, "unknown_prefix", "Z"), LineError(0, "no_items", "")]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("P: Mana?", "no_options"),
        ("P: Mana? | satu", "too_few_options"),
        ("P: Mana? | " + " | ".join(str(i) for i in range(11)), "too_many_options"),
        ("P: Mana? | " + "x" * 61 + " | b", "option_too_long"),
        ("P: Mana? | a |  | b", "empty_option"),
        ("P: Mana? | a | A", "duplicate_option"),
        ("P:  | a | b", "empty_text"),
        ("L:", "empty_text"),
        ("T:   ", "empty_text"),
        ("L: " + "x" * 251, "too_long"),
        ("L: Setuju? | ya | tidak", "unexpected_options"),
        ("Q: 2+2? | 4 | 5", "wrong_kind"),
    ],
)
def test_bad_custom_lines(line, code):
    assert errors_of(f"Judul: Uji\nL: baik\n{line}") == [(3, code)]


def test_limits_are_inclusive():
    ok = "Judul: Uji\nL: " + "x" * 250 + "\nP: q | " + " | ".join(f"{i:02d}" + "y" * 58 for i in range(10))
    s = parse_survey_text(ok)
    assert len(s.items[1].options) == 10 and len(s.items[1].options[0]) == 60


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("Q: 2+2? | 4 | 5", "no_answer_key"),
        ("Q: 2+2? | *4 | *5", "two_answer_keys"),
        ("Q: 2+2? | *", "too_few_options"),
        ("L: Setuju", "wrong_kind"),
    ],
)
def test_bad_prepost_lines(line, code):
    assert (2, code) in errors_of(f"Judul: Tes\n{line}\nQ: ok? | *a | b", kind="prepost")


def test_missing_title_and_no_items():
    assert errors_of("L: a") == [(0, "missing_title")]
    assert errors_of("Judul: a") == [(0, "no_items")]
    assert errors_of("") == [(0, "missing_title"), (0, "no_items")]
    assert errors_of("Judul: \nL: a") == [(1, "empty_text")]
    assert errors_of("Judul: a\nTitle: b\nL: c") == [(2, "duplicate_title")]
    assert errors_of("Judul: " + "j" * 121 + "\nL: c") == [(1, "too_long")]


def test_too_many_items_reported_once_on_21st():
    text = "Judul: banyak\n" + "\n".join(f"L: pernyataan {i}" for i in range(22))
    assert errors_of(text) == [(22, "too_many_items")]
    assert len(parse_survey_text("Judul: t\n" + "\n".join(f"L: p{i}" for i in range(20))).items) == 20


def test_all_errors_collected_in_line_order():
    text = "L: a | b\nJudul: t\nP: q\nQ: x | *a | b\nhello"
    assert errors_of(text) == [
        (1, "unexpected_options"),
        (3, "no_options"),
        (4, "wrong_kind"),
        (5, "unknown_prefix"),
    ]


def test_bad_kind_is_programming_error():
    with pytest.raises(ValueError):
        parse_survey_text(EXAMPLE, kind="pulse")  # type: ignore[arg-type]


line_st = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda p, body, opts: f"{p}{body}" + "".join(f"|{o}" for o in opts),
        st.sampled_from(["L:", "P:", "T:", "Q:", "Judul:", "title:", "C :", "x:", ":", ""]),
        st.text(max_size=40),
        st.lists(st.text(alphabet="ab* |\n", max_size=8), max_size=12),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(line_st, max_size=25), st.sampled_from(["custom", "prepost"]))
def test_fuzz_only_survey_text_error(lines, kind):
    text = "\n".join(lines)
    try:
        s = parse_survey_text(text, kind=kind)
    except SurveyTextError as e:
        assert e.errors
        n_lines = len(text.split("\n"))
        assert all(0 <= err.line_no <= n_lines for err in e.errors)
    else:
        assert s.title and 1 <= len(s.items) <= 20
        assert all(len(i.text) <= 250 for i in s.items)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text(text):
    try:
        parse_survey_text(text)
    except SurveyTextError:
        pass
