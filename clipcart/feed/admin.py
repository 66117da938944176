from django.contrib import admin

from .models import CreatorDay, CreatorStats, Event, HashtagDay, PostStats


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by ingestion and the roll-up: editing them by hand would make the counters
    disagree with the event log they are traced to."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "actor", "video_id", "product_id", "watch_ms", "ts", "rolled_up")
    list_filter = ("type", "rolled_up")
    search_fields = ("actor", "client_id")
    date_hierarchy = "ts"


@admin.register(PostStats)
class PostStatsAdmin(ReadOnlyAdmin):
    list_display = (
        "post",
        "views",
        "completions",
        "watch_ms",
        "shares",
        "anchor_clicks",
        "add_to_carts",
        "purchases",
        "not_interested",
        "updated_at",
    )
    search_fields = ("post__caption",)


@admin.register(CreatorStats)
class CreatorStatsAdmin(ReadOnlyAdmin):
    list_display = ("creator", "views", "updated_at")
    search_fields = ("creator__username",)


@admin.register(HashtagDay)
class HashtagDayAdmin(ReadOnlyAdmin):
    list_display = ("hashtag", "day", "views")
    search_fields = ("hashtag__name",)
    date_hierarchy = "day"


@admin.register(CreatorDay)
class CreatorDayAdmin(ReadOnlyAdmin):
    list_display = ("creator", "day", "views")
    search_fields = ("creator__username",)
    date_hierarchy = "day"
