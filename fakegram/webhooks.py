"""Webhooks: setWebhook, deleteWebhook, getWebhookInfo (and where webhook delivery goes)."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    Files,
    _api,
)
from fakegram.state import FakeState, _Params


class WebhooksApi(FakeState):
    """The webhook the bot set."""

    @_api("setWebhook")
    def _set_webhook(self, p: _Params, files: Files) -> bool:
        self._webhook_url = p.text("url", "") or ""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        return True

    @_api("deleteWebhook")
    def _delete_webhook(self, p: _Params, files: Files) -> bool:
        self._webhook_url = ""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        return True

    @_api("getWebhookInfo")
    def _get_webhook_info(self, p: _Params, files: Files) -> JSON:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
