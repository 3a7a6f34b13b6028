"""Plain-text format a PIC writes in one Telegram message to create a survey or a pre/post test.

Format
------
One line per entry, ``PREFIX: text``. Prefixes are case-insensitive; blank lines and lines starting
with ``#`` are ignored. Line numbers in errors count every line of the message, starting at 1.

Survey (``kind="custom"``)::

    Judul: Refleksi lokakarya asesmen
    L: Saya memahami tujuan asesmen formatif
    L: Saya siap menerapkannya minggu depan
    P: Metode mana yang paling membantu? | Diskusi kelompok | Contoh video | Praktik langsung
    T: Apa yang masih membingungkan?

==========================  =====================================================================
prefix                      meaning
==========================  =====================================================================
``Judul:`` / ``Title:``     title of the survey (required, exactly once, at most 120 characters)
``L:`` / ``Likert:``        a statement answered on the 1–5 scale (sangat tidak setuju … sangat
                            setuju)
``P:`` / ``Pilihan:`` /     a single-choice question: the question, then 2–10 options, all
``C:`` / ``Choice:``        separated by ``|``; each option at most 60 characters, no duplicates
``T:`` / ``Teks:`` /        a short open question (answered in free text; optional for respondents)
``Text:``
==========================  =====================================================================

Pre/post test (``kind="prepost"``): a title and questions only::

    Judul: Tes awal asesmen formatif
    Q: Asesmen formatif terutama dipakai untuk ... | memberi nilai rapor | *memantau kemajuan belajar | seleksi

``Q:`` / ``Soal:`` is a multiple-choice question with 2–10 options separated by ``|``; put ``*`` in front
of the one correct option (exactly one). Use the same test before and after the programme.

Limits: each question or statement at most 250 characters; 1–20 items. Items get the keys ``q1``,
``q2``, … in order.

Errors
------
:func:`parse_survey_text` checks the whole message and raises :class:`SurveyTextError` with every
problem found, each a :class:`LineError` ``(line_no, code, detail)``. ``line_no`` 0 means the message
as a whole. Codes (the bot turns them into sentences):

``unknown_prefix``     the line has no known ``PREFIX:`` (detail: what was found)
``wrong_kind``         a ``Q:`` line in a survey, or an ``L:``/``P:``/``T:`` line in a pre/post test
``empty_text``         nothing after the prefix (or an empty question before the first ``|``)
``too_long``           the text is longer than 250 characters (title: 120) (detail: the limit)
``unexpected_options`` ``|`` options on an ``L:`` or ``T:`` line
``no_options``         a choice/test question without options
``too_few_options``    only one option
``too_many_options``   more than 10 options
``empty_option``       an empty option between two ``|``
``option_too_long``    an option longer than 60 characters (detail: the option)
``duplicate_option``   the same option twice (detail: the option)
``no_answer_key``      a test question without an option marked ``*``
``two_answer_keys``    more than one option marked ``*``
``duplicate_title``    a second ``Judul:`` line
``missing_title``      no ``Judul:`` line (line 0)
``no_items``           no questions at all (line 0)
``too_many_items``     more than 20 items (reported on the 21st)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from domain.surveys.core import SurveyDef, SurveyItem

MAX_ITEMS = 20
MAX_TEXT = 250
MAX_TITLE = 120
MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_OPTION = 60

_PREFIXES: dict[str, str] = {
    "judul": "title",
    "title": "title",
    "l": "likert",
    "likert": "likert",
    "p": "choice",
    "pilihan": "choice",
    "c": "choice",
    "choice": "choice",
    "t": "text",
    "teks": "text",
    "text": "text",
    "q": "mcq",
    "soal": "mcq",
}
_ALLOWED = {"custom": {"likert", "choice", "text"}, "prepost": {"mcq"}}
_LINE = re.compile(r"^([^\W\d_]+)\s*:(.*)$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class LineError:
    line_no: int  # 1-based; 0 = the message as a whole
    code: str
    detail: str = ""


class SurveyTextError(ValueError):
    def __init__(self, errors: list[LineError]):
        self.errors = errors
        super().__init__("; ".join(f"line {e.line_no}: {e.code}" for e in errors))


def _options(
    parts: list[str], line_no: int, errors: list[LineError], *, answer_key: bool
) -> tuple[tuple[str, ...], int | None]:
    if not parts:
        errors.append(LineError(line_no, "no_options"))
        return (), None
    if len(parts) < MIN_OPTIONS:
        errors.append(LineError(line_no, "too_few_options", str(len(parts))))
    if len(parts) > MAX_OPTIONS:
        errors.append(LineError(line_no, "too_many_options", str(len(parts))))
    options: list[str] = []
    marked: list[int] = []
    for i, raw in enumerate(parts):
        opt = raw.strip()
        if answer_key and opt.startswith("*"):
            marked.append(i)
            opt = opt[1:].strip()
        if not opt:
            errors.append(LineError(line_no, "empty_option", str(i + 1)))
        elif len(opt) > MAX_OPTION:
            errors.append(LineError(line_no, "option_too_long", opt[:MAX_OPTION] + "…"))
        elif opt.casefold() in (o.casefold() for o in options):
            errors.append(LineError(line_no, "duplicate_option", opt))
        options.append(opt)
    correct = None
    if answer_key:
        if not marked:
            errors.append(LineError(line_no, "no_answer_key"))
        elif len(marked) > 1:
            errors.append(LineError(line_no, "two_answer_keys", str(len(marked))))
        else:
            correct = marked[0]
    return tuple(options), correct


def parse_survey_text(text: str, *, kind: Literal["custom", "prepost"] = "custom") -> SurveyDef:
    """Parse the format described in the module docstring; raise :class:`SurveyTextError` on problems."""
    if kind not in _ALLOWED:
        raise ValueError(f"kind must be 'custom' or 'prepost', got {kind!r}")
    errors: list[LineError] = []
    title: str | None = None
    items: list[SurveyItem] = []
    n_items = 0
    for line_no, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _LINE.match(line)
        what = _PREFIXES.get(m.group(1).casefold()) if m else None
        if m is None or what is None:
            found = m.group(1) if m else line.split(maxsplit=1)[0]
            errors.append(LineError(line_no, "unknown_prefix", found[:20]))
            continue
        body = m.group(2).strip()

        if what == "title":
            if title is not None:
                errors.append(LineError(line_no, "duplicate_title"))
            elif not body:
                errors.append(LineError(line_no, "empty_text"))
                title = ""
            elif len(body) > MAX_TITLE:
                errors.append(LineError(line_no, "too_long", str(MAX_TITLE)))
                title = body
            else:
                title = body
            continue

        if what not in _ALLOWED[kind]:
            errors.append(LineError(line_no, "wrong_kind", m.group(1)))
            continue
        n_items += 1
        if n_items == MAX_ITEMS + 1:
            errors.append(LineError(line_no, "too_many_items", str(MAX_ITEMS)))
        if n_items > MAX_ITEMS:
            continue

        question, *parts = body.split("|")
        question = question.strip()
        if not question:
            errors.append(LineError(line_no, "empty_text"))
        elif len(question) > MAX_TEXT:
            errors.append(LineError(line_no, "too_long", str(MAX_TEXT)))
        options: tuple[str, ...] = ()
        correct: int | None = None
        if what in ("likert", "text"):
            if parts:
                errors.append(LineError(line_no, "unexpected_options"))
        else:
            options, correct = _options(parts, line_no, errors, answer_key=what == "mcq")
        if not errors:
            items.append(
                SurveyItem(
                    key=f"q{n_items}",
                    kind=what,  # type: ignore[arg-type]
                    text=question,
                    options=options,
                    correct=correct,
                    optional=what == "text",
                )
            )
    if title is None:
        errors.append(LineError(0, "missing_title"))
    if n_items == 0:
        errors.append(LineError(0, "no_items"))
    if errors:
        errors.sort(key=lambda e: e.line_no == 0)  # line errors first, in order; whole-message last
        raise SurveyTextError(errors)
    return SurveyDef(kind=kind, title=title or "", items=tuple(items))
