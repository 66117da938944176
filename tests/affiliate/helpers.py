"""Set-ups the affiliate tests share: a plan with products, a creator in it, a shopper who
tapped the creator's anchor, and a paid order."""

from __future__ import annotations

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, Plan, PlanProduct, Touch
from clipcart.orders.models import Order

from ..factories import buy


def open_plan_with(seller, shop, products, *, rate="10", approval="auto") -> Plan:
    plan = affiliate_services.open_plan(user=seller, shop_id=shop.pk, approval=approval)
    offer = affiliate_services.Offer(
        rate=affiliate_services.check_offer(rate=rate, kind="open").rate
    )
    for product in products:
        affiliate_services.add_product(
            user=seller, plan_id=plan.pk, product_id=product.pk, offer=offer
        )
    return plan


def entry_of(plan: Plan, product) -> PlanProduct:
    return PlanProduct.objects.get(plan=plan, product=product, removed_at__isnull=True)


def anchor_click(buyer, creator, product, *, post_id: int | None = None, at=None) -> Touch:
    touch = affiliate_services.record_touch(
        actor=f"u:{buyer.pk}",
        creator_id=creator.pk,
        product_id=product.pk,
        kind=Touch.Kind.ANCHOR_CLICK,
        post_id=post_id,
        at=at,
    )
    assert touch is not None
    return touch


def buy_product(buyer, product, *, quantity: int = 1) -> Order:
    answer = buy(buyer, [product.variants.first().pk], quantity=quantity)
    return Order.objects.get(pk=answer[0]["id"])


def commission_of(order: Order) -> Commission:
    return Commission.objects.get(order=order)
