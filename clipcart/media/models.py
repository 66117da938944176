"""Posts (short videos and photo posts), their product anchors, hashtags, likes and comments."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from clipcart.core.models import TimeStamped


def original_path(instance: "Post", filename: str) -> str:
    return f"posts/{instance.creator_id}/originals/{filename}"


def rendition_path(instance: "Post", filename: str) -> str:
    return f"posts/{instance.creator_id}/{filename}"


def photo_path(instance: "PostImage", filename: str) -> str:
    return f"posts/photos/{instance.post_id}/{filename}"


class Hashtag(models.Model):
    # Stored lower-case without the '#': "#BookTok" and "#booktok" are one tag.
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"#{self.name}"


class Post(TimeStamped):
    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        PHOTO = "photo", "Photo post"

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.VIDEO)
    caption = models.TextField(blank=True, max_length=2200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROCESSING)
    failure_reason = models.CharField(max_length=300, blank=True)
    is_paid_partnership = models.BooleanField(
        default=False, help_text="The creator was paid or given something to make this post."
    )
    # The upload exactly as received is kept; the stream and poster are made from it.
    original = models.FileField(upload_to=original_path, blank=True, max_length=300)
    stream = models.FileField(upload_to=rendition_path, blank=True, max_length=300)
    poster = models.FileField(upload_to=rendition_path, blank=True, max_length=300)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveSmallIntegerField(null=True, blank=True)
    height = models.PositiveSmallIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    hashtags = models.ManyToManyField(Hashtag, through="PostHashtag", related_name="posts")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="post_feed"),
            models.Index(fields=["creator", "-id"], name="post_by_creator"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(published_at__isnull=False),
                name="ready_post_is_published",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} by {self.creator_id}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.READY and self.removed_at is None


class PostHashtag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "hashtag"], name="one_tag_per_post")]

    def __str__(self) -> str:
        return f"{self.hashtag_id} on {self.post_id}"


class PostImage(models.Model):
    """One image of a photo post: the upload as received and a resized copy that is served."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)
    original = models.ImageField(upload_to=photo_path, max_length=300)
    image = models.ImageField(upload_to=photo_path, blank=True, max_length=300)
    width = models.PositiveSmallIntegerField(null=True, blank=True)
    height = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Image {self.position} of post {self.post_id}"


class Anchor(models.Model):
    """A product tagged in a post, shown over it between `start_ms` and `end_ms` (whole post when
    unset). Either a catalog product or a link to another store."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="anchors")
    position = models.PositiveSmallIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="anchors"
    )
    external_url = models.URLField(blank=True, max_length=500)
    external_title = models.CharField(blank=True, max_length=200)
    start_ms = models.PositiveIntegerField(null=True, blank=True)
    end_ms = models.PositiveIntegerField(null=True, blank=True)
    # True while the creator has a commission term in force for the product (affiliate keeps it
    # current as plans and memberships change); it drives the `commission` disclosure label.
    earns_commission = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(external_url=""))
                | (Q(product__isnull=True) & ~Q(external_url="")),
                name="anchor_is_product_or_link",
            ),
            models.CheckConstraint(
                condition=Q(start_ms__isnull=True)
                | Q(end_ms__isnull=True)
                | Q(start_ms__lt=models.F("end_ms")),
                name="anchor_starts_before_it_ends",
            ),
        ]

    def __str__(self) -> str:
        return f"Anchor {self.position} of post {self.post_id}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_like")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.post_id}"


class Comment(TimeStamped):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    body = models.CharField(max_length=500)
    # Hidden by moderation or automatically after enough reports, pending an operator's review.
    is_hidden = models.BooleanField(default=False)
    report_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["post", "-id"], name="comment_thread")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on post {self.post_id}"


class CommentReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        HARASSMENT = "harassment", "Harassment or hate"
        SCAM = "scam", "Scam or fraud"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_person")
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} of comment {self.comment_id}"
