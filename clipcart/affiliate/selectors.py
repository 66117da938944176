"""Reads of the affiliate app: which term pays a creator for a product, and what the plans
and marketplace hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from . import terms
from .models import Membership, Plan, PlanProduct, SampleRequest, Term


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


@dataclass(frozen=True)
class PostingRate:
    """How reliably a creator posts about samples: posted / (posted + overdue). A creator with
    no sample due yet has no rate (None), which is not the same as 0%."""

    posted: int
    overdue: int

    @property
    def due(self) -> int:
        return self.posted + self.overdue

    @property
    def rate(self) -> float | None:
        return self.posted / self.due if self.due else None


def posting_rates(
    *, creator_ids: Iterable[int], shop_id: int | None = None
) -> dict[int, PostingRate]:
    """Sample posting rate per creator, over every shop or just `shop_id`'s samples."""
    S = SampleRequest.Status
    requests = SampleRequest.objects.filter(
        creator_id__in=list(creator_ids), status__in=[S.POSTED, S.OVERDUE]
    )
    if shop_id is not None:
        requests = requests.filter(offer__shop_id=shop_id)
    counts = requests.values("creator_id").annotate(
        posted=Count("pk", filter=Q(status=S.POSTED)),
        overdue=Count("pk", filter=Q(status=S.OVERDUE)),
    )
    return {
        row["creator_id"]: PostingRate(posted=row["posted"], overdue=row["overdue"])
        for row in counts
    }
