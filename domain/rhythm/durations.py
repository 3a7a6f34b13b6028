"""Durations as teachers type them, in Indonesian and English, and how we print them back.

Also home of :class:`ParseError`, the one exception every domain parser raises: it carries a
machine ``code`` (the bot renders the user-facing sentence from a template keyed by that code,
in Indonesian and English, with an example of the right form) and an optional ``detail`` (the
offending fragment, for logs and for quoting back to the user).

Accepted duration forms (case-insensitive, Indonesian decimal comma allowed)::

    90  90m  90 min  90 menit  90 mnt           -> minutes (a bare number is minutes)
    2h  2 jam  2j  2 hours  2 jam               -> hours
    1,5 jam  1.5 jam  1,5j  1.5h                -> decimal hours
    1h30  1h 30m  1j30  1 jam 30 menit  1 hour and 30 minutes
    1:30                                        -> h:mm

A bare decimal without a unit ("1.30") is rejected: it is ambiguous between 1,3 hours and a clock time.

Error codes raised here:

- ``bad_duration`` -- the text is not a duration in any accepted form.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["ParseError", "parse_duration", "format_duration"]


class ParseError(ValueError):
    """A user's input could not be understood. ``code`` selects the message template."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        super().__init__(code if detail is None else f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def __repr__(self) -> str:
        return f"ParseError(code={self.code!r}, detail={self.detail!r})"


# Digits are capped so a pasted phone number cannot become a billion-minute meeting or overflow.
_NUM = r"\d{1,5}(?:\.\d{1,3})?"
_INT = r"\d{1,3}"
_HOURS = r"(?:hours|hour|hrs|hr|h|jam|jm|j)"
_MINUTES = r"(?:minutes|minute|mins|min|menit|mnt|m)"
_AND = r"(?:\s*(?:dan|and|&|,)\s*|\s*)"

_HM_RE = re.compile(
    rf"^(?P<h>{_NUM})\s*{_HOURS}(?:{_AND}(?P<m>{_INT})\s*(?:{_MINUTES})?)?$", re.ASCII
)
_M_RE = re.compile(rf"^(?P<m>{_NUM})\s*{_MINUTES}$", re.ASCII)
_BARE_RE = re.compile(r"^(?P<m>\d{1,5})$", re.ASCII)
_CLOCK_RE = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})$", re.ASCII)
# "1,5" -> "1.5" only between digits, so "1 jam, 30 menit" keeps its comma as a separator.
_DECIMAL_COMMA_RE = re.compile(r"(?<=\d),(?=\d)")


def parse_duration(text: str) -> int:
    """Return the duration in whole minutes (rounded to the nearest minute).

    Does not check ranges (zero, too long): callers decide what range makes sense for them.
    Raises ``ParseError("bad_duration")``.
    """
    s = _DECIMAL_COMMA_RE.sub(".", (text or "").strip().lower())
    s = re.sub(r"\s+", " ", s)
    if m := _BARE_RE.match(s):
        return int(m["m"])
    if m := _CLOCK_RE.match(s):
        if int(m["m"]) >= 60:
            raise ParseError("bad_duration", text)
        return int(m["h"]) * 60 + int(m["m"])
    if m := _HM_RE.match(s):
        minutes = Decimal(m["h"]) * 60
        if m["m"] is not None:
            if int(m["m"]) >= 60 or "." in m["h"]:
                raise ParseError("bad_duration", text)
            minutes += int(m["m"])
        return int(minutes.to_integral_value())
    if m := _M_RE.match(s):
        return int(Decimal(m["m"]).to_integral_value())
    raise ParseError("bad_duration", text)


_UNITS = {
    # language: (compact hour, compact minute, long hour singular/plural, long minute singular/plural)
    "id": ("j", "m", ("jam", "jam"), ("menit", "menit")),
    "en": ("h", "m", ("hour", "hours"), ("minute", "minutes")),
}


def format_duration(minutes: int, locale: str = "id", *, compact: bool = True) -> str:
    """``90`` -> ``"1 j 30 m"`` (id) / ``"1 h 30 m"`` (en); ``compact=False`` -> ``"1 jam 30 menit"``.

    ``locale`` may be ``"id"``, ``"id_ID"``, ``"en"``, ``"en-US"``...; unknown languages fall back to id.
    """
    lang = (locale or "id").replace("-", "_").split("_")[0].lower()
    h_c, m_c, h_l, m_l = _UNITS.get(lang, _UNITS["id"])
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(int(minutes)), 60)
    parts = []
    if hours:
        parts.append(f"{hours} {h_c if compact else h_l[hours != 1]}")
    if mins or not hours:
        parts.append(f"{mins} {m_c if compact else m_l[mins != 1]}")
    return sign + " ".join(parts)
