from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cycle.rtl import RtlError, RtlSpec, due_reminder_at, is_overdue, parse_due, parse_rtl_line

TODAY = date(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/12", date(2026, 12, 15)),
        ("15-12-2026", date(2026, 12, 15)),
        ("15.12.26", date(2026, 12, 15)),
        ("2026-12-15", date(2026, 12, 15)),
        ("15 Des", date(2026, 12, 15)),
        ("15 Desember 2026", date(2026, 12, 15)),
        ("15 desember", date(2026, 12, 15)),
        ("Dec 15", date(2026, 12, 15)),
        ("December 15, 2026", date(2026, 12, 15)),
        ("15 Jan", date(2027, 1, 15)),  # yearless date long past → next year
        ("10/01", date(2027, 1, 10)),
        ("20/11", TODAY),
        ("besok", date(2026, 11, 21)),
        ("Tomorrow", date(2026, 11, 21)),
        ("lusa", date(2026, 11, 22)),
        ("hari ini", TODAY),
        ("minggu depan", date(2026, 11, 27)),
        ("next week", date(2026, 11, 27)),
        ("2 minggu", date(2026, 12, 4)),
        ("2 weeks", date(2026, 12, 4)),
        ("3 hari lagi", date(2026, 11, 23)),
        ("akhir bulan", date(2026, 11, 30)),
        ("end of month", date(2026, 11, 30)),
        ("bulan depan", date(2026, 12, 20)),
        ("kamis", date(2026, 11, 26)),
        ("jumat", date(2026, 11, 27)),  # strictly after today
        ("next friday", date(2026, 11, 27)),
    ],
)
def test_parse_due_good(text, expected):
    assert parse_due(text, today=TODAY, locale="id") == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31/02", "bad_date"),
        ("31/02/2027", "bad_date"),
        ("29/02", "bad_date"),  # 2026 and 2027 are not leap years
        ("32/12", "bad_date"),
        ("15/13", "bad_date"),
        ("kapan-kapan", "bad_date"),
        ("", "empty"),
        ("   ", "empty"),
        ("19/11", "past"),
        ("2026-10-01", "past"),
        ("1 Nov 2026", "past"),
        ("15/12/2027", "too_far"),
        ("60 minggu", "too_far"),
        ("2030-01-01", "too_far"),
        ("01/01/9999", "too_far"),
    ],
)
def test_parse_due_bad(text, code):
    with pytest.raises(RtlError) as e:
        parse_due(text, today=TODAY, locale="id")
    assert e.value.code == code


def test_end_of_month_on_last_day_is_today():
    assert parse_due("akhir bulan", today=date(2026, 11, 30)) == date(2026, 11, 30)
    assert parse_due("bulan depan", today=date(2027, 1, 31)) == date(2027, 2, 28)


def test_parse_rtl_line_full():
    spec = parse_rtl_line("Menerapkan exit ticket; Bu Sari; 15/12; 80% siswa mengisi", today=TODAY)
    assert spec == RtlSpec("Menerapkan exit ticket", "Bu Sari", date(2026, 12, 15), "80% siswa mengisi")


def test_parse_rtl_line_optional_parts():
    assert parse_rtl_line("Observasi kelas model; ; besok", today=TODAY) == RtlSpec(
        "Observasi kelas model", None, date(2026, 11, 21), None
    )
    assert parse_rtl_line("Observasi kelas model; minggu depan", today=TODAY).due == date(2026, 11, 27)
    assert parse_rtl_line("Refleksi;  Pak Budi ; 2 minggu;", today=TODAY).measure is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("; Bu Sari; 15/12", "missing_what"),
        ("Exit ticket", "missing_due"),
        ("Exit ticket; Bu Sari", "missing_due"),
        ("Exit ticket; Bu Sari; ; 80%", "missing_due"),
        ("Exit ticket; Bu Sari; 31/02", "bad_date"),
        ("Exit ticket; 31/02", "bad_date"),
        ("Exit ticket; Bu Sari; 01/11/2026", "past"),
        ("a; b; besok; d; e", "too_many_parts"),
        ("x" * 301 + "; besok", "too_long"),
    ],
)
def test_parse_rtl_line_errors(text, code):
    with pytest.raises(RtlError) as e:
        parse_rtl_line(text, today=TODAY)
    assert e.value.code == code


def test_due_reminder_at_and_overdue():
    due = date(2026, 12, 15)
    assert due_reminder_at(due, ZoneInfo("Asia/Jakarta")) == datetime(2026, 12, 14, 0, 0, tzinfo=UTC)
    assert due_reminder_at(due, "Asia/Makassar", days_before=0, hour=6) == datetime(
        2026, 12, 14, 22, tzinfo=UTC
    )
    assert due_reminder_at(due, "Asia/Jayapura").tzinfo == UTC
    assert is_overdue(due, date(2026, 12, 16))
    assert not is_overdue(due, due)
    assert not is_overdue(due, date(2026, 12, 1))


@given(st.text(max_size=40), st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_parse_due_fuzz_domain_errors_only(text, today):
    try:
        d = parse_due(text, today=today)
    except RtlError as e:
        assert e.code in {"empty", "bad_date", "past", "too_far"}
    else:
        assert today <= d and (d - today).days <= 366


@given(
    st.from_regex(
        r"\d{1,4}[-/. ]\d{1,2}([-/. ]\d{1,4})?|\d{1,3} (minggu|hari|weeks|bulan)|\d{1,2} [a-z]{3,9}( \d{4})?",
        fullmatch=True,
    ),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
)
def test_parse_due_fuzz_structured(text, today):
    try:
        parse_due(text, today=today)
    except RtlError as e:
        assert e.code in {"empty", "bad_date", "past", "too_far"}


@given(st.text(alphabet=st.sampled_from("ab ;/1259-besok"), max_size=40))
def test_parse_rtl_line_fuzz(text):
    try:
        spec = parse_rtl_line(text, today=TODAY)
    except RtlError as e:
        assert e.code in {
            "empty",
            "missing_what",
            "missing_due",
            "too_many_parts",
            "too_long",
            "bad_date",
            "past",
            "too_far",
        }
    else:
        assert spec.what and spec.due >= TODAY
