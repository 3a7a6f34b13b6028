"""Telegram's HTML parse mode, reimplemented after TDLib's ``parse_html``.

The fake must reject exactly the markup Telegram rejects (and with the same
reason text), otherwise a bot that works against the fake breaks in
production.  Offsets and lengths of entities are in UTF-16 code units, as in
the Bot API; error offsets are in UTF-8 bytes, as Telegram reports them.

One deliberate difference: TDLib passes an unknown ``&`` through literally,
while the Bot API docs require escaping it.  With ``strict_ampersand=True``
(the default) a bare ``&`` is rejected so unescaped user data is caught.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["HtmlError", "escape", "parse_telegram_html", "trim_formatted", "utf16_len"]

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler",
        "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_SIMPLE_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\v\0"


class HtmlError(ValueError):
    """Markup Telegram refuses; ``str(err)`` is the text after "can't parse entities: "."""

    def __init__(self, reason: str, byte_offset: int | None, *, detail: str = "") -> None:
        self.reason = reason
        self.byte_offset = byte_offset
        self.detail = detail
        super().__init__(self.description)

    @property
    def description(self) -> str:
        """The reason formatted as TDLib formats it."""
        if self.byte_offset is None:
            return self.reason
        return f"{self.reason} at byte offset {self.byte_offset}{self.detail}"


_PLAIN_RUN = re.compile(r"[^<&]*")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of Bot API entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape text for Telegram HTML (the only four named entities it knows)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode an HTML entity at ``text[pos] == '&'``; None when TDLib would not."""
    end = pos + 1
    n = len(text)
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] in "xX":
            end += 1
            start = end
            while end < n and text[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(text[end], 16)
                end += 1
                if value >= 0x10FFFF:
                    return None
        else:
            start = end
            while end < n and text[end].isascii() and text[end].isdigit():
                value = value * 10 + int(text[end])
                end += 1
                if value >= 0x10FFFF:
                    return None
        if end == start or value == 0 or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
            return None
        char = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return None
        char = _NAMED_ENTITIES[name]
    if end < n and text[end] == ";":
        end += 1
    return char, end


def _make_entity(
    tag: str, argument: str, offset: int, length: int, content: str, expandable: bool
) -> dict | None:
    if tag in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[tag], "offset": offset, "length": length}
    if tag == "a":
        url = argument or content
        if not url.strip():
            return None
        if url.startswith("tg://user?id="):
            # text_mention needs the user object; Telegram resolves it server-side.
            return {"type": "text_link", "offset": offset, "length": length, "url": url}
        if "://" not in url and not url.startswith(("tg:", "mailto:")):
            url = "http://" + url
        return {"type": "text_link", "offset": offset, "length": length, "url": url}
    if tag == "code":
        return {"type": "code", "offset": offset, "length": length}
    if tag == "pre":
        entity: dict[str, Any] = {"type": "pre", "offset": offset, "length": length}
        return entity
    if tag == "blockquote":
        kind = "expandable_blockquote" if expandable else "blockquote"
        return {"type": kind, "offset": offset, "length": length}
    if tag == "tg-emoji":
        return {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": argument}
    return None


def parse_telegram_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    """Return (visible text, entities) for ``parse_mode="HTML"`` or raise :class:`HtmlError`."""
    out: list[str] = []
    utf16 = 0
    stack: list[dict[str, Any]] = []
    entities: list[dict] = []
    n = len(text)

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                utf16 += utf16_len(char)
                continue
            if strict_ampersand:
                raise HtmlError('Character "&" must be escaped as "&amp;"', boff(i))
        if c != "<":
            # copy a run of plain text at once (markup starts only at '<' or '&')
            m = _PLAIN_RUN.match(text, i + 1)
            end = m.end() if m else i + 1
            chunk = text[i:end]
            out.append(chunk)
            utf16 += utf16_len(chunk)
            i = end
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            if i >= n:
                raise HtmlError("Unclosed start tag", boff(begin))
            tag = text[begin + 1 : i].lower()
            if tag not in SUPPORTED_TAGS:
                raise HtmlError(f'Unsupported start tag "{tag}"', boff(begin))
            argument = ""
            expandable = False
            while at(i) != ">":
                while i < n and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attr = text[attr_begin:i].lower()
                if not attr:
                    raise HtmlError(f'Empty attribute name in the tag "{tag}"', boff(begin))
                while i < n and at(i) in _SPACES:
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr == "expandable":
                        expandable = True
                        continue
                    raise HtmlError(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}"', boff(begin)
                    )
                i += 1
                while i < n and at(i) in _SPACES:
                    i += 1
                if i >= n:
                    raise HtmlError(f'Unclosed start tag "{tag}"', boff(begin))
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i).isascii() and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) not in _SPACES and at(i) != ">":
                        raise HtmlError("Unexpected end of name token", boff(token_begin))
                else:
                    quote = text[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            decoded = _decode_entity(text, i)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(text[i])
                        i += 1
                    if i < n:
                        i += 1
                    value = "".join(chars)
                if i >= n:
                    raise HtmlError("Unclosed start tag", boff(begin))
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise HtmlError('Tag "span" must have class "tg-spoiler"', boff(begin))
            stack.append(
                {"tag": tag, "argument": argument, "offset": utf16, "pos": len(out), "expandable": expandable}
            )
            i += 1  # skip '>'
        else:
            if not stack:
                raise HtmlError("Unexpected end tag", boff(begin))
            while at(i) not in _SPACES and at(i) != ">":
                i += 1
            end_tag = text[begin + 2 : i]
            while i < n and at(i) in _SPACES:
                i += 1
            if at(i) != ">":
                raise HtmlError("Unclosed end tag", boff(begin))
            open_ = stack.pop()
            if end_tag and end_tag.lower() != open_["tag"]:
                raise HtmlError(
                    "Unmatched end tag",
                    boff(begin),
                    detail=f', expected "</{open_["tag"]}>", found "</{end_tag}>"',
                )
            i += 1
            length = utf16 - open_["offset"]
            if length > 0:
                content = "".join(out[open_["pos"] :])
                entity = _make_entity(
                    open_["tag"], open_["argument"], open_["offset"], length, content, open_["expandable"]
                )
                if entity is None:
                    continue
                if entity["type"] == "pre" and entities:
                    last = entities[-1]
                    same_span = last["offset"] == entity["offset"] and last["length"] == entity["length"]
                    if last["type"] == "code" and same_span and last.get("_language"):
                        entities.pop()
                        entity["language"] = last["_language"]
                if entity["type"] == "code" and open_["argument"]:
                    entity["_language"] = open_["argument"]
                entities.append(entity)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"', None)
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return trim_formatted("".join(out), entities)


def trim_formatted(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Strip leading/trailing whitespace like Telegram does, clipping entities to what is left."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    left = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    fixed: list[dict] = []
    for entity in entities:
        start = max(entity["offset"] - left, 0)
        end = min(entity["offset"] + entity["length"] - left, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return stripped, fixed
