from hypothesis import given
from hypothesis import strategies as st

from domain.cycle.synthesis import STOPWORDS, AnswerIn, excerpt, synthesize

ANSWERS = [
    AnswerIn(
        1, "refl.causes", "Menurut saya murid kurang latihan membaca pemahaman di rumah dan di kelas.", True
    ),
    AnswerIn(
        1, "refl.priority", "Membaca pemahaman untuk kelas 4, karena nilai asesmen paling rendah.", True
    ),
    AnswerIn(
        2,
        "refl.causes",
        "Murid belum terbiasa membaca pemahaman, buku bacaan yang sesuai juga terbatas.",
        False,
    ),
    AnswerIn(
        3,
        "refl.causes",
        "Yang saya lihat, waktu membaca di kelas sangat sedikit dan buku bacaan terbatas.",
        True,
    ),
    AnswerIn(3, "refl.data", "   ", True),
    AnswerIn(
        4, "refl.data", "Asesmen literasi: 40% murid kelas 4 tuntas, sisanya masih di bawah KKTP.", True
    ),
]


def test_counts_and_participation():
    s = synthesize(
        ANSWERS, 10, locale="id", question_keys=["refl.data", "refl.behind", "refl.causes", "refl.priority"]
    )
    assert s.answered_members == 4
    assert s.members_total == 10
    assert s.participation_rate == 0.4
    assert s.per_question_counts == {"refl.data": 1, "refl.behind": 0, "refl.causes": 3, "refl.priority": 1}
    assert list(s.per_question_counts) == ["refl.data", "refl.behind", "refl.causes", "refl.priority"]


def test_themes_remove_stopwords_and_short_words():
    s = synthesize(ANSWERS, 10, locale="id")
    words = [w for w, _ in s.themes]
    assert words
    for term in words:
        for w in term.split():
            assert w not in STOPWORDS and len(w) >= 4
    assert "yang" not in words and "saya" not in words and "di" not in words
    assert ("membaca pemahaman", 3) in s.themes  # bigram counted once per answer
    assert "pemahaman" not in words  # only appears inside the phrase
    counts = [c for _, c in s.themes]
    assert counts == sorted(counts, reverse=True)


def test_english_stopwords():
    s = synthesize(
        [AnswerIn(1, "k", "The students were reading with their partners and the teacher", True)],
        1,
        locale="en",
    )
    words = {w for w, _ in s.themes}
    assert "the" not in words and "were" not in words and "their" not in words
    assert "students" in words


def test_quotes_only_consenting_one_per_member_and_short():
    s = synthesize(ANSWERS, 10, locale="id", max_quotes=5, quote_len=40)
    assert s.quotes
    authors = []
    for key, quote in s.quotes:
        assert len(quote) <= 40
        src = next(
            a
            for a in ANSWERS
            if a.question_key == key and " ".join(a.text.split()).startswith(quote.rstrip("…"))
        )
        assert src.allow_quote and src.member_id != 2
        authors.append(src.member_id)
    assert len(authors) == len(set(authors))
    assert len(s.quotes) == 3  # members 1, 3, 4 consent; member 2 does not


def test_quotes_respect_max_and_deterministic_order():
    a = synthesize(ANSWERS, 10, locale="id", max_quotes=2)
    b = synthesize(list(reversed(ANSWERS)), 10, locale="id", max_quotes=2)
    assert a == b
    assert len(a.quotes) == 2
    assert synthesize(ANSWERS, 10, locale="id", max_quotes=0).quotes == []


def test_excerpt():
    assert excerpt("pendek saja") == "pendek saja"
    long = "Murid-murid sangat antusias ketika diminta menjelaskan jawaban kepada temannya di depan kelas"
    e = excerpt(long, 40)
    assert len(e) <= 40 and e.endswith("…")
    assert long.startswith(e[:-1])
    assert e[:-1] == e[:-1].rstrip()
    assert long[len(e) - 1] == " "  # cut at a word boundary
    assert len(excerpt("x" * 500, 30)) == 30
    assert excerpt("a  b\n\nc") == "a b c"


def test_empty():
    s = synthesize([], 0, locale="id")
    assert (s.answered_members, s.per_question_counts, s.themes, s.quotes) == (0, {}, [], [])
    assert s.participation_rate is None


@given(
    st.lists(
        st.builds(
            AnswerIn,
            st.integers(1, 6),
            st.sampled_from(["a", "b", "c"]),
            st.text(max_size=200),
            st.booleans(),
        ),
        max_size=15,
    ),
    st.integers(0, 5),
    st.integers(2, 150),
)
def test_synthesis_fuzz(answers, max_quotes, quote_len):
    s = synthesize(answers, 6, locale="id", max_quotes=max_quotes, quote_len=quote_len)
    assert len(s.quotes) <= max_quotes
    assert all(len(q) <= quote_len for _, q in s.quotes)
    consenting = {(a.question_key) for a in answers if a.allow_quote}
    assert all(k in consenting for k, _ in s.quotes)
    assert s == synthesize(
        list(reversed(answers)), 6, locale="id", max_quotes=max_quotes, quote_len=quote_len
    )


def test_a_persons_name_is_never_a_theme():
    answers = [
        AnswerIn(1, "impl.observed", "Bu Sari memakai kartu kata, murid antusias membaca kartu kata.", True),
        AnswerIn(2, "impl.observed", "Kelas Bu Sari: kartu kata membuat murid antusias. Citra membantu.", True),
        AnswerIn(3, "impl.observed", "Saya belajar dari Citra dan Sari: kartu kata sangat membantu.", True),
    ]
    assert "citra" in [w for w, _ in synthesize(answers, 5).themes]  # without names: a "theme"
    s = synthesize(answers, 5, names=["Citra Dewi", "Ani Rahma"])
    words = {w for term, _ in s.themes for w in term.split()}
    assert "citra" not in words  # a member's name
    assert "sari" not in words  # the word after "Bu": someone's name even if not a member
    assert "kartu" in words and "antusias" in words
