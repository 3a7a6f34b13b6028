"""Stage synthesis: what the community said, posted when a stage closes.

Pure and deterministic: the same answers give the same synthesis, whatever their input order.

- participation: members who gave at least one non-empty answer, out of ``members_total``;
- per-question counts: members who answered each question;
- themes: the most frequent content words and two-word phrases, counted once per answer
  (so one talkative member cannot dominate), after removing Indonesian and English stopwords
  and words shorter than 4 letters;
- quotes: short excerpts, only from answers whose author allowed quoting, at most one per member,
  spread over the questions first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIN_WORD_LEN = 4
MIN_QUOTE_WORDS = 4

# Compact stopword lists: function words, pronouns, fillers and chat words.
STOPWORDS_ID = frozenset(
    """
    ada adalah agak agar akan akhirnya aku amat anda antara apa apabila apakah atas atau bagaimana bagi
    bahkan bahwa baik banyak baru beberapa begitu belum benar berapa bersama besar biasa bila bisa boleh
    buat bukan cara cukup dalam dan dapat dari demikian dengan di dia dua hal hampir hanya harus hingga
    ini itu jadi jika juga kalau kami kamu kan karena kata ke kemudian kenapa kepada ketika kita kurang
    lagi lain lalu lebih maka mana masih mau melalui memang mereka merupakan meski misalnya mulai mungkin
    namun nanti oleh pada para pernah perlu pula punya saat saja salah sama sambil sampai sangat satu
    saya sebab sebagai sebelum sedang sedikit segera sehingga sejak sekali sekarang selalu semua sendiri
    seperti serta sesuai setelah setiap sudah supaya tanpa tapi tentang terhadap terlalu tersebut tetapi
    tidak tiga untuk waktu yaitu yakni yang ya ok oke iya tdk yg dgn utk krn sdh blm jg aja gak nggak
    engga enggak kok sih deh dong nya pak bu bapak ibu bpk terima kasih mohon izin tolong hari
    kelihatannya menurut rasanya sekitar cuma membuat dibuat menjadi terus
    """.split()
)
STOPWORDS_EN = frozenset(
    """
    about after again all also although among an and any are around as at be because been before being
    both but by can could did do does doing done during each either even every few for from further get
    got had has have having he her here hers him his how however if in into is it its itself just like
    made make many may maybe me might more most much must my no nor not now of off often on once only or
    other our ours out over own per quite rather really same she should since so some still such than
    that the their theirs them then there these they this those though through thus to too under until
    up upon very was we well were what when where whether which while who whom whose why will with
    within without would yes yet you your yours okay thanks thank please
    """.split()
)
STOPWORDS = STOPWORDS_ID | STOPWORDS_EN

_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# A word after one of these is someone's name ("Bu Sari", "Pak Joko"), never a theme.
HONORIFICS = frozenset("bu ibu pak bapak bpk mas mbak kak bang dik adik mr mrs ms miss".split())


@dataclass(frozen=True, slots=True)
class AnswerIn:
    member_id: int | str
    question_key: str
    text: str
    allow_quote: bool = False


@dataclass(frozen=True, slots=True)
class Synthesis:
    answered_members: int
    members_total: int
    per_question_counts: dict[str, int]
    themes: list[tuple[str, int]]
    quotes: list[tuple[str, str]]

    @property
    def participation_rate(self) -> float | None:
        return self.answered_members / self.members_total if self.members_total else None


def tokens(text: str) -> list[str]:
    """Lower-cased words (letters, with inner hyphens: "anak-anak"), in order."""
    return _WORD_RE.findall(text.lower())


def is_content(word: str) -> bool:
    return len(word) >= MIN_WORD_LEN and word not in STOPWORDS


def _answer_terms(text: str, names: frozenset[str] = frozenset()) -> set[str]:
    """Content words and adjacent content-word bigrams of one answer; a word of ``names`` (people's
    names) is neither, nor part of a phrase."""
    toks = tokens(text)
    ok = [is_content(t) and t not in names for t in toks]
    terms = {t for t, good in zip(toks, ok, strict=True) if good}
    terms |= {f"{a} {b}" for (a, b), good_a, good_b in zip(_pairs(toks), ok, ok[1:], strict=False)
              if good_a and good_b}
    return terms


def _pairs(toks: list[str]) -> Iterable[tuple[str, str]]:
    return zip(toks, toks[1:], strict=False)


def name_words(names: Iterable[str]) -> frozenset[str]:
    """The lower-cased words of people's names ("Ani Rahma" -> ani, rahma)."""
    return frozenset(w for n in names for w in tokens(n or ""))


def excerpt(text: str, limit: int = 120) -> str:
    """Whitespace-collapsed text, cut at a word boundary with "…" to at most ``limit`` characters."""
    s = " ".join(text.split())
    if len(s) <= limit:
        return s
    if limit <= 1:
        return "…"[:limit]
    cut = s[: limit - 1]
    if s[limit - 1] != " " and " " in cut:
        cut = cut[: cut.rfind(" ")]
    cut = cut.rstrip(" ,.;:-–—")
    return (cut or s[: limit - 1]) + "…"


def _themes(texts: Sequence[str], max_themes: int, names: frozenset[str] = frozenset()) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    named = names | {b for t in texts for a, b in _pairs(tokens(t)) if a in HONORIFICS}  # "Bu Sari": Sari
    for t in texts:
        counts.update(_answer_terms(t, named))
    bigrams = {k: c for k, c in counts.items() if " " in k and c >= 2}
    unigrams = {k: c for k, c in counts.items() if " " not in k}
    # A word that only ever appears inside a chosen phrase adds nothing: keep the phrase.
    for bg, c in bigrams.items():
        for w in bg.split():
            if unigrams.get(w, 0) <= c:
                unigrams.pop(w, None)
    ranked = sorted({**unigrams, **bigrams}.items(), key=lambda kv: (-kv[1], -kv[0].count(" "), kv[0]))
    return ranked[:max_themes]


def synthesize(
    answers: Sequence[AnswerIn],
    members_total: int,
    *,
    locale: str = "id",
    max_quotes: int = 3,
    quote_len: int = 120,
    max_themes: int = 8,
    question_keys: Sequence[str] | None = None,
    names: Iterable[str] = (),
) -> Synthesis:
    """Summarise the answers of one stage.

    ``question_keys`` (the stage's questions, in order) gives ``per_question_counts`` a stable
    order including zero counts, and orders the quotes; otherwise keys are sorted. Stopwords of
    both languages are removed whatever the ``locale`` (answers mix languages). ``names``: people's
    names (the community's members): no word of them, nor a word after "Bu"/"Pak"…, is ever a theme.
    """
    given = [a for a in answers if isinstance(a.text, str) and a.text.strip()]
    given.sort(key=lambda a: (str(a.member_id), a.question_key, a.text))
    members_by_key: dict[str, set[str]] = {}
    for a in given:
        members_by_key.setdefault(a.question_key, set()).add(str(a.member_id))
    keys = list(question_keys) if question_keys is not None else []
    keys += sorted(k for k in members_by_key if k not in keys)
    per_question = {k: len(members_by_key.get(k, ())) for k in keys}
    answered = len({str(a.member_id) for a in given})

    themes = _themes([a.text for a in given], max_themes, name_words(names))
    theme_words = {w for term, _ in themes for w in term.split()}

    # Quote candidates: consented, substantive answers; best first within each question.
    order = {k: i for i, k in enumerate(keys)}
    by_key: dict[str, list[AnswerIn]] = {}
    for a in given:
        if a.allow_quote and len(tokens(a.text)) >= MIN_QUOTE_WORDS:
            by_key.setdefault(a.question_key, []).append(a)
    for cands in by_key.values():
        cands.sort(
            key=lambda a: (
                -len(theme_words & set(tokens(a.text))),
                -len(tokens(a.text)),
                str(a.member_id),
                a.text,
            )
        )
    quotes: list[tuple[str, str]] = []
    quoted: set[str] = set()
    # Round-robin over the questions, so quotes cover several questions before repeating one.
    queues = [by_key[k] for k in sorted(by_key, key=lambda k: (order.get(k, len(order)), k))]
    while len(quotes) < max_quotes and any(queues):
        for q in queues:
            while q and str(q[0].member_id) in quoted:
                q.pop(0)
            if q and len(quotes) < max_quotes:
                a = q.pop(0)
                quoted.add(str(a.member_id))
                quotes.append((a.question_key, excerpt(a.text, quote_len)))
    return Synthesis(
        answered_members=answered,
        members_total=members_total,
        per_question_counts=per_question,
        themes=themes,
        quotes=quotes,
    )
