"""The operator's For You page: the ranking policy (outcome weights, the share of slots kept for
new videos, the shoppable cap) as a form, and how exploration of new videos is going. Staff
only (404 for anyone else, as the reconciliation). The rules live in clipcart.feed.policy,
so this page, the admin and the API accept and refuse exactly the same values."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clipcart.core.errors import InvalidInput
from clipcart.feed import exploration, policy

WEIGHT_LABELS = {"anchor_click": "Product tap", "negative": "Negative feedback"}
WEIGHT_HELP = {
    "completion": "Watched to the end (corrected for the video's length).",
    "like": "Liked.",
    "share": "Shared.",
    "follow": "Followed the creator from the video.",
    "anchor_click": "Tapped a tagged product.",
    "add_to_cart": "Added a tagged product to the cart.",
    "purchase": "Bought a tagged product.",
    "negative": "“Not interested” or a quick skip. 0 or less; large, so one is worth many likes.",
}


class RankingPolicyForm(forms.Form):
    exploration_percent = forms.IntegerField(
        label="Slots for new videos (%)",
        min_value=5,
        max_value=10,
        help_text="Share of For You slots kept for videos in exploration: 5 to 10.",
    )
    plain_min = forms.IntegerField(
        label="Videos without a hard sell", min_value=0, max_value=policy.MAX_PLAIN_WINDOW
    )
    plain_window = forms.IntegerField(
        label="… in every this many videos",
        min_value=1,
        max_value=policy.MAX_PLAIN_WINDOW,
        help_text="For example 2 of every 3: at most one shoppable video in any 3 in a row.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for outcome in policy.OUTCOMES:
            self.fields[f"w_{outcome}"] = forms.FloatField(
                label=WEIGHT_LABELS.get(outcome, outcome.replace("_", " ").capitalize()),
                min_value=-policy.MAX_ABS_WEIGHT,
                max_value=0 if outcome == "negative" else policy.MAX_ABS_WEIGHT,
                help_text=WEIGHT_HELP[outcome],
                widget=forms.NumberInput(attrs={"step": "any"}),
            )

    @classmethod
    def initial_of(cls, current: policy.Policy) -> dict:
        return {
            **{f"w_{o}": weight for o, weight in current.weights.items()},
            "exploration_percent": round(current.exploration_share * 100),
            "plain_min": current.plain_min,
            "plain_window": current.plain_window,
        }

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{outcome}"] for outcome in policy.OUTCOMES]

    def changes(self) -> dict:
        data = self.cleaned_data
        return {
            "weights": {o: data[f"w_{o}"] for o in policy.OUTCOMES},
            "exploration_share": Decimal(data["exploration_percent"]) / 100,
            "plain_min": data["plain_min"],
            "plain_window": data["plain_window"],
        }

    def refused(self, error: InvalidInput) -> None:
        """Shows the service's refusal beside the field it names."""
        name = (error.field or "").replace("weights.", "w_")
        name = "exploration_percent" if name == "exploration_share" else name
        self.add_error(name if name in self.fields else None, error.message)


@login_required
def ranking(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404("No such page.")
    form = RankingPolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy.update_policy(operator=request.user, changes=form.changes())
        except InvalidInput as error:
            form.refused(error)
        else:
            messages.success(request, "Ranking policy saved: every feed uses it within seconds.")
            return redirect("web:operator_ranking")
    row = policy.policy_row()
    if request.method != "POST":
        form = RankingPolicyForm(initial=RankingPolicyForm.initial_of(policy.policy_of(row)))
    context = {
        "form": form,
        "row": row,
        "tiers": exploration.tier_summaries(),
        "explorations": exploration.recent_explorations(),
    }
    return render(request, "web/operator/ranking.html", context, status=400 if form.errors else 200)
