"""The upload size guard: a body over CLIPCART_MAX_UPLOAD_BYTES is refused before it is read, or
cut off as soon as it passes the limit, so a 5 GB upload never fills memory or the disk.

Three layers, each for a case the others cannot see:
- `check_upload_size(request)` answers 413 from the declared Content-Length, and for a body the
  upload handler cut off;
- `SizeLimitUploadHandler` counts the bytes Django's multipart parser reads (a client may send no
  Content-Length, or a false one);
- `BodySizeLimitMiddleware` wraps the ASGI application: under ASGI, Django reads the whole body
  into a temporary file before any view or upload handler runs.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from clipcart.core.errors import PayloadTooLarge

# Set on the request by the upload handler, read by check_upload_size.
_CUT_OFF = "_clipcart_upload_cut_off"


def max_upload_bytes() -> int:
    return settings.CLIPCART_MAX_UPLOAD_BYTES


def too_large_error() -> PayloadTooLarge:
    limit_mib = max_upload_bytes() / 1024**2
    return PayloadTooLarge(f"The upload is larger than {limit_mib:.0f} MiB.", field="file")


def check_upload_size(request: HttpRequest) -> None:
    """Raises PayloadTooLarge (413, code "too_large") when the request declares a body over the
    limit, or when SizeLimitUploadHandler cut its body off. Reads nothing of the body, so call it
    before touching request.FILES; calling it again after is harmless."""
    if getattr(request, _CUT_OFF, False) or _declared_length(request.META) > max_upload_bytes():
        raise too_large_error()


def _declared_length(meta: dict[str, Any]) -> int:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:  # garbage: the upload handler still counts what actually arrives
        return 0


class SizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops the multipart parser once the files of a request pass
    the limit, before the next handlers keep any more of it."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.received = 0

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> tuple[QueryDict, MultiValueDict[str, UploadedFile]] | None:
        if content_length <= self.limit:
            return None  # parse as usual, counting bytes below
        # Parsed as empty without reading a byte of the body; check_upload_size answers 413.
        self._mark_cut_off()
        return QueryDict(encoding=encoding), MultiValueDict()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self._mark_cut_off()
            # connection_reset: Django stops reading instead of draining the rest of the body.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        return None  # the next handler builds the file

    def _mark_cut_off(self) -> None:
        if self.request is not None:
            setattr(self.request, _CUT_OFF, True)


@contextmanager
def local_upload_path(upload: UploadedFile) -> Iterator[Path]:
    """A filesystem path holding the upload's bytes, for ffmpeg and Pillow. A large upload is
    already a temporary file; a small one is in memory and is written out while the block runs."""
    if isinstance(upload, TemporaryUploadedFile):
        yield Path(upload.temporary_file_path())
        return
    # Only a plain extension is kept: it is a hint for ffmpeg, and the name comes from the client.
    suffix = Path(upload.name or "").suffix
    suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", suffix) else ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        upload.seek(0)  # so the caller can still save the upload itself
        yield Path(copy.name)


# --- ASGI ---------------------------------------------------------------------------------------

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Wraps the ASGI application (`application = BodySizeLimitMiddleware(get_asgi_application())`)
    and answers 413 as soon as a request's body is known to pass the limit."""

    def __init__(self, app: AsgiApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max_upload_bytes()
        if _header_length(scope) > limit:
            await _send_too_large(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _send_too_large(send)


def _header_length(scope: dict[str, Any]) -> int:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            return _declared_length({"CONTENT_LENGTH": value.decode("latin-1")})
    return 0


async def _send_too_large(send: Send) -> None:
    body = json.dumps(too_large_error().as_dict()).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
