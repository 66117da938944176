"""The event log that the feed page reports, and the counters rolled up from it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Event(models.Model):
    class Type(models.TextChoices):
        IMPRESSION = "impression"
        VIEW_PROGRESS = "view_progress"
        COMPLETE = "complete"
        LIKE = "like"
        SHARE = "share"
        FOLLOW = "follow"
        ANCHOR_CLICK = "anchor_click"
        ADD_TO_CART = "add_to_cart"
        PURCHASE = "purchase"
        NOT_INTERESTED = "not_interested"

    # "u:<user id>" or "s:<session key>": whose client made `client_id`. Ids are unique per
    # actor, so a retried batch is stored once and nobody can collide with another's ids.
    actor = models.CharField(max_length=80)
    client_id = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    type = models.CharField(max_length=16, choices=Type.choices)
    ts = models.DateTimeField(help_text="When it happened on the client (clamped to the past).")
    received_at = models.DateTimeField(default=timezone.now)
    # Plain ids, not foreign keys: a batch about a video deleted a second ago is still stored,
    # and ingestion pays no constraint lookups. The roll-up joins what still exists.
    video_id = models.BigIntegerField(null=True, blank=True)
    product_id = models.BigIntegerField(null=True, blank=True)
    watch_ms = models.PositiveIntegerField(null=True, blank=True)
    rolled_up = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "client_id"], name="event_id_once_per_actor")
        ]
        indexes = [
            models.Index(fields=["actor", "type", "ts"], name="event_actor_history"),
            models.Index(fields=["id"], condition=Q(rolled_up=False), name="event_to_roll_up"),
        ]

    def __str__(self) -> str:
        return f"{self.type} by {self.actor} at {self.ts:%Y-%m-%d %H:%M}"


class PostStats(models.Model):
    """Counters of one post, exact as of the last roll-up."""

    post = models.OneToOneField(
        "media.Post", primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )
    views = models.PositiveBigIntegerField(default=0)
    completions = models.PositiveBigIntegerField(default=0)
    watch_ms = models.PositiveBigIntegerField(default=0)
    shares = models.PositiveBigIntegerField(default=0)
    anchor_clicks = models.PositiveBigIntegerField(default=0)
    add_to_carts = models.PositiveBigIntegerField(default=0)
    purchases = models.PositiveBigIntegerField(default=0)
    not_interested = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "post stats"

    def __str__(self) -> str:
        return f"Stats of post {self.post_id}"


class CreatorStats(models.Model):
    creator = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="creator_stats",
    )
    views = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "creator stats"

    def __str__(self) -> str:
        return f"Stats of creator {self.creator_id}"


class HashtagDay(models.Model):
    """Views of a hashtag's posts on one UTC day: totals and 7-day growth are sums of these."""

    hashtag = models.ForeignKey("media.Hashtag", on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["hashtag", "day"], name="one_row_per_tag_day")
        ]

    def __str__(self) -> str:
        return f"{self.hashtag_id} on {self.day}: {self.views}"


class CreatorDay(models.Model):
    """Views of a creator's posts on one UTC day, counted by the same roll-up as CreatorStats:
    the earnings studio's daily views and their period totals are sums of these rows."""

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="view_days"
    )
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "day"], name="one_row_per_creator_day")
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} on {self.day}: {self.views}"
