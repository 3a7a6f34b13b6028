"""The command registry: one list that drives handler registration, Telegram's command menus
(`setMyCommands` per scope and language) and `/help`, so the three never disagree."""

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
)
from telegram.ext import CommandHandler

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

    def add(self, *commands: Command) -> None:
        for cmd in commands:
            taken = {n for c in self.commands for n in c.names}
            clash = taken & set(cmd.names)
            if clash:
                raise ValueError(f"command name(s) registered twice: {clash}")
            self.commands.append(cmd)

    def handlers(self) -> list[CommandHandler]:
        return [CommandHandler(cmd.names, cmd.callback) for cmd in self.commands]

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
