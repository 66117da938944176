from celery import shared_task

from . import processing


@shared_task(name="media.process_video_post")
def process_video_post(post_id: int) -> None:
    processing.process_video_post(post_id=post_id)


@shared_task(name="media.process_photo_post")
def process_photo_post(post_id: int) -> None:
    processing.process_photo_post(post_id=post_id)


@shared_task(name="media.retry_stuck_posts")
def retry_stuck_posts() -> int:
    return processing.retry_stuck_posts()
