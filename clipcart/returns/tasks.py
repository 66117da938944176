from celery import shared_task

from . import services


@shared_task(name="returns.auto_approve_overdue")
def auto_approve_overdue() -> int:
    """Approves the returns whose shop did not answer by the answer day (beat, every 15 min)."""
    return services.auto_approve_overdue()
