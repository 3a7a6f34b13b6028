"""Aiming something at one working group: the `… kelompok <name>` / `… group <name>` suffix shared by
`/survei`, `/siklus mulai` and `/jadwal`. Pure text handling; the bot looks the name up."""

from __future__ import annotations

import re
from collections.abc import Callable

GROUP_WORDS = ("kelompok", "group")
_WORD_RE = re.compile(r"(?<!\S)(?:kelompok|group)(?!\S)", re.IGNORECASE)


def split_group_suffix(text: str, *, last: bool = False,
                       is_name: Callable[[str], bool] | None = None) -> tuple[str, str | None]:
    """(the text before the group word, the group's name after it — "" if none was given), or (text, None)
    when there is no group word. `last`: the last group word is the suffix (free text before it may say
    "kelompok" too); `is_name`: a candidate name it rejects is not a suffix (e.g. "50 ke 80" of a target)."""
    raw = text or ""
    found = list(_WORD_RE.finditer(raw))
    for m in (reversed(found) if last else found):
        name = " ".join(raw[m.end():].split())
        if is_name is None or is_name(name):
            return raw[:m.start()].rstrip(), name
    return raw, None
