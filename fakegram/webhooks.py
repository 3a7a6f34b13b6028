"""Webhooks: setWebhook, deleteWebhook, getWebhookInfo; the delivery itself is in fakegram/webhook_delivery.py."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    Files,
    _api,
)
from fakegram.state import FakeState, _Params


class WebhooksApi(FakeState):
    """The webhook the bot set (`self.webhook`, a `webhook_delivery.Webhook`)."""

    @_api("setWebhook")
    def _set_webhook(self, p: _Params, files: Files) -> bool:
        return self.webhook.set(p)

    @_api("deleteWebhook")
    def _delete_webhook(self, p: _Params, files: Files) -> bool:
        return self.webhook.delete(p)

    @_api("getWebhookInfo")
    def _get_webhook_info(self, p: _Params, files: Files) -> JSON:
        return self.webhook.info()
