"""The command registry: one list that drives handler registration, Telegram's command menus
(`setMyCommands` per scope and language) and `/help`, so the three never disagree.

All commands are served by one python-telegram-bot CommandHandler that knows every name and looks the
command up in a table — instead of one handler per command tried in turn on every update."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
    Update,
)
from telegram.ext import CommandHandler, filters

AUDIENCES = ("everyone", "member", "pic", "principal")


@dataclass(frozen=True)
class Command:
    en: str
    id: str
    callback: Callable[..., Awaitable[Any]]
    audience: str = "everyone"
    group: bool = True
    private: bool = True
    menu: bool = True  # listed in Telegram's menu and /help

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(self.audience)

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys([self.en, self.id]))


class CommandRegistry:
    def __init__(self) -> None:
        self.commands: list[Command] = []
        self._by_name: dict[str, Command] = {}

    def add(self, *commands: Command) -> None:
        for cmd in commands:
            clash = set(self._by_name) & set(cmd.names)
            if clash:
                raise ValueError(f"command name(s) registered twice: {clash}")
            self.commands.append(cmd)
            self._by_name.update(dict.fromkeys(cmd.names, cmd))

    def knows(self, name: str) -> bool:
        return name.lower() in self._by_name

    def handlers(self) -> list[CommandHandler]:
        """One handler for every name (PTB checks the entity, the bot's @username and sets `args`). New
        messages only: an edit never runs a command (bot.handlers.guards answers it)."""
        return [CommandHandler(list(self._by_name), self.dispatch, filters=filters.UpdateType.MESSAGE)]

    async def dispatch(self, update: Update, context: Any) -> Any:
        msg = update.effective_message
        assert msg is not None and msg.text is not None  # CommandHandler matched a command message
        name = msg.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        return await self._by_name[name].callback(update, context)

    def visible(self, *, where: str, roles: set[str]) -> list[Command]:
        """Commands a person with these roles may use in a group or private chat."""
        out = []
        for cmd in self.commands:
            if not cmd.menu or (where == "group" and not cmd.group) or (where == "private" and not cmd.private):
                continue
            if cmd.audience in ("everyone", "member") or cmd.audience in roles:
                out.append(cmd)
        return out

    def menus(self, describe: Callable[[str, Command], str]) -> list[tuple[Any, str | None, list[BotCommand]]]:
        """(scope, language_code, commands) for setMyCommands: Indonesian names for 'id', English otherwise."""
        plans = [
            (BotCommandScopeAllGroupChats(), "group", {"member"}),
            (BotCommandScopeAllChatAdministrators(), "group", {"member", "pic"}),
            (BotCommandScopeAllPrivateChats(), "private", {"member", "pic", "principal"}),
            (BotCommandScopeDefault(), "private", {"member"}),
        ]
        result = []
        for scope, where, roles in plans:
            cmds = self.visible(where=where, roles=roles)
            for lang, locale in ((None, "en"), ("id", "id")):
                result.append((scope, lang, [
                    BotCommand(cmd.id if locale == "id" else cmd.en, describe(locale, cmd)[:256]) for cmd in cmds
                ]))
        return result
