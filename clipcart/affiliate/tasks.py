from celery import shared_task

from . import (
    sample_tasks,  # noqa: F401 (registers affiliate.sweep_samples)
    services,
)


@shared_task(name="affiliate.release_payable")
def release_payable() -> int:
    return services.release_payable()


@shared_task(name="affiliate.send_due_notices")
def send_due_notices() -> int:
    return services.send_due_notices()
