"""The upload size guard: an oversized body is refused before it is read, or cut off."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from clipcart.core.errors import PayloadTooLarge
from clipcart.media import uploads


class UnreadableBody(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_request_claiming_5_gb_is_refused_with_413_before_its_body_is_read():
    request = RequestFactory().post(
        "/api/v1/posts",
        content_type=MULTIPART_CONTENT,
        CONTENT_LENGTH=str(5 * 1024**3),
        **{"wsgi.input": UnreadableBody()},
    )

    with pytest.raises(PayloadTooLarge) as caught:
        uploads.check_upload_size(request)

    assert (caught.value.status, caught.value.code, caught.value.field) == (
        413,
        "too_large",
        "file",
    )
    assert caught.value.message == "The upload is larger than 512 MiB."


def test_an_upload_within_the_limit_passes_the_check():
    video = SimpleUploadedFile("clip.mp4", b"x" * 1000, content_type="video/mp4")
    uploads.check_upload_size(RequestFactory().post("/api/v1/posts", {"file": video}))


def test_a_body_over_the_limit_is_never_parsed(settings):
    settings.CLIPCART_MAX_UPLOAD_BYTES = 100_000
    video = SimpleUploadedFile("clip.mp4", b"x" * 300_000, content_type="video/mp4")
    request = RequestFactory().post("/api/v1/posts", {"file": video, "caption": "hi"})

    assert not request.FILES and not request.POST
    assert request.read(10) == b"--" + BOUNDARY.encode()[:8]  # still unread
    with pytest.raises(PayloadTooLarge):
        uploads.check_upload_size(request)


def test_the_upload_handler_stops_a_body_longer_than_it_claimed(settings):
    # A client can claim a small body and send more; the parser only sees what arrives.
    settings.CLIPCART_MAX_UPLOAD_BYTES = 100_000
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("clip.mp4", b"x" * 2_000_000)})
    stream = io.BytesIO(body.encode() if isinstance(body, str) else body)
    request = RequestFactory().post("/api/v1/posts")
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": "50000"}
    handlers = [uploads.SizeLimitUploadHandler(request), MemoryFileUploadHandler(request)]

    _, files = MultiPartParser(meta, stream, handlers).parse()

    assert not files
    assert stream.tell() < 500_000  # stopped, not drained
    with pytest.raises(PayloadTooLarge):
        uploads.check_upload_size(request)


def test_an_upload_held_in_memory_gets_a_temporary_path_with_its_bytes():
    upload = SimpleUploadedFile("clip.MP4", b"video bytes")
    with uploads.local_upload_path(upload) as path:
        assert (path.read_bytes(), path.suffix) == (b"video bytes", ".MP4")
    assert not path.exists()
    assert upload.read() == b"video bytes"  # the caller can still save it


def test_an_upload_already_on_disk_is_used_where_it_is():
    upload = TemporaryUploadedFile("clip.mp4", "video/mp4", 4, None)
    upload.write(b"data")
    upload.flush()
    with uploads.local_upload_path(upload) as path:
        assert path == Path(upload.temporary_file_path())
    upload.close()


def test_a_strange_client_file_name_gives_a_plain_temporary_name():
    upload = SimpleUploadedFile("clip.mp4;rm -rf ~", b"data")
    with uploads.local_upload_path(upload) as path:
        assert path.suffix == ""


# --- ASGI ---------------------------------------------------------------------------------------


def asgi_post(app, *, chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> list[dict]:
    scope = {"type": "http", "method": "POST", "path": "/api/v1/posts", "headers": headers}
    messages = [
        {"type": "http.request", "body": chunk, "more_body": n < len(chunks) - 1}
        for n, chunk in enumerate(chunks)
    ]
    sent: list[dict] = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(uploads.BodySizeLimitMiddleware(app)(scope, receive, send))
    return sent


async def reading_app(scope, receive, send):
    """Reads the whole body first, as Django's ASGI handler does, then answers 200."""
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_asgi_refuses_a_declared_oversized_body_without_running_the_app(settings):
    settings.CLIPCART_MAX_UPLOAD_BYTES = 1000

    async def app(scope, receive, send):
        raise AssertionError("the app ran")

    sent = asgi_post(app, chunks=[b"x" * 10], headers=[(b"content-length", b"5000000000")])

    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "too_large"


def test_asgi_stops_a_streamed_body_once_it_passes_the_limit(settings):
    settings.CLIPCART_MAX_UPLOAD_BYTES = 1000
    chunks = [b"x" * 600] * 3 + [b"never read"]

    sent = asgi_post(reading_app, chunks=chunks, headers=[])

    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]


def test_asgi_passes_a_body_within_the_limit(settings):
    settings.CLIPCART_MAX_UPLOAD_BYTES = 1000
    sent = asgi_post(reading_app, chunks=[b"x" * 400, b"x" * 400], headers=[])
    assert sent[0]["status"] == 200


def test_the_served_asgi_application_refuses_a_5_gb_upload_unread():
    from clipcart.asgi import application

    sent = asgi_post(
        application, chunks=[b"x" * 10], headers=[(b"content-length", str(5 * 1024**3).encode())]
    )

    assert sent[0]["status"] == 413
