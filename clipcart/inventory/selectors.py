from collections.abc import Iterable

from django.db.models import Sum

from .models import Stock


def available_quantities(variant_ids: Iterable[int]) -> dict[int, int]:
    """Sellable units per variant, in one query. Variants with no stock row have 0."""
    ids = list(variant_ids)
    totals = dict(
        Stock.objects.filter(variant_id__in=ids)
        .values("variant_id")
        .annotate(total=Sum("quantity"))
        .values_list("variant_id", "total")
    )
    return {variant_id: int(totals.get(variant_id) or 0) for variant_id in ids}


def available_quantity(variant_id: int) -> int:
    return available_quantities([variant_id])[variant_id]
