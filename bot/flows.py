"""Multi-step conversations that survive restarts: the state is a row in `flows`, keyed by (chat, person).

A flow step that wants typed text sends a prompt (a selective ForceReply in groups, so it works with
privacy mode on) and records its message id; the person's reply — or, in private, any next text — is
routed to the flow's `on_text`. Buttons carry their own callback data and are handled by the feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.models import Flow

    from .scope import Scope


@dataclass(frozen=True)
class FlowSpec:
    name: str
    on_text: Callable[[Scope, Flow, Any], Awaitable[None]]


async def route_to_flow(scope: Scope, message: Any) -> bool:
    """Text route: hand the message to the pending flow it belongs to, if any."""
    repos = scope.services.repos
    if scope.user is None:
        return False
    if scope.is_group:
        target = message.reply_to_message
        if target is None or not target.from_user or target.from_user.id != scope.ctx.bot.id:
            return False
        flow = await repos.flows.by_prompt(scope.chat_id, target.message_id)
        if flow is None or flow.user_id != scope.user_id:
            return False
    else:
        flow = await repos.flows.get(scope.chat_id, scope.user_id)
        if flow is None:
            return False
    spec = scope.services.flows.get(flow.name)
    if spec is None:
        await repos.flows.end(flow.chat_id, flow.user_id)
        return False
    await spec.on_text(scope, flow, message)
    return True
