from celery import shared_task

from . import services


@shared_task(name="fulfillment.sweep_dispatch_deadlines")
def sweep_dispatch_deadlines() -> dict[str, int]:
    """Marks orders late past their ships-by day and cancels those past the dispatch deadline."""
    return services.sweep_dispatch_deadlines()


@shared_task(name="fulfillment.notify_waitlists")
def notify_waitlists() -> int:
    """Tells waiting shoppers about products that can be bought again (each entry once)."""
    return services.notify_waitlists()


@shared_task(name="fulfillment.check_surge")
def check_surge(shop_id: int) -> bool:
    return services.check_surge(shop_id=shop_id) is not None
