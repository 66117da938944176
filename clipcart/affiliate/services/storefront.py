"""Writes of what a creator shows and shares: the storefront at /@handle (at most 50 products,
in the creator's order) and share links that carry their ref code."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from clipcart.accounts import services as account_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import Conflict, InvalidInput, NotFound

from ..models import StorefrontItem

MAX_ITEMS = 50


def _listed_product_id(product_id: object) -> int:
    """The id of a product shoppers can see (active, in a shop that is not suspended)."""
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise InvalidInput("product_id must be an integer.", field="product_id")
    if not catalog_selectors.taggable_products([product_id]):
        raise NotFound("No such product.", code="product_not_found")
    return product_id


def _check_position(position: object) -> int | None:
    if position is None:
        return None
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise InvalidInput("position must be a whole number, 0 for the first.", field="position")
    return position


def place_item(*, creator, product_id: object, position: object = None) -> StorefrontItem:
    """Adds a product to the storefront, or moves it if it is there already: at `position`
    (0 is first), or at the end. Any listed product may go in, earning on it or not."""
    product_id = _listed_product_id(product_id)
    wanted = _check_position(position)
    try:
        with transaction.atomic():
            items = list(StorefrontItem.objects.filter(creator=creator).order_by("position", "pk"))
            item = next((i for i in items if i.product_id == product_id), None)
            if item is None:
                # Two adds racing past the cap could make 51; harmless, and the next add says no.
                if len(items) >= MAX_ITEMS:
                    raise Conflict(
                        f"A storefront holds at most {MAX_ITEMS} products; remove one first.",
                        code="storefront_full",
                        field="product_id",
                    )
                item = StorefrontItem.objects.create(
                    creator=creator, product_id=product_id, position=len(items)
                )
            else:
                items.remove(item)
            at = len(items) if wanted is None else min(wanted, len(items))
            items.insert(at, item)
            _renumber(items)
    except IntegrityError:  # the same product added twice at once: it is in, once
        item = StorefrontItem.objects.get(creator=creator, product_id=product_id)
    return item


def _renumber(items: list[StorefrontItem]) -> None:
    changed = []
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            changed.append(item)
    StorefrontItem.objects.bulk_update(changed, ["position"])


def remove_item(*, creator, product_id: int) -> None:
    with transaction.atomic():
        removed, _ = StorefrontItem.objects.filter(creator=creator, product_id=product_id).delete()
        if not removed:
            raise NotFound("This product is not in your storefront.", code="not_in_storefront")
        _renumber(list(StorefrontItem.objects.filter(creator=creator).order_by("position", "pk")))


@dataclass(frozen=True)
class ShareLink:
    path: str  # "/p/12/?ref=AB12CD34"
    ref: str


def share_link(*, user, product_id: int) -> ShareLink:
    """A link to a listed product carrying the user's ref code (made on first use). Visits
    through it are touches for the products the user earns commission on."""
    product_id = _listed_product_id(product_id)
    ref = account_services.ensure_ref_code(user=user)
    return ShareLink(path=f"/p/{product_id}/?ref={ref}", ref=ref)


def share_code(*, user) -> str:
    """The user's ref code, for pages that show many share links at once."""
    return account_services.ensure_ref_code(user=user)
