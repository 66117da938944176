from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person. Everyone can shop; creator and seller-staff roles are added on top.

    Seller staff is granted when the person creates or joins a shop; operators are Django staff.
    """

    email = models.EmailField(unique=True)
    is_creator = models.BooleanField(default=False)
    is_seller_staff = models.BooleanField(default=False)
    display_name = models.CharField(max_length=60, blank=True)
    bio = models.CharField(max_length=300, blank=True)
    # Carried by links this person shares (?ref=...); made the first time they share.
    ref_code = models.CharField(max_length=16, null=True, blank=True, unique=True)
    # Personalization of the feed is a choice: None until the person has answered the one-time
    # question, and nothing behavioural shapes their feed until they say yes.
    personalization = models.BooleanField(null=True, blank=True)
    personalization_answered_at = models.DateTimeField(null=True, blank=True)
    # Under-18 accounts get no ranking or ads based on profiling, whatever they choose.
    birth_date = models.DateField(null=True, blank=True)
    # ISO 3166 country whose popular videos a non-personalized feed shows ("" = the instance's).
    region = models.CharField(max_length=2, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    @property
    def handle(self) -> str:
        """The public name in `/@handle`: the username, which is unique and URL-safe."""
        return self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def roles(self) -> list[str]:
        roles = ["shopper"]
        if self.is_creator:
            roles.append("creator")
        if self.is_seller_staff:
            roles.append("seller")
        if self.is_staff:
            roles.append("operator")
        return roles


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored: a database leak yields no usable token."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="api")
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise a token.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following")
    creator = models.ForeignKey(User, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "creator"], name="follow_once"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("creator")), name="no_self_follow"
            ),
        ]
        indexes = [models.Index(fields=["creator", "-id"], name="followers_of")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.creator_id}"


class Notification(models.Model):
    """Something a person should know: a rate cut coming, a sample approved, an order cancelled.
    Shown at /notifications with an unread count in the header."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
