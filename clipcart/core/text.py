"""Cleaning of free text that people type: captions, comments, names."""

from __future__ import annotations

import re

from .errors import InvalidInput

# C0/C1 control characters other than tab and newline: invisible, and a way to spoof text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e]")


def clean_text(
    value: object, *, field: str, max_length: int, required: bool = True, label: str = ""
) -> str:
    """Stripped text without control characters; InvalidInput when missing or too long.

    Text is stored as typed, never as HTML: pages escape it when they render it."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput("Must be text.", field=field)
    text = CONTROL_CHARACTERS.sub("", value or "").strip()
    if required and not text:
        name = label or field.replace("_", " ").capitalize()
        raise InvalidInput(f"{name} is required.", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"At most {max_length} characters.", field=field)
    return text
