from django import forms
from django.contrib import admin

from clipcart.core.errors import InvalidInput

from . import policy
from .models import (
    CreatorDay,
    CreatorStats,
    Event,
    Exploration,
    HashtagDay,
    InterestRemoval,
    InterestReset,
    PostStats,
    RankerModel,
    RankingPolicy,
    RegionPostDay,
)


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


@admin.register(RegionPostDay)
class RegionPostDayAdmin(ReadOnlyAdmin):
    list_display = ("region", "post", "day", "views")
    list_filter = ("region",)
    search_fields = ("post__caption",)
    date_hierarchy = "day"


class ViewerChoiceAdmin(ReadOnlyAdmin):
    """A viewer's own edits of their interest profile: theirs to make and undo, not the
    operator's (erasing the viewer's data deletes them)."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InterestRemoval)
class InterestRemovalAdmin(ViewerChoiceAdmin):
    list_display = ("actor", "kind", "key", "created_at")
    list_filter = ("kind",)
    search_fields = ("actor",)


@admin.register(InterestReset)
class InterestResetAdmin(ViewerChoiceAdmin):
    list_display = ("actor", "reset_at")
    search_fields = ("actor",)


class RankingPolicyForm(forms.ModelForm):
    """Checked by the policy service, so the admin, the API and the operator page accept and
    refuse exactly the same values."""

    class Meta:
        model = RankingPolicy
        fields = [
            *(f"w_{outcome}" for outcome in policy.OUTCOMES),
            "exploration_share",
            "plain_min",
            "plain_window",
        ]

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "weights": {o: data[f"w_{o}"] for o in policy.OUTCOMES if f"w_{o}" in data},
            **{k: data[k] for k in ("exploration_share", "plain_min", "plain_window") if k in data},
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            policy.check_changes(row=self.instance, changes=self.changes())
        except InvalidInput as error:
            name = (error.field or "").replace("weights.", "w_")
            self.add_error(name if name in self.fields else None, error.message)
        return data


@admin.register(RankingPolicy)
class RankingPolicyAdmin(admin.ModelAdmin):
    """The one policy row, which the list creates on the first visit; never added or deleted."""

    form = RankingPolicyForm
    list_display = (
        "__str__",
        *(f"w_{outcome}" for outcome in policy.OUTCOMES),
        "exploration_share",
        "plain_min",
        "plain_window",
        "updated_at",
        "updated_by",
    )
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        policy.policy_row()
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        # Through the service: it records who changed it and drops every cached copy.
        policy.update_policy(operator=request.user, changes=form.changes())


@admin.register(Exploration)
class ExplorationAdmin(admin.ModelAdmin):
    """Read-mostly: the beat task owns the counts and tiers; an operator may only end an
    exploration (or resume one) by its status."""

    list_display = (
        "post",
        "tier",
        "status",
        "impressions",
        "successes",
        "rate",
        "tier_impressions",
        "tier_successes",
        "tier_rate",
        "started_at",
    )
    list_filter = ("status", "tier")
    search_fields = ("post__caption", "post__creator__username")
    date_hierarchy = "started_at"
    list_select_related = ("post",)
    readonly_fields = (
        "post",
        "tier",
        "impressions",
        "successes",
        "tier_impressions",
        "tier_successes",
        "started_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A deleted row would re-enroll the video at tier 0 on the next beat.
        return False

    @admin.display(description="success rate")
    def rate(self, obj: Exploration) -> str:
        return f"{obj.successes / obj.impressions:.1%}" if obj.impressions else "–"

    @admin.display(description="tier rate")
    def tier_rate(self, obj: Exploration) -> str:
        return f"{obj.tier_successes / obj.tier_impressions:.1%}" if obj.tier_impressions else "–"


@admin.register(RankerModel)
class RankerModelAdmin(ReadOnlyAdmin):
    """Trained models, read-only; the pickled blob is never loaded or shown (it can be large)."""

    list_display = ("id", "created_at", "events", "items", "seconds", "summary")
    fields = ("created_at", "events", "items", "seconds", "summary")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("blob")

    def has_delete_permission(self, request, obj=None):
        return False
