from celery import shared_task

from . import services


@shared_task(name="catalog.make_thumbnail")
def make_thumbnail(image_id: int) -> None:
    services.make_thumbnail(image_id=image_id)


@shared_task(name="catalog.make_missing_thumbnails")
def make_missing_thumbnails() -> int:
    return services.make_missing_thumbnails()
