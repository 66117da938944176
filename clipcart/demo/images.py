"""Product pictures for the demo, drawn with Pillow: a gradient in the colours of the shop's
niche, a simple shape, the product's short name and its brand.

Speed matters more than art here (hundreds of images in a few seconds), so backgrounds come from
a small cache, the thumbnail is drawn at its own size instead of being resampled, and the work
runs in threads: Pillow releases the GIL while it draws and encodes.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import threading
import unicodedata
from functools import lru_cache

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from clipcart.catalog.models import ProductImage
from clipcart.catalog.services import THUMBNAIL_SIZE

from . import vocabulary as v
from .world import ImagePlan

ORIGINAL_SIZE = 640
_COLORS = {niche.key: niche.colors for niche in v.NICHES}
_local = threading.local()  # FreeType faces must not be shared between threads


def _drawable(text: str) -> str:
    """Text without accents: Pillow's built-in font has no glyph for "è" and draws a wrong one."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        fonts = _local.fonts = {}
    if size not in fonts:
        fonts[size] = ImageFont.load_default(size=size)
    return fonts[size]


def _tinted(color: v.RGB, tint: int) -> v.RGB:
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in color))
    r, g, b = colorsys.hls_to_rgb((hue + (tint - 2.5) * 0.03) % 1.0, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


@lru_cache(maxsize=256)
def _background(niche: str, tint: int, size: int) -> Image.Image:
    top, bottom = (_tinted(color, tint) for color in _COLORS[niche])
    mask = Image.linear_gradient("L").resize((size, size))
    return Image.composite(
        Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), mask
    )


def _draw_shape(
    draw: ImageDraw.ImageDraw, shape: str, scale: float, *, ink: v.RGB, fill: v.RGB
) -> None:
    def box(*points: float) -> list[float]:
        return [p * scale for p in points]

    width = max(2, round(6 * scale))
    if shape == "circle":
        draw.ellipse(box(180, 120, 460, 400), fill=fill, outline=ink, width=width)
    elif shape == "square":
        draw.rounded_rectangle(
            box(190, 130, 450, 390), radius=36 * scale, fill=fill, outline=ink, width=width
        )
    elif shape == "bottle":
        draw.rounded_rectangle(box(280, 110, 360, 170), radius=10 * scale, fill=ink)
        draw.rounded_rectangle(
            box(230, 160, 410, 410), radius=40 * scale, fill=fill, outline=ink, width=width
        )
    else:
        draw.polygon(
            box(320, 110, 470, 260, 320, 410, 170, 260), fill=fill, outline=ink, width=width
        )


def _fitted_font(draw: ImageDraw.ImageDraw, text: str, *, size: int, width: float):
    while size > 12:
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= 4
    return _font(size)


def render(plan: ImagePlan, size: int) -> Image.Image:
    """The picture of `plan`, `size` pixels square. Same plan and size, same pixels."""
    scale = size / ORIGINAL_SIZE
    image = _background(plan.niche, plan.tint, size).copy()
    draw = ImageDraw.Draw(image)
    top, bottom = (_tinted(color, plan.tint) for color in _COLORS[plan.niche])
    ink = (max(0, bottom[0] - 70), max(0, bottom[1] - 70), max(0, bottom[2] - 70))
    fill = (255 - (255 - top[0]) // 3, 255 - (255 - top[1]) // 3, 255 - (255 - top[2]) // 3)
    _draw_shape(draw, plan.shape, scale, ink=ink, fill=fill)
    label = _drawable(plan.label)
    label_font = _fitted_font(draw, label, size=round(64 * scale), width=size * 0.88)
    draw.text(
        (size / 2, 500 * scale),
        label,
        font=label_font,
        anchor="mm",
        fill=(255, 255, 255),
        stroke_width=max(1, round(3 * scale)),
        stroke_fill=ink,
    )
    caption = _drawable(plan.caption)
    caption_font = _fitted_font(draw, caption, size=round(28 * scale), width=size * 0.8)
    draw.text((size / 2, 575 * scale), caption, font=caption_font, anchor="mm", fill=ink)
    return image


def encode(plan: ImagePlan) -> tuple[bytes, bytes]:
    """A JPEG original and a WebP thumbnail, as the catalog's upload and thumbnail code make."""
    original, thumbnail = io.BytesIO(), io.BytesIO()
    render(plan, ORIGINAL_SIZE).save(original, format="JPEG", quality=85)
    render(plan, THUMBNAIL_SIZE[0]).save(thumbnail, format="WEBP", quality=82, method=2)
    return original.getvalue(), thumbnail.getvalue()


def store(plan: ImagePlan, *, product_id: int) -> tuple[str, str]:
    """Draws and saves one product picture; returns the stored names of original and thumbnail.

    Names follow `catalog.services.add_product_image` / `make_thumbnail`: the upload path of the
    ProductImage field, a content hash, and `-thumb.webp` for the thumbnail.
    """
    original, thumbnail = encode(plan)
    field = ProductImage._meta.get_field("image")
    record = ProductImage(product_id=product_id)
    stem = hashlib.sha1(original).hexdigest()[:16]
    image_name = field.storage.save(
        field.generate_filename(record, f"{stem}.jpg"), ContentFile(original)
    )
    thumb_name = field.storage.save(
        field.generate_filename(record, f"{stem}-thumb.webp"), ContentFile(thumbnail)
    )
    return image_name, thumb_name
