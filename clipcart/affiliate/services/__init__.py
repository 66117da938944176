"""Writes of the affiliate app, by topic. Callers import this package; the modules are:

- `plans`: plans, products and their versioned terms, memberships, notices of cuts;
- `touches`: the moments a creator put a product in front of a shopper;
- `commissions`: attribution at purchase, then pending → payable → paid, clawbacks.
"""

from .commissions import (
    attribute_orders,
    cancel_commissions,
    claw_back_commission,
    pay_out,
    release_payable,
)
from .plans import (
    Offer,
    add_product,
    answer_invitation,
    change_term,
    check_eligible,
    check_offer,
    create_targeted_plan,
    decide_membership,
    end_plan,
    invite,
    join_for_product,
    join_plan,
    leave_plan,
    open_plan,
    remove_product,
    send_due_notices,
)
from .touches import (
    adopt_visitor_touches,
    record_anchor_click,
    record_event_touches,
    record_touch,
    touch_from_ref,
)

__all__ = [
    "Offer",
    "add_product",
    "adopt_visitor_touches",
    "answer_invitation",
    "attribute_orders",
    "cancel_commissions",
    "change_term",
    "check_eligible",
    "check_offer",
    "claw_back_commission",
    "create_targeted_plan",
    "decide_membership",
    "end_plan",
    "invite",
    "join_for_product",
    "join_plan",
    "leave_plan",
    "open_plan",
    "pay_out",
    "record_anchor_click",
    "record_event_touches",
    "record_touch",
    "release_payable",
    "remove_product",
    "send_due_notices",
    "touch_from_ref",
]
