"""People's text, cut to a length: what the bot stores of a free-text field and what it echoes back.

Telegram measures a message in UTF-16 code units after entity parsing (an emoji outside the Basic
Multilingual Plane counts two), and refuses a text over 4,096 with 400 "message is too long". So lengths
here are UTF-16 code units too, and a cut never splits a character, a surrogate pair, or leaves a joiner,
a combining mark or a variation selector dangling at the end.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
_DANGLING = {"\u200d", "\ufe0e", "\ufe0f"}  # zero-width joiner, variation selectors


def utf16_len(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """`text` unchanged if it fits in `limit` UTF-16 code units; else its start, ending with '…', within
    `limit` units."""
    if len(text) * 2 <= limit or utf16_len(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    units = end = 0
    for ch in text[:budget]:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            break
        end += 1
    # back to a character boundary that is no joiner, mark or modifier: "e" + U+0301, 👩 + ZWJ + 💻 stay whole
    while end > 0 and (_extends(text[end]) or text[end - 1] in _DANGLING):
        end -= 1
    return text[:end].rstrip() + ELLIPSIS


def _extends(ch: str) -> bool:
    """Whether `ch` belongs to the character before it (a combining mark, joiner, selector, skin tone)."""
    return ch in _DANGLING or bool(unicodedata.combining(ch)) or 0x1F3FB <= ord(ch) <= 0x1F3FF
