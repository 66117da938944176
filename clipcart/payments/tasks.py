from celery import shared_task

from . import services


@shared_task(name="payments.process_pending_refunds")
def process_pending_refunds() -> int:
    return services.process_pending_refunds()
