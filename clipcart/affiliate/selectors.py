"""Reads of the affiliate app: which term pays a creator for a product, and what the plans
and marketplace hold."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from . import terms
from .models import Membership, Plan, PlanProduct, Term


def live_entries(*, at: datetime | None = None) -> QuerySet[PlanProduct]:
    """Plan products in force at `at` (now by default)."""
    at = at or timezone.now()
    return PlanProduct.objects.filter(added_at__lte=at).filter(
        Q(removed_at__isnull=True) | Q(removed_at__gt=at)
    )


def open_plan_entry(*, product_id: int) -> PlanProduct | None:
    return (
        live_entries()
        .filter(product_id=product_id, plan__kind=Plan.Kind.OPEN, plan__ended_at__isnull=True)
        .first()
    )


def terms_for(
    *, creator_id: int, product_ids: Iterable[int], at: datetime | None = None
) -> dict[int, Term]:
    """The term in force at `at` for each product the creator earns on, keyed by product id.
    A targeted plan overrides the open plan; among plans of one kind, the latest joined wins."""
    at = at or timezone.now()
    joined: dict[int, datetime] = {
        plan_id: joined_at
        for plan_id, joined_at in Membership.objects.filter(
            creator_id=creator_id, status=Membership.Status.APPROVED, joined_at__lte=at
        ).values_list("plan_id", "joined_at")
        if joined_at is not None
    }
    if not joined:
        return {}
    entries = (
        live_entries(at=at)
        .filter(product_id__in=list(product_ids), plan_id__in=list(joined))
        .select_related("plan")
        .prefetch_related(Prefetch("terms", queryset=Term.objects.order_by("version")))
    )

    def preference(entry: PlanProduct) -> tuple:
        return (entry.plan.kind == Plan.Kind.TARGETED, joined[entry.plan_id], entry.pk)

    found: dict[int, Term] = {}
    for entry in sorted(entries, key=preference):  # the preferred entry comes last and wins
        term = terms.term_at(list(entry.terms.all()), joined_at=joined[entry.plan_id], at=at)
        if term is not None:
            found[entry.product_id] = term
    return found


def term_for(*, creator_id: int, product_id: int, at: datetime | None = None) -> Term | None:
    return terms_for(creator_id=creator_id, product_ids=[product_id], at=at).get(product_id)


def earning_product_ids(*, creator_id: int, product_ids: Iterable[int]) -> set[int]:
    """The products among `product_ids` that earn the creator commission now."""
    return set(terms_for(creator_id=creator_id, product_ids=product_ids))
