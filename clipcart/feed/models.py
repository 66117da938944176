"""The event log that the feed page reports, the counters rolled up from it, and the For You
recommender's state: its trained model, the operator's ranking policy, exploration of new
videos, and each viewer's edits to their interest profile."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
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
    # The viewer's region when it happened (ISO 3166 alpha-2): "popular in your region" for
    # feeds that use no behavioural data counts these, not anyone's profile.
    region = models.CharField(max_length=2, blank=True, default="")
    rolled_up = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "client_id"], name="event_id_once_per_actor")
        ]
        indexes = [
            models.Index(fields=["actor", "type", "ts"], name="event_actor_history"),
            models.Index(fields=["actor", "-ts"], name="event_actor_recent"),
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


class RegionPostDay(models.Model):
    """Views of a post by viewers of one region on one UTC day (rolled up from events): the
    non-personalized For You is "popular in your region", a sum of these rows."""

    region = models.CharField(max_length=2)
    post = models.ForeignKey("media.Post", on_delete=models.CASCADE, related_name="region_days")
    day = models.DateField()
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "post", "day"], name="one_row_per_region_post_day"
            )
        ]
        indexes = [models.Index(fields=["region", "day"], name="region_day_views")]

    def __str__(self) -> str:
        return f"{self.post_id} in {self.region} on {self.day}: {self.views}"


class RankerModel(models.Model):
    """A trained For You model (candidate sources, ranker and outcome models), pickled. Kept in
    the database so every web worker, on any machine, serves the same one. It holds item-level
    data only: no user ids and no per-user vectors, so erasing a viewer needs no retraining."""

    created_at = models.DateTimeField(default=timezone.now)
    events = models.PositiveBigIntegerField(help_text="Events it was trained on.")
    items = models.PositiveIntegerField(help_text="Videos it knows.")
    seconds = models.FloatField(help_text="How long training took.")
    summary = models.JSONField(default=dict, blank=True)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Ranker {self.pk} of {self.created_at:%Y-%m-%d %H:%M}"


class RankingPolicy(models.Model):
    """The operator's knobs for For You: one row (pk 1). Each predicted outcome is weighted and
    summed; negative feedback carries a large negative weight."""

    w_completion = models.FloatField(default=1.0)
    w_like = models.FloatField(default=2.0)
    w_share = models.FloatField(default=4.0)
    w_follow = models.FloatField(default=4.0)
    w_anchor_click = models.FloatField(default=1.5)
    w_add_to_cart = models.FloatField(default=3.0)
    w_purchase = models.FloatField(default=6.0)
    w_negative = models.FloatField(default=-8.0)
    exploration_share = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.08"),
        help_text="Share of For You slots kept for new videos in exploration (0.05–0.10).",
    )
    plain_min = models.PositiveSmallIntegerField(
        default=2, help_text="At least this many videos without a hard sell …"
    )
    plain_window = models.PositiveSmallIntegerField(
        default=3, help_text="… in every this many consecutive videos."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name_plural = "ranking policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="one_ranking_policy"),
            models.CheckConstraint(
                condition=Q(exploration_share__gte=Decimal("0.05"))
                & Q(exploration_share__lte=Decimal("0.10")),
                name="exploration_share_5_to_10_percent",
            ),
            models.CheckConstraint(
                condition=Q(w_negative__lte=0), name="negative_feedback_weighs_against"
            ),
            models.CheckConstraint(
                condition=Q(plain_window__gte=1)
                & Q(plain_window__lte=20)
                & Q(plain_min__lte=F("plain_window")),
                name="plain_min_within_window",
            ),
        ]

    def __str__(self) -> str:
        return "For You ranking policy"


class Exploration(models.Model):
    """A new video's trial: shown to a small audience whose interests match it, then promoted to
    larger pools while its observed rates beat the pool's, or let go to the ordinary ranking."""

    class Status(models.TextChoices):
        EXPLORING = "exploring"
        GRADUATED = "graduated", "Graduated (beat every pool)"
        STOPPED = "stopped", "Stopped (did not beat its pool)"

    post = models.OneToOneField(
        "media.Post", primary_key=True, on_delete=models.CASCADE, related_name="exploration"
    )
    tier = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.EXPLORING)
    # Impressions and positive outcomes (completions, likes, shares, carts) counted while in
    # exploration, the tier's share of them since it was entered.
    impressions = models.PositiveIntegerField(default=0)
    successes = models.PositiveIntegerField(default=0)
    tier_impressions = models.PositiveIntegerField(default=0)
    tier_successes = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(successes__lte=F("impressions"))
                & Q(tier_successes__lte=F("tier_impressions"))
                & Q(tier_impressions__lte=F("impressions")),
                name="exploration_counts_consistent",
            )
        ]
        indexes = [models.Index(fields=["status", "tier"], name="exploring_by_tier")]

    def __str__(self) -> str:
        return f"Exploration of {self.post_id}: tier {self.tier}, {self.status}"


class InterestRemoval(models.Model):
    """An interest the viewer removed from their profile: never inferred for them again."""

    class Kind(models.TextChoices):
        HASHTAG = "hashtag"
        CREATOR = "creator"
        CATEGORY = "category"

    actor = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    key = models.BigIntegerField(help_text="The hashtag, creator or category id.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["actor", "kind", "key"], name="remove_interest_once")
        ]

    def __str__(self) -> str:
        return f"{self.actor} removed {self.kind} {self.key}"


class InterestReset(models.Model):
    """The viewer reset their interests: nothing before `reset_at` shapes their feed."""

    actor = models.CharField(max_length=80, unique=True)
    reset_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.actor} reset at {self.reset_at:%Y-%m-%d %H:%M}"
