from celery import shared_task

from . import services


@shared_task(name="inventory.release_expired_reservations")
def release_expired_reservations() -> int:
    return services.release_expired_reservations()
