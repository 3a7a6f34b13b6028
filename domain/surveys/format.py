"""Survey figures formatted for people (Babel): "76,5 %" in Indonesian, "76.5%" in English."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

from domain.surveys.defs import DEFAULT_LOCALE, _normalize_locale

# --------------------------------------------------------------------------------------------------
# Formatting (Babel)
# --------------------------------------------------------------------------------------------------

NA = "–"


def _round_half_up(x: float | Decimal, decimals: int) -> Decimal:
    d = x if isinstance(x, Decimal) else Decimal(repr(float(x)))
    d = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(d) if d == 0 else d  # no "-0,0"


def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def fmt_number(x: float | None, locale: str = DEFAULT_LOCALE, decimals: int = 1, *, na: str = NA) -> str:
    """3.75 → "3,8" (id) / "3.8" (en). Rounds half up (as a teacher would); None → ``na``."""
    if x is None:
        return na
    d = _round_half_up(x, decimals)
    return format_decimal(d, format=_pattern(decimals), locale=_normalize_locale(locale))


def fmt_percent(x: float | None, locale: str = DEFAULT_LOCALE, decimals: int = 1, *, na: str = NA) -> str:
    """Share 0..1 → percent with ``decimals`` decimals.

    0.765 → "76,5 %" (id: with a space, as the bot writes it everywhere, see ``bot.render.fmt_percent``)
    / "76.5%" (en). Rounds half up on the decimal value (0.7425 → "74,3 %"); None → ``na``.
    """
    if x is None:
        return na
    lang = _normalize_locale(locale)
    d = _round_half_up(Decimal(repr(float(x))).scaleb(2), decimals)
    n = format_decimal(d, format=_pattern(decimals), locale=lang)
    return f"{n} %" if lang == "id" else f"{n}%"
