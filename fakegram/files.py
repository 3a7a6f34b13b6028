"""Files: photos, documents, voice notes and stickers users send; the bot's uploads and getFile."""

from __future__ import annotations

import mimetypes
import re
import struct
import zlib

from fakegram.common import (
    JSON,
    ApiError,
    FileRecord,
    Files,
    _api,
    _bad,
)
from fakegram.state import FakeState, _Params


class FilesApi(FakeState):
    """Stored files, users' media and the bot's uploads."""

    def send_photo(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None,
        data: bytes = b"", width: int = 1280, height: int = 960,
    ) -> JSON:  # fmt: skip
        """A user sends a photo (three PhotoSize variants, like Telegram)."""
        record = self._new_file("photos", data or _tiny_png(), None, "image/jpeg")
        content: JSON = {"photo": self._photo_sizes(record, width, height)}
        if caption:
            content["caption"] = caption
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_document(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None,
        data: bytes = b"%PDF-1.4\n%fake\n", file_name: str = "dokumen.pdf", mime_type: str | None = None,
    ) -> JSON:  # fmt: skip
        """A user sends a document; its bytes are retrievable with :meth:`file_bytes`/getFile."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        record = self._new_file("documents", data, file_name, mime)
        content: JSON = {"document": self._document_json(record)}
        if caption:
            content["caption"] = caption
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_voice(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None,
        data: bytes = b"OggS\0fake", duration: int = 3,
    ) -> JSON:  # fmt: skip
        """A user sends a voice note."""
        record = self._new_file("voice", data, None, "audio/ogg")
        voice = {
            "file_id": record.file_id, "file_unique_id": record.file_unique_id, "duration": duration,
            "mime_type": "audio/ogg", "file_size": len(record.data),
        }  # fmt: skip
        content: JSON = {"voice": voice}
        if caption:
            content["caption"] = caption
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_sticker(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None, emoji: str = "👍",
    ) -> JSON:  # fmt: skip
        """A user sends a (static, regular) sticker; stickers have no caption in Telegram."""
        del caption
        record = self._new_file("stickers", b"RIFF\0\0\0\0WEBP", None, "image/webp")
        sticker = {
            "file_id": record.file_id, "file_unique_id": record.file_unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
            "set_name": "KombelStickers", "file_size": len(record.data),
        }  # fmt: skip
        return self._incoming(chat_id, user_id, {"sticker": sticker}, reply_to=reply_to, thread_id=None)

    # ------------------------------------------------------------------ files

    def _new_file(self, folder: str, data: bytes, filename: str | None, mime: str | None) -> FileRecord:
        n = next(self._file_ids)
        ext = (
            (mimetypes.guess_extension(mime or "") or "")
            if not filename
            else "." + filename.rsplit(".", 1)[-1]
        )
        record = FileRecord(
            file_id=f"BQACAgUAAxk{n:08d}kombelFAKE", file_unique_id=f"AgAD{n:06d}", data=data,
            filename=filename, mime_type=mime, file_path=f"{folder}/file_{n}{ext}",
        )  # fmt: skip
        self._files[record.file_id] = record
        return record

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file_id (what the bot uploaded, e.g. an XLSX report)."""
        return self._files[file_id].data

    def file_record(self, file_id: str) -> FileRecord:
        """Full stored file info (bytes, filename, mime type)."""
        return self._files[file_id]

    def file_by_path(self, file_path: str) -> bytes | None:
        """Bytes for a getFile ``file_path`` (the file download endpoint)."""
        for record in self._files.values():
            if record.file_path == file_path:
                return record.data
        return None

    def _input_file(self, p: _Params, name: str, files: Files, folder: str) -> FileRecord:
        upload = files.get(name)
        if upload is not None:
            filename, data, mime = upload
            if not data:
                raise _bad("file must be non-empty")
            if len(data) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            return self._new_file(folder, data, filename, mime)
        value = p.text(name)
        if not value:
            raise _bad(f"there is no {name} in the request")
        if value in self._files:
            return self._files[value]
        if re.match(r"^https?://", value):
            return self._new_file(folder, b"", value.rsplit("/", 1)[-1] or None, None)
        raise _bad("wrong file identifier/HTTP URL specified")

    def _photo_sizes(self, record: FileRecord, width: int, height: int) -> list[JSON]:
        sizes = []
        for limit in (90, 320, 800, 1280):
            scale = min(1.0, limit / max(width, height, 1))
            if sizes and scale >= 1.0 and sizes[-1]["width"] == width:
                break
            sizes.append({"width": max(1, round(width * scale)), "height": max(1, round(height * scale))})
        out = []
        for i, size in enumerate(sizes):
            largest = i == len(sizes) - 1
            rec = record if largest else self._new_file("photos", record.data, None, "image/jpeg")
            out.append({"file_id": rec.file_id, "file_unique_id": rec.file_unique_id, **size,
                        "file_size": len(record.data)})  # fmt: skip
        return out

    def _document_json(self, record: FileRecord) -> JSON:
        doc: JSON = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
        }
        if record.filename:
            doc["file_name"] = record.filename
        if record.mime_type:
            doc["mime_type"] = record.mime_type
        return doc

    @_api("sendPhoto")
    def _send_photo(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        markup = self._markup(p)
        caption = self._caption(p)
        record = self._input_file(p, "photo", files, "photos")
        width, height = _image_size(record.data)
        content = {"photo": self._photo_sizes(record, width, height), **caption}
        return self._bot_send(chat, p, content, raw=p.text("caption"), markup=markup)

    @_api("sendDocument")
    def _send_document(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        markup = self._markup(p)
        caption = self._caption(p)
        record = self._input_file(p, "document", files, "documents")
        content = {"document": self._document_json(record), **caption}
        return self._bot_send(chat, p, content, raw=p.text("caption"), markup=markup)

    @_api("getFile")
    def _get_file(self, p: _Params, files: Files) -> JSON:
        record = self._files.get(p.text("file_id", "") or "")
        if record is None:
            raise _bad("invalid file_id")
        return {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
                "file_size": len(record.data), "file_path": record.file_path}  # fmt: skip


def _image_size(data: bytes) -> tuple[int, int]:
    """Width/height of a PNG (else a typical photo size): realistic PhotoSize values."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1280, 960


def _tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )
