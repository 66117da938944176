from celery import shared_task

from . import services


@shared_task(name="feed.roll_up_events")
def roll_up_events() -> int:
    return services.roll_up_events()
