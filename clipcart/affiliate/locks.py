"""Row locks of the affiliate app, taken after the order's lock in the global order
(idempotency key → stock → order → plan product → commission), one row at a time by key."""

from .models import Commission, PlanProduct, SampleOffer


def lock_plan_product(*, plan_product_id: int) -> PlanProduct | None:
    return PlanProduct.objects.select_for_update().filter(pk=plan_product_id).first()


def lock_commission_of_line(*, line_id: int) -> Commission | None:
    return Commission.objects.select_for_update().filter(line_id=line_id).first()


def lock_commissions_of_order(*, order_id: int) -> list[Commission]:
    return list(Commission.objects.select_for_update().filter(order_id=order_id).order_by("pk"))


def lock_sample_offer(*, offer_id: int) -> SampleOffer | None:
    return SampleOffer.objects.select_for_update().filter(pk=offer_id).first()
