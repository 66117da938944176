from django.contrib import admin
from django.utils import timezone

from .models import Anchor, Comment, CommentReport, Hashtag, Like, Post, PostHashtag, PostImage
from .services import live_set_changed


class AnchorInline(admin.TabularInline):
    model = Anchor
    extra = 0
    raw_id_fields = ("product",)
    fields = (
        "position",
        "product",
        "external_url",
        "external_title",
        "start_ms",
        "end_ms",
        "earns_commission",
    )


class PostImageInline(admin.TabularInline):
    model = PostImage
    extra = 0
    fields = ("position", "original", "image", "width", "height")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "creator",
        "kind",
        "status",
        "is_paid_partnership",
        "like_count",
        "comment_count",
        "published_at",
        "removed_at",
    )
    list_filter = ("status", "kind", "is_paid_partnership")
    search_fields = ("caption", "creator__username", "hashtags__name")
    list_select_related = ("creator",)
    raw_id_fields = ("creator",)
    readonly_fields = ("like_count", "comment_count", "failure_reason")
    date_hierarchy = "created_at"
    inlines = [AnchorInline, PostImageInline]
    actions = ["take_down", "restore"]

    @admin.action(description="Take down selected posts (kept for appeals)")
    def take_down(self, request, queryset):
        queryset.update(removed_at=timezone.now())
        live_set_changed()

    @admin.action(description="Restore selected posts")
    def restore(self, request, queryset):
        queryset.update(removed_at=None)
        live_set_changed()


@admin.register(Hashtag)
class HashtagAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "post", "author", "body", "report_count", "is_hidden", "created_at")
    list_filter = ("is_hidden",)
    search_fields = ("body", "author__username")
    list_select_related = ("author",)
    raw_id_fields = ("post", "author")
    actions = ["hide", "unhide"]

    @admin.action(description="Hide selected comments")
    def hide(self, request, queryset):
        queryset.update(is_hidden=True)

    @admin.action(description="Show selected comments again (reviewed, not abusive)")
    def unhide(self, request, queryset):
        queryset.update(is_hidden=False)


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ("id", "comment", "reporter", "reason", "created_at")
    list_filter = ("reason",)
    search_fields = ("comment__body", "reporter__username")
    raw_id_fields = ("comment", "reporter")


@admin.register(Like)
class LikeAdmin(admin.ModelAdmin):
    list_display = ("id", "post", "user", "created_at")
    search_fields = ("user__username",)
    raw_id_fields = ("post", "user")


@admin.register(Anchor)
class AnchorAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "post",
        "product",
        "external_url",
        "start_ms",
        "end_ms",
        "earns_commission",
    )
    list_filter = ("earns_commission",)
    search_fields = ("product__title", "external_url", "external_title")
    raw_id_fields = ("post", "product")


@admin.register(PostImage)
class PostImageAdmin(admin.ModelAdmin):
    list_display = ("id", "post", "position", "width", "height")
    search_fields = ("post__caption",)
    raw_id_fields = ("post",)


@admin.register(PostHashtag)
class PostHashtagAdmin(admin.ModelAdmin):
    list_display = ("id", "post", "hashtag")
    search_fields = ("hashtag__name",)
    raw_id_fields = ("post", "hashtag")
