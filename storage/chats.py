"""What every repository may need of the foundation without importing `storage.repos` (which bundles the
feature repositories, so they cannot import it): the chat-id columns a group migration remaps, and the SQL
condition "still in the group"."""

from __future__ import annotations

# Tables whose rows are keyed by a Telegram chat id, remapped when a group becomes a supergroup.
# Feature migrations that store chat ids add their (table, column) here through `register_chat_column`.
CHAT_ID_COLUMNS: list[tuple[str, str]] = [("communities", "chat_id"), ("flows", "chat_id"), ("outbox", "chat_id")]


def still_in_group(community: str, user: str) -> str:
    """SQL condition: the person (column `user`) has not left the group of the community (column `community`).
    For private reminders: someone who left, or was removed, gets none until they return."""
    return (f"NOT EXISTS (SELECT 1 FROM members gone WHERE gone.community_id = {community}"
            f" AND gone.user_id = {user} AND gone.left_at IS NOT NULL)")


def register_chat_column(table: str, column: str) -> None:
    if (table, column) not in CHAT_ID_COLUMNS:
        CHAT_ID_COLUMNS.append((table, column))
