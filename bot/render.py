"""The one place that turns a message key and data into user-visible text, in the person's language.

HTML messages are Jinja2 templates `messages/<locale>/<area>/<name>.j2` (autoescaped: user text is
always escaped). Short plain strings (button labels, role names, alerts) live in
`messages/<locale>/ui.toml`. Dates, times and numbers go through Babel in the given locale.

This module is the only reader of `messages/`: the domain is handed what it needs of the texts
(`cycle_texts`: stage names, the question bank, the journal prompt, STAR labels; `survey_texts`: Likert
labels and the built-in surveys) and reads no files itself.

Echoed input is clipped here, for every template at once: each plain string a template prints — a
person's note, a word the bot could not read, a title — is cut to ECHO_MAX UTF-16 code units (what
Telegram counts) with '…', and each value filled into a ui string to UI_ECHO_MAX. So a 5,000-character
argument never makes a message Telegram refuses. Text long by design (a whole STAR story, sent in
chunks) is printed with `|whole`; what templates build themselves (macros) is not cut.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import dates as bdates
from babel import numbers as bnumbers

import messages
from domain.text import clip

from .settings import SUPPORTED_LOCALES, ZONES

MESSAGES_DIR = Path(messages.__file__).parent
ECHO_MAX = 500  # one value printed in an HTML message (the longest stored short field is 500: an RTL note)
UI_ECHO_MAX = 128  # one value in a button label or an alert (alerts hold 200 characters)


class Whole(str):
    """A string a template prints uncut (`|whole`): long by design, and the caller keeps it in bounds."""

    __slots__ = ()


def _echo(value: Any) -> Any:
    """Jinja's finalize: every printed value passes here before escaping. Plain strings only — Markup
    (macros, already-escaped parts) and `|whole` values are str subclasses and pass untouched."""
    if type(value) is str and len(value) * 2 > ECHO_MAX:
        return clip(value, ECHO_MAX)
    return value


def _ui_echo(value: Any) -> Any:
    if type(value) is str and len(value) * 2 > UI_ECHO_MAX:
        return clip(value, UI_ECHO_MAX)
    return value


def tz_label(tz: str) -> str:
    return ZONES.get(tz, tz)


def fmt_date(d: date | datetime, locale: str, fmt: str = "full") -> str:
    """'Kamis, 26 November 2026' (id, full) / 'Thursday, 26 November 2026' (en). A datetime shows its own
    wall-clock date: the cache is keyed by that date, never by the instant (00:30 WITA on 1 January and 23:30
    WIB on 31 December are equal datetimes)."""
    return _fmt_date(d.date() if isinstance(d, datetime) else d, locale, fmt)


@lru_cache(maxsize=4096)  # Babel is slow and the same few dates recur in every message
def _fmt_date(d: date, locale: str, fmt: str) -> str:
    if fmt == "full":
        return bdates.format_date(d, "EEEE, d MMMM y", locale=_babel(locale))
    if fmt == "short":
        return bdates.format_date(d, "EEE, d MMM", locale=_babel(locale))
    return bdates.format_date(d, fmt, locale=_babel(locale))


def fmt_time(t: time | datetime, locale: str) -> str:
    """'14.00' (id) / '14:00' (en): a datetime's own wall-clock time (cached by that, not by the instant)."""
    return _fmt_time(t.time() if isinstance(t, datetime) else t.replace(tzinfo=None), locale)


@lru_cache(maxsize=4096)
def _fmt_time(t: time, locale: str) -> str:
    return bdates.format_time(t, "HH.mm" if locale == "id" else "HH:mm", locale=_babel(locale))


def cut_lines(text: str, limit: int) -> str:
    """The first whole lines of `text` that fit in `limit` characters (templates keep tags within a line)."""
    out = ""
    for line in text.split("\n"):
        if len(out) + len(line) + 1 > limit:
            break
        out += ("\n" if out else "") + line
    return out or text[:limit]


def fmt_number(x: float | int | None, locale: str, decimals: int = 1) -> str:
    if x is None:
        return "–"
    return _fmt_number(x, locale, decimals)


@lru_cache(maxsize=8192, typed=True)  # typed: 1 and 1.0 format differently
def _fmt_number(x: float | int, locale: str, decimals: int) -> str:
    if isinstance(x, int) or float(x).is_integer() and decimals == 0:
        return bnumbers.format_decimal(x, format="#,##0", locale=_babel(locale))
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    # round half up, as people (and the charts) do: 3,625 -> 3,63, not Babel's half-even 3,62
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return bnumbers.format_decimal(q, format=pattern, locale=_babel(locale))


def fmt_percent(share: float | None, locale: str, decimals: int = 1) -> str:
    """A share 0..1 as '76,5 %' (id) or '76.5%' (en)."""
    if share is None:
        return "–"
    n = fmt_number(share * 100, locale, decimals)
    return f"{n} %" if locale == "id" else f"{n}%"


def fmt_duration(minutes: int, locale: str) -> str:
    h, m = divmod(int(minutes), 60)
    hu, mu = ("jam", "menit") if locale == "id" else ("h", "min")
    if h and m:
        return f"{h} {hu} {m} {mu}"
    if h:
        return f"{h} {hu}"
    return f"{m} {mu}"


def _babel(locale: str) -> str:
    return "id_ID" if locale == "id" else "en_GB"


def language(locale: str | None) -> str:
    """`"id_ID"`/`"en-US"` → `"id"`/`"en"`; anything unknown falls back to Indonesian."""
    lang = (locale or "id").replace("-", "_").split("_")[0].lower()
    return lang if lang in SUPPORTED_LOCALES else "id"


def _read_toml(locale: str, name: str) -> dict[str, Any]:
    return tomllib.loads((MESSAGES_DIR / locale / f"{name}.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def texts(locale: str | None, name: str) -> Mapping[str, Any]:
    """`messages/<locale>/<name>.toml` as parsed, read once per language (shared: treat it as read-only)."""
    return _read_toml(language(locale), name)


def cycle_texts(locale: str | None) -> Mapping[str, Any]:
    """What `domain.cycle.core` and `domain.cycle.star` are handed: `cycle.toml` (stages, questions, journal, STAR)."""
    return texts(locale, "cycle")


def survey_texts(locale: str | None) -> Mapping[str, Any]:
    """What `domain.surveys.core` is handed: `surveys.toml` (Likert labels, the built-in surveys)."""
    return texts(locale, "surveys")


@lru_cache(maxsize=4)
def _ui(locale: str) -> dict[str, str]:
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for k, v in node.items():
            key = f"{prefix}{k}"
            if isinstance(v, dict):
                walk(key + ".", v)
            else:
                flat[key] = str(v)

    # ui.toml plus one ui_<feature>.toml per feature; a key defined twice is a bug
    for path in sorted((MESSAGES_DIR / locale).glob("ui*.toml")):
        before = len(flat)
        node = _read_toml(locale, path.stem)
        keys: list[str] = []
        walk_keys("", node, keys)
        dup = set(keys) & set(flat)
        if dup:
            raise ValueError(f"{path.name} redefines ui strings {sorted(dup)}")
        walk("", node)
        assert len(flat) == before + len(keys)
    return flat


def walk_keys(prefix: str, node: dict[str, Any], out: list[str]) -> None:
    for k, v in node.items():
        if isinstance(v, dict):
            walk_keys(f"{prefix}{k}.", v, out)
        else:
            out.append(f"{prefix}{k}")


class Renderer:
    def __init__(self, messages_dir: Path = MESSAGES_DIR) -> None:
        loader = jinja2.FileSystemLoader(str(messages_dir))
        self.html = jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
            auto_reload=False,  # templates ship with the code: no file check on every message
            finalize=_echo,
        )
        self.html.filters["whole"] = Whole
        self.plain = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, finalize=_ui_echo)
        for env in (self.html, self.plain):
            env.filters.update(
                date=_ctx(fmt_date), time=_ctx(fmt_time), num=_ctx(fmt_number), pct=_ctx(fmt_percent),
                duration=_ctx(fmt_duration), tzlabel=tz_label,
            )
            env.globals["ui"] = jinja2.pass_context(lambda c, key, **kw: self.t(c["locale"], key, **kw))
        self._plain_cache: dict[tuple[str, str], jinja2.Template | tuple[str, ...]] = {}
        self._html_cache: dict[tuple[str, str], jinja2.Template] = {}

    def render(self, locale: str, key: str, **ctx: Any) -> str:
        """An HTML message (safe to send with parse_mode=HTML)."""
        locale = locale if locale in SUPPORTED_LOCALES else "id"
        tpl = self._html_cache.get((locale, key))
        if tpl is None:
            tpl = self._html_cache[(locale, key)] = self.html.get_template(f"{locale}/{key}.j2")
        return tpl.render(locale=locale, **ctx).strip()

    def t(self, locale: str, key: str, **ctx: Any) -> str:
        """A short plain string from ui.toml (button labels, alerts); not HTML-escaped."""
        locale = locale if locale in SUPPORTED_LOCALES else "id"
        raw = _ui(locale).get(key)
        if raw is None:
            raise KeyError(f"ui string {key!r} missing in {locale}")
        if "{" not in raw:
            return raw
        tpl = self._plain_cache.get((locale, key))
        if tpl is None:
            tpl = self._plain_cache[(locale, key)] = _simple(raw) or self.plain.from_string(raw)
        if type(tpl) is tuple:
            return "".join(part if i % 2 == 0 else _value(ctx, part) for i, part in enumerate(tpl))
        return tpl.render(locale=locale, **ctx)

    def has(self, locale: str, key: str) -> bool:
        return (MESSAGES_DIR / locale / f"{key}.j2").exists()

    @staticmethod
    def ui_keys(locale: str) -> set[str]:
        return set(_ui(locale))


_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")


def _simple(raw: str) -> tuple[str, ...] | None:
    """A ui string whose only markup is `{{ name }}` placeholders, as (text, name, text, name, ..., text):
    most of them (a callback answer is rendered on every tap), filled in without Jinja's machinery. None
    for anything else (filters, conditions), which Jinja renders."""
    parts = tuple(_PLACEHOLDER.split(raw))
    if any(marker in text for text in parts[::2] for marker in ("{{", "{%", "{#")):
        return None
    return parts


def _value(ctx: dict[str, Any], name: str) -> str:
    if name not in ctx:  # as StrictUndefined would
        raise jinja2.UndefinedError(f"{name!r} is undefined")
    return _ui_echo(str(ctx[name]))


def _ctx(fn: Any) -> Any:
    @jinja2.pass_context
    def wrapped(c: Any, value: Any, *args: Any) -> str:
        return fn(value, c["locale"], *args)

    return wrapped


def local(ts: int | None, tz: str) -> datetime | None:
    """A stored instant (unix seconds) as the wall-clock time of the zone `tz`; None stays None."""
    return None if ts is None else datetime.fromtimestamp(ts, ZoneInfo(tz))


def local_now(tz: str, now_utc: datetime) -> datetime:
    return now_utc.astimezone(ZoneInfo(tz))
