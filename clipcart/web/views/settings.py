"""Feed & privacy settings (issue 6, "The user's control"): whether For You is personalized,
the date of birth (set once) and the region whose popular videos a general feed shows; and the
answer to the one-time "Personalize your For You feed?" question on the feed.

A signed-in person's choice is kept on their account (every device); an anonymous visitor's
in their browser session, and their page shows only that choice. Every rule (minors, the
birth-date lock, which regions exist) is the accounts service's; these views parse, call it and
render. With htmx each panel of the page re-renders itself; without JavaScript a save reloads
the page with a message."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import reswap, trigger_client_event

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.feed.selectors import SESSION_CHOICE_KEY
from clipcart.web.forms import BirthDateForm, PersonalizationForm, RegionForm, ServiceForm

from .support import safe_next

PANELS = {
    "personalization": "web/settings/_personalization.html",
    "birth_date": "web/settings/_birth_date.html",
    "region": "web/settings/_region.html",
}
SAVED = {
    True: "Personalization is on: what you do on Clipcart now picks your For You videos.",
    False: "Personalization is off: For You shows what is popular, and nothing you do is used.",
}


def stored_choice(request: HttpRequest) -> bool | None:
    """The answer so far: the account's, or this browser session's for an anonymous visitor."""
    if request.user.is_authenticated:
        return request.user.personalization
    return request.session.get(SESSION_CHOICE_KEY)


def _store_choice(request: HttpRequest, enabled: bool) -> None:
    if request.user.is_authenticated:
        account_services.set_personalization(user=request.user, enabled=enabled)
    else:
        request.session[SESSION_CHOICE_KEY] = enabled


def _context(request: HttpRequest, **bound: ServiceForm) -> dict:
    """What the page and its panels show; `bound` are posted forms whose errors to show."""
    choice = stored_choice(request)
    privacy = account_selectors.feed_privacy(request.user, session_choice=choice)
    # Nothing is pre-selected before the person answers; a minor's choice shows off, disabled.
    initial = "off" if privacy.minor or choice is False else ("on" if choice else None)
    personalization = bound.get("personalization") or PersonalizationForm(
        initial={"personalization": initial}
    )
    personalization.fields["personalization"].disabled = privacy.minor
    default_name = account_selectors.region_name(settings.CLIPCART_REGION)
    region = bound.get("region") or RegionForm(
        initial={"region": getattr(request.user, "region", "")}, default_name=default_name
    )
    return {
        "privacy": privacy,
        "choice": choice,
        "region_name": account_selectors.region_name(privacy.region),
        "default_region_name": default_name,
        "personalization_form": personalization,
        "birth_date_form": bound.get("birth_date") or BirthDateForm(),
        "region_form": region,
    }


def _page(request: HttpRequest, *, status: int = 200, **bound: ServiceForm) -> HttpResponse:
    return render(request, "web/settings/privacy.html", _context(request, **bound), status=status)


def _answer(request: HttpRequest, name: str, form: ServiceForm, saved: str) -> HttpResponse:
    """After a panel's form: with htmx that panel again, with the message or the form's errors
    (and their status); without, a redirect to the page with the message, or the page with
    the errors."""
    if form.errors:
        if request.htmx:  # type: ignore[attr-defined]
            return render(
                request, PANELS[name], _context(request, **{name: form}), status=form.status
            )
        return _page(request, status=form.status, **{name: form})
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, PANELS[name], {**_context(request), "saved": saved})
    messages.success(request, saved)
    return redirect("web:privacy_settings")


# --- The page -----------------------------------------------------------------------------------


@require_safe
def privacy_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def personalization(request: HttpRequest) -> HttpResponse:
    form = PersonalizationForm(request.POST)
    if form.submit(lambda data: _store_choice(request, data["personalization"])):
        return _answer(
            request, "personalization", form, SAVED[form.cleaned_data["personalization"]]
        )
    return _answer(request, "personalization", form, "")


def _own_setting(form_class, name: str, service, saved: str):
    """The view saving one field of the signed-in user's own settings through its service."""

    @login_required
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        form = form_class(request.POST)
        form.submit(lambda data: service(user=request.user, **{name: data[name]}))
        return _answer(request, name, form, saved)

    return view


birth_date = _own_setting(
    BirthDateForm, "birth_date", account_services.set_birth_date, "Your date of birth is saved."
)
region = _own_setting(RegionForm, "region", account_services.set_region, "Your region is saved.")


# --- The one-time question on the feed -----------------------------------------------------------


@require_POST
def answer_prompt(request: HttpRequest) -> HttpResponse:
    """ "Personalize your For You feed?" answered on the feed: stored as on the settings page,
    then the question goes (htmx deletes it and shows a toast; the feed's next page follows the
    new setting), never to be asked again. A refusal shows inside the question."""
    form = PersonalizationForm(request.POST)
    if not form.submit(lambda data: _store_choice(request, data["personalization"])):
        if request.htmx:  # type: ignore[attr-defined]
            context = {"prompt_form": form}
            template = "web/partials/personalization_prompt.html"
            return render(request, template, context, status=form.status)
        return _page(request, status=form.status, personalization=form)
    saved = SAVED[form.cleaned_data["personalization"]]
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, saved)
        return redirect(safe_next(request, reverse("web:home")))
    return trigger_client_event(reswap(HttpResponse(""), "delete"), "feed:toast", {"value": saved})
