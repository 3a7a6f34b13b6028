"""Live messages: group messages whose content follows the database — a cycle stage's card (its live count),
a survey's card (respondents), a meeting's RSVP tally and check-in, the journal loop's problems card, the day's
welcome. One mechanism and one policy (`domain.live`, 30 s) for all of them:

- `touch(services, bot, kind, ref, part)` says "this message's content changed" — after the write that
  changed it has committed, never inside a transaction. The message is edited now if its last edit is at
  least the interval ago (or `force`: closed, cancelled, moved), else it is marked owed (`storage.live`).
- `tick` (the scheduler pass) makes the owed edits whose interval has passed.
- The content is rendered from the database when the edit is made, by the renderer registered for the kind
  (`@renders("stage")`), so a late edit always shows the current truth. An edit costs the group no message.

Edits go through `KombelBot.post_json` (`delivery.edit_html`); Telegram's "message is not modified" is
harmless (`delivery.call`); a message Telegram no longer has (deleted) is marked gone and left alone; a
timeout or a 429 leaves the edit owed for the next pass. Concurrent touches (answers in private from many
chats) claim the edit by compare-and-set: one edit, the others owe."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest

from domain.live import Decision, decide, owed_due_before

from .delivery import SendFailed, call, edit_html

if TYPE_CHECKING:
    from .services import Services

log = logging.getLogger(__name__)

# Telegram's answers (lower-cased parts) for an edit of a message that is no longer there to edit.
GONE = ("message to edit not found", "message can't be edited")


@dataclass(frozen=True)
class LiveView:
    """Where a live message is and what it should show now."""

    chat_id: int
    message_id: int
    text: str
    markup: Any = None


Renderer = Callable[["Services", int, str, int], Awaitable[LiveView | None]]  # (services, ref, part, now)
RENDERERS: dict[str, Renderer] = {}


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a kind of live message: `async def fn(services, ref, part, now) -> LiveView |
    None` (None: nothing to show — not posted yet, or gone from the database)."""
    def add(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn
    return add


async def touch(services: Services, bot: Any, kind: str, ref: int, part: str = "", *, force: bool = False) -> None:
    """The content of live message (kind, ref, part) changed: edit it now or owe the edit (module docstring)."""
    repo = services.repos.live
    now = services.now_ts()
    state = await repo.get(kind, ref, part)
    if state is not None and state.gone:
        return
    seen = state.edited_at if state is not None else None
    if decide(seen, now, force=force) is Decision.OWE:
        if not state.owed:  # type: ignore[union-attr]  (OWE implies an earlier edit)
            await repo.owe(kind, ref, part)
        return
    claimed = await (repo.claim_now(kind, ref, part, now) if force else repo.claim(kind, ref, part, seen=seen, now=now))
    if claimed:
        await _edit(services, bot, kind, ref, part, now)
    elif not force:  # another edit claimed it a moment ago: ours waits for the catch-up
        await repo.owe(kind, ref, part)


async def tick(services: Services, bot: Any, now_dt: datetime) -> None:
    """The catch-up: owed edits whose interval has passed."""
    repo = services.repos.live
    now = int(now_dt.timestamp())
    for state in await repo.owed(owed_due_before(now)):
        if await repo.claim(state.kind, state.ref, state.part, seen=state.edited_at, now=now):
            await _edit(services, bot, state.kind, state.ref, state.part, now)


async def _edit(services: Services, bot: Any, kind: str, ref: int, part: str, now: int) -> None:
    """Render (kind, ref, part) from the database and edit the message (already claimed at `now`)."""
    render = RENDERERS.get(kind)
    view = await render(services, ref, part, now) if render is not None else None
    if view is None:
        return

    async def edit(chat_id: int) -> bool:
        try:
            await edit_html(bot, chat_id, view.message_id, view.text, view.markup)
        except BadRequest as exc:
            if any(p in exc.message.lower() for p in GONE):
                return False
            raise
        return True

    try:
        there = await call(services, view.chat_id, edit)
    except SendFailed as exc:
        if exc.kind in ("timeout", "network", "rate_limited"):
            await services.repos.live.owe(kind, ref, part)  # the next pass after the interval tries again
        elif exc.kind == "forbidden":
            await services.repos.live.gone(kind, ref, part)
        return
    if there is False:
        log.info("live message %s:%s:%s is gone; no more edits", kind, ref, part)
        await services.repos.live.gone(kind, ref, part)


def register(services: Services) -> None:
    services.ticks.append(("live", tick))
