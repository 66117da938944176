"""Writes of the returns app. Every step takes the return's row lock (returns.locks) and logs a
ReturnEvent; a step not allowed from the return's status is a 409 `invalid_return_status`."""

from .answers import (
    approve_return,
    auto_approve,
    auto_approve_overdue,
    cancel_return,
    overdue_return_ids,
    override_rejection,
    reject_return,
)
from .photos import MAX_PHOTO_BYTES, check_photos
from .refunds import check_amounts, check_key, default_amount, refund_return
from .requests import (
    answer_deadline,
    check_lines,
    check_window,
    request_return,
    returned_quantities,
    window_closes_at,
    window_days,
)
from .shipping import receive_return, ship_back

__all__ = [
    "MAX_PHOTO_BYTES",
    "answer_deadline",
    "approve_return",
    "auto_approve",
    "auto_approve_overdue",
    "cancel_return",
    "check_amounts",
    "check_key",
    "check_lines",
    "check_photos",
    "check_window",
    "default_amount",
    "overdue_return_ids",
    "override_rejection",
    "receive_return",
    "refund_return",
    "reject_return",
    "request_return",
    "returned_quantities",
    "ship_back",
    "window_closes_at",
    "window_days",
]
