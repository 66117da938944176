from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm

from clipcart.core.errors import InvalidInput

from . import services
from .models import ApiToken, Follow, Notification, User


class UserChangeForm(BaseUserChangeForm):
    """Support may correct a birth date (users cannot once it is set) or a region; both go
    through the same checks as the settings page."""

    def clean_birth_date(self):
        birth_date = self.cleaned_data.get("birth_date")
        if birth_date is not None:
            try:
                services.check_birth_date(birth_date)
            except InvalidInput as error:
                raise forms.ValidationError(error.message) from None
        return birth_date

    def clean_region(self) -> str:
        try:
            return services.check_region(self.cleaned_data.get("region") or "")
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    list_display = ("username", "email", "is_creator", "is_seller_staff", "is_staff", "date_joined")
    list_filter = ("is_creator", "is_seller_staff", "is_staff", "is_active", "personalization")
    search_fields = ("username", "email", "first_name", "last_name")
    # The personalization choice is the person's own consent: the admin shows it, only they
    # change it (on the settings page or through the API).
    readonly_fields = ("personalization", "personalization_answered_at")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Clipcart roles", {"fields": ("is_creator", "is_seller_staff")}),
        ("Creator profile", {"fields": ("display_name", "bio", "ref_code")}),
        (
            "Feed privacy",
            {
                "fields": (
                    "personalization",
                    "personalization_answered_at",
                    "birth_date",
                    "region",
                ),
                "description": "Under-18 accounts (by birth date) get no personalized feed or "
                "ads. An account without a birth date counts as an adult's. Region: a "
                "two-letter country code; empty means the instance's default region.",
            },
        ),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "user__username", "name")
    raw_id_fields = ("user",)
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "creator", "created_at")
    search_fields = ("follower__username", "creator__username")
    raw_id_fields = ("follower", "creator")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "message", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "message")
    raw_id_fields = ("user",)
