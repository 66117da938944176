"""Serves uploaded media from MEDIA_ROOT with HTTP byte ranges.

Browsers fetch video in ranges: without them a video cannot be seeked, and Safari does not play
it at all. Used when SERVE_MEDIA is on (the embedded mode); behind S3 or a CDN they do this.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils._os import safe_join
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

CHUNK = 64 * 1024
_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Shown in the page only if it is media; anything else (an "original" that is really HTML or
# SVG) is a download, so an upload can never run script on this site.
_INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "video/", "audio/")


class RangeNotSatisfiable(Exception):
    pass


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    full_path = _media_file(path)
    stat = full_path.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    not_modified = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if not_modified is not None:
        return not_modified
    try:
        byte_range = _requested_range(
            request, etag=etag, mtime=int(stat.st_mtime), size=stat.st_size
        )
    except RangeNotSatisfiable:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{stat.st_size}"
        return refused
    if byte_range is None:
        response: HttpResponseBase = FileResponse(full_path.open("rb"))
    else:
        response = _partial_response(full_path, *byte_range, size=stat.st_size)
    _set_content_type(response, full_path)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    return response


def _media_file(path: str) -> Path:
    """The file under MEDIA_ROOT, or 404 for anything else: a missing file, a folder, or a path
    that would leave the root ("../", an absolute path)."""
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, path))
    except (SuspiciousFileOperation, ValueError):
        raise Http404("No such file.") from None
    if not full_path.is_file():
        raise Http404("No such file.")
    return full_path


def _requested_range(
    request: HttpRequest, *, etag: str, mtime: int, size: int
) -> tuple[int, int] | None:
    if_range = request.headers.get("If-Range")
    # If-Range naming an older version of the file: the client needs all of the new one.
    if if_range and if_range != etag and parse_http_date_safe(if_range) != mtime:
        return None
    return parse_range(request.headers.get("Range", ""), size=size)


def parse_range(header: str, *, size: int) -> tuple[int, int] | None:
    """The first and last byte of a single range (`bytes=a-b`, `bytes=a-`, `bytes=-n`), or None
    to send the whole file: no header, a malformed one, or several ranges, which a server may
    ignore (RFC 9110, 14.2) and browsers do not ask for media. Raises RangeNotSatisfiable when
    the range starts past the end."""
    match = _RANGE_RE.match(header.strip())
    if match is None or match[1] == match[2] == "":
        return None
    if match[1] == "":  # the last n bytes
        suffix = int(match[2])
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - suffix), size - 1
    first = int(match[1])
    if match[2] and int(match[2]) < first:
        return None  # "bytes=5-2" is invalid, not unsatisfiable: the header is ignored
    if first >= size:
        raise RangeNotSatisfiable
    return first, min(int(match[2]), size - 1) if match[2] else size - 1


def _partial_response(path: Path, first: int, last: int, *, size: int) -> StreamingHttpResponse:
    length = last - first + 1
    response = StreamingHttpResponse(_read_range(path, first, length), status=206)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(length)
    return response


def _read_range(path: Path, first: int, length: int) -> Iterator[bytes]:
    # Streamed in chunks: a range of a large video is never held in memory whole.
    with path.open("rb") as handle:
        handle.seek(first)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _set_content_type(response: HttpResponseBase, path: Path) -> None:
    content_type, encoding = mimetypes.guess_type(path.name)
    if encoding:  # "x.mp4.gz" must not be decoded by the browser into something else
        content_type = "application/octet-stream"
    content_type = content_type or "application/octet-stream"
    response["Content-Type"] = content_type
    if not content_type.startswith(_INLINE_TYPES):
        response["Content-Disposition"] = "attachment"
