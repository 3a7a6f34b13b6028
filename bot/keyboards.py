"""Inline keyboards shared by several handlers. Callback data is compact (`<area>:<args>`), never user
text, and always ≤ 64 bytes; it is untrusted input and every handler re-checks it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from storage.models import KINDS, ROLES

from .render import Renderer
from .settings import SUPPORTED_LOCALES, ZONES


def rows(buttons: list[InlineKeyboardButton], per_row: int = 2) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def cb(*parts: object) -> str:
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > 64:
        raise ValueError(f"callback data over 64 bytes: {data!r}")
    return data


def inline_json(rows: list[list[tuple[str, str]]]) -> dict[str, list[list[dict[str, str]]]]:
    """An inline keyboard of (label, callback data) buttons in Telegram's JSON shape, for replies sent on
    every update of a kind (the receipt of /catat): PTB's keyboard objects cost more to build and
    serialise than the rest of the reply."""
    return {"inline_keyboard": [[{"text": text, "callback_data": data} for text, data in row] for row in rows]}


def role_keyboard(r: Renderer, locale: str, community_id: int | None = None) -> InlineKeyboardMarkup:
    suffix = () if community_id is None else (community_id,)
    return InlineKeyboardMarkup(rows([
        InlineKeyboardButton(r.t(locale, f"role.{role}"), callback_data=cb("jn", role, *suffix)) for role in ROLES
    ]))


def kind_keyboard(r: Renderer, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows([
        InlineKeyboardButton(r.t(locale, f"kind.{k}"), callback_data=cb("su", "kind", k)) for k in KINDS
    ]))


def tz_keyboard(r: Renderer, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(r.t(locale, f"tz.{label}"), callback_data=cb("su", "tz", label))
    ] for label in ZONES.values()])


def week_keyboard(r: Renderer, locale: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(r.t(locale, "week.5"), callback_data=cb("su", "week", 5)),
        InlineKeyboardButton(r.t(locale, "week.6"), callback_data=cb("su", "week", 6)),
    ]])


def language_keyboard(r: Renderer, locale: str, target: str) -> InlineKeyboardMarkup:
    """target: 'su' (set-up step), 'c' (community language) or 'u' (my private language)."""
    area = ("su", "lang") if target == "su" else ("lg", target)
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(r.t(locale, f"lang.{code}"), callback_data=cb(*area, code)) for code in SUPPORTED_LOCALES
    ]])
