"""Photos a buyer attaches to a return: checked as real images before anything is stored.

Pillow reads the header and verifies the file without decoding every pixel; a decompression
bomb (a tiny file that unpacks to gigapixels) is refused by its pixel count, never decoded."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from clipcart.core.errors import InvalidInput

from ..models import Return, ReturnPhoto

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    extension: str
    width: int
    height: int


def check_photos(uploads: Sequence, *, required: bool) -> list[CheckedPhoto]:
    """Every upload as a checked image; none stored yet. `required` asks for at least one."""
    uploads = [upload for upload in uploads if upload is not None]
    limit = settings.CLIPCART_RETURN_MAX_PHOTOS
    if len(uploads) > limit:
        raise InvalidInput(f"Attach at most {limit} photos.", field="photos")
    if required and not uploads:
        raise InvalidInput(
            "Add at least one photo that shows the damage or the defect.", field="photos"
        )
    return [check_photo(upload) for upload in uploads]


def check_photo(upload) -> CheckedPhoto:
    size = getattr(upload, "size", None)
    if size is None or size > MAX_PHOTO_BYTES:
        raise InvalidInput("Each photo can be at most 10 MB.", field="photos")
    data = upload.read()
    if len(data) > MAX_PHOTO_BYTES:  # the declared size is the client's word; the bytes are not
        raise InvalidInput("Each photo can be at most 10 MB.", field="photos")
    image_format, width, height = _read_header(data)
    return CheckedPhoto(data=data, extension=EXTENSIONS[image_format], width=width, height=height)


def _read_header(data: bytes) -> tuple[str, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            pixels = width * height
            if image_format in EXTENSIONS and pixels <= MAX_PHOTO_PIXELS:
                image.verify()  # a truncated or corrupt file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise InvalidInput("That file is not a readable image.", field="photos") from None
    if image_format not in EXTENSIONS:
        raise InvalidInput("Photos must be JPEG, PNG or WebP.", field="photos")
    if pixels > MAX_PHOTO_PIXELS:
        raise InvalidInput("That photo has too many pixels.", field="photos")
    return image_format, width, height


def store_photos(ret: Return, photos: Sequence[CheckedPhoto]) -> list[ReturnPhoto]:
    """Writes checked photos to the default storage (named by content, so a retry of the same
    file does not pile up copies) and records them."""
    stored = []
    for photo in photos:
        record = ReturnPhoto(ret=ret, width=photo.width, height=photo.height)
        name = f"{hashlib.sha256(photo.data).hexdigest()[:20]}.{photo.extension}"
        record.image.save(name, ContentFile(photo.data), save=False)
        record.save()
        stored.append(record)
    return stored
