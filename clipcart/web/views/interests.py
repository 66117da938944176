"""The interest profile page (/settings/interests/): what the For You ranker thinks the viewer
likes, with Remove / Undo, a reset with a confirm step, and "Your data": download it as JSON and
erase it (confirmed, then a receipt with counts).

Works for signed-in people and anonymous visitors alike: whose profile it is comes from the
request only (the account, else the browser session), so another person's is unreachable.
The rules live in clipcart.feed.interests; these views parse, call it, and render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clipcart.feed import interests
from clipcart.feed import selectors as feed_selectors
from clipcart.feed.selectors import Viewer

from .support import session_key, shows_domain_errors

ROW = "web/settings/interests_row.html"
KIND_TITLES = (("hashtag", "Hashtags"), ("creator", "Creators"), ("category", "Categories"))


def _viewer(request: HttpRequest) -> Viewer:
    # The session is made on the first visit, as on the feed: an anonymous visitor's profile is
    # that of their browser session.
    return Viewer(
        user=request.user,
        session_key=session_key(request, create=True),
        session_choice=request.session.get(feed_selectors.SESSION_CHOICE_KEY),
    )


@require_safe
@shows_domain_errors
def interests_page(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    page = interests.interest_profile(actor=viewer.actor)
    context = {
        "page": page,
        "lists": [(kind, title, page.of(kind)) for kind, title in KIND_TITLES],
        "privacy": viewer.privacy,
        "summary": interests.data_summary(viewer=viewer),
    }
    return render(request, "web/settings/interests.html", context)


def _edited(request: HttpRequest, *, kind: str, key: int, message: str) -> HttpResponse:
    """htmx: the row in its new state (removed with Undo, or back); else back to the page."""
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, message)
        return redirect("web:interests")
    page = interests.interest_profile(actor=_viewer(request).actor)
    context = {
        "kind": kind,
        "key": key,
        "removed": next((r for r in page.removed if (r.kind, r.id) == (kind, key)), None),
        "item": next((i for i in page.of(kind) if i.id == key), None),
        "name": interests.name_of(kind=kind, key=key),
        "place": "removed" if request.POST.get("place") == "removed" else "list",
    }
    return render(request, ROW, context)


@require_POST
@shows_domain_errors
def remove(request: HttpRequest) -> HttpResponse:
    kind, key = interests.check_interest(kind=request.POST.get("kind"), key=request.POST.get("id"))
    interests.remove_interest(actor=_viewer(request).actor, kind=kind, key=key)
    return _edited(request, kind=kind, key=key, message="Removed. It no longer shapes your feed.")


@require_POST
@shows_domain_errors
def restore(request: HttpRequest) -> HttpResponse:
    kind, key = interests.check_interest(kind=request.POST.get("kind"), key=request.POST.get("id"))
    interests.restore_interest(actor=_viewer(request).actor, kind=kind, key=key)
    return _edited(request, kind=kind, key=key, message="Restored.")


@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def reset(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST resets."""
    viewer = _viewer(request)
    if request.method != "POST":
        page = interests.interest_profile(actor=viewer.actor)
        return render(request, "web/settings/interests_reset.html", {"page": page})
    interests.reset_interests(actor=viewer.actor)
    messages.success(
        request,
        "Your interests are reset: nothing you watched before now shapes your feed. What you"
        " removed stays removed.",
    )
    return redirect("web:interests")


@require_safe
def export(request: HttpRequest) -> StreamingHttpResponse:
    # The visitor always has an actor here (the session is made if needed): nothing to refuse.
    data = interests.export_behavioural_data(viewer=_viewer(request))
    response = StreamingHttpResponse(interests.export_json(data), content_type="application/json")
    name = f"clipcart-my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@shows_domain_errors
def erase(request: HttpRequest) -> HttpResponse:
    """GET explains and asks; POST erases only with the confirm box ticked, then says what was
    erased, with counts."""
    viewer = _viewer(request)
    context = {
        "kept": interests.KEPT_AFTER_ERASURE,
        "summary": interests.data_summary(viewer=viewer),
    }
    if request.method != "POST":
        return render(request, "web/settings/interests_erase.html", context)
    if request.POST.get("confirm") != "yes":
        context["error"] = "Tick the box to confirm: erasing cannot be undone."
        return render(request, "web/settings/interests_erase.html", context, status=422)
    receipt = interests.erase_behavioural_data(viewer=viewer)
    messages.success(request, _receipt_text(receipt))
    return redirect("web:interests")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _receipt_text(receipt: interests.ErasureReceipt) -> str:
    parts = [f"{_plural(receipt.events, 'event')} of your viewing history"]
    if receipt.removed_interests:
        parts.append(_plural(receipt.removed_interests, "removed interest"))
    if receipt.resets:
        parts.append("your reset")
    erased = " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
    return f"Erased {erased}. Your likes and follows are kept."
