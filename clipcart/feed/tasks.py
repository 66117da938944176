from celery import shared_task

from . import services


@shared_task(name="feed.roll_up_events")
def roll_up_events() -> int:
    return services.roll_up_events()


@shared_task(name="feed.retrain_recommender")
def retrain_recommender() -> int | None:
    """Refits the For You model from the event log; returns the new model's id (None when
    there is too little to learn from)."""
    from .foryou import training

    return training.retrain()


@shared_task(name="feed.promote_explored_videos")
def promote_explored_videos() -> int:
    """Enrolls new videos in exploration and moves those with enough impressions up a pool (or
    out of exploration); returns how many changed."""
    from . import exploration

    return exploration.promote_explored_videos()
