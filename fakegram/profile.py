"""The bot's profile: getMe, logOut/close, commands and descriptions."""

from __future__ import annotations

import json
from typing import Any

from fakegram.common import (
    _BOT_COMMAND_NAME,
    JSON,
    Files,
    _api,
    _bad,
    _clone,
)
from fakegram.state import FakeState, _Params


class ProfileApi(FakeState):
    """getMe, commands and descriptions."""

    # ------------------------------------------------------------------ Bot API: bot & updates

    @_api("getMe")
    def _get_me(self, p: _Params, files: Files) -> JSON:
        return {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
        }  # fmt: skip

    @_api("logOut")
    def _log_out(self, p: _Params, files: Files) -> bool:
        return True

    @_api("close")
    def _close(self, p: _Params, files: Files) -> bool:
        return True

    # ------------------------------------------------------------------ Bot API: commands & profile

    @staticmethod
    def _scope_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        scope = dict(scope or {"type": "default"})
        for key in ("chat_id", "user_id"):
            if key in scope and str(scope[key]).lstrip("-").isdigit():
                scope[key] = int(scope[key])
        return json.dumps(scope, sort_keys=True), language_code or ""

    @_api("setMyCommands")
    def _set_my_commands(self, p: _Params, files: Files) -> bool:
        commands = p.obj("commands") or []
        if len(commands) > 100:
            raise _bad("too many commands")
        for command in commands:
            if not _BOT_COMMAND_NAME.match(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p.obj("scope"), p.text("language_code"))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    @_api("getMyCommands")
    def _get_my_commands(self, p: _Params, files: Files) -> list[JSON]:
        return _clone(self._commands.get(self._scope_key(p.obj("scope"), p.text("language_code")), []))

    @_api("deleteMyCommands")
    def _delete_my_commands(self, p: _Params, files: Files) -> bool:
        self._commands.pop(self._scope_key(p.obj("scope"), p.text("language_code")), None)
        return True

    def _set_description(self, p: _Params, kind: str, limit: int) -> bool:
        value = p.text(kind, "") or ""
        if len(value) > limit:
            raise _bad(f"{kind.upper()}_INVALID" if kind == "description" else "ABOUT_TOO_LONG")
        self._descriptions[(kind, p.text("language_code", "") or "")] = value
        return True

    @_api("setMyDescription")
    def _set_my_description(self, p: _Params, files: Files) -> bool:
        return self._set_description(p, "description", 512)

    @_api("setMyShortDescription")
    def _set_my_short_description(self, p: _Params, files: Files) -> bool:
        return self._set_description(p, "short_description", 120)

    @_api("getMyDescription")
    def _get_my_description(self, p: _Params, files: Files) -> JSON:
        return {"description": self.description("description", p.text("language_code", "") or "")}

    @_api("getMyShortDescription")
    def _get_my_short_description(self, p: _Params, files: Files) -> JSON:
        return {"short_description": self.description("short_description", p.text("language_code", "") or "")}

    # ------------------------------------------------------------------ reading, for tests

    def description(self, kind: str = "description", language_code: str = "") -> str:
        """Stored bot description (``description`` or ``short_description``) for a language."""
        return self._descriptions.get((kind, language_code), "")

    def commands(
        self,
        scope_type: str | None = None,
        language_code: str | None = None,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSON]:
        """Commands stored by setMyCommands for a scope type (default ``default``) and language."""
        scope: JSON = {"type": scope_type or "default"}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        if user_id is not None:
            scope["user_id"] = user_id
        return _clone(self._commands.get(self._scope_key(scope, language_code), []))
