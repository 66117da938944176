from celery import shared_task

from . import shipments


@shared_task(name="orders.auto_confirm_deliveries")
def auto_confirm_deliveries() -> int:
    """Delivers the shipments nobody confirmed in time (beat, hourly); idempotent."""
    return shipments.auto_confirm_deliveries()
