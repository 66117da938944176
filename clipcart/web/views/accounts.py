"""Signing in, registering and signing out. The anonymous cart follows the visitor in."""

from __future__ import annotations

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.affiliate import services as affiliate_services
from clipcart.checkout import services as checkout_services
from clipcart.feed.selectors import SESSION_CHOICE_KEY
from clipcart.web.forms import LoginForm, RegisterForm

from .support import safe_next


def _sign_in(request: HttpRequest, user) -> None:
    anonymous_key = request.session.session_key  # login() cycles the key: read it first
    auth.login(request, user)
    if anonymous_key:
        checkout_services.merge_session_cart(session_key=anonymous_key, user=user)
        affiliate_services.adopt_visitor_touches(session_key=anonymous_key, user=user)


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, reverse("web:home"))
    form = LoginForm(request.POST) if request.method == "POST" else LoginForm()
    if request.method == "POST" and form.submit(
        lambda data: account_services.check_login(
            request, username=data["username"], password=data["password"]
        )
    ):
        _sign_in(request, form.result)
        return redirect(next_url)
    context = {"form": form, "next": next_url}
    return render(request, "web/accounts/login.html", context, status=form.status)


def register(request: HttpRequest) -> HttpResponse:
    """A new account asks for a date of birth (under-18 accounts get no profiling). An answer
    to "personalize your feed?" given before signing up is kept, so it is not asked twice."""
    next_url = safe_next(request, reverse("web:home"))
    form = RegisterForm(request.POST) if request.method == "POST" else RegisterForm()
    answered = request.session.get(SESSION_CHOICE_KEY)
    if request.method == "POST" and form.submit(
        lambda data: account_services.register_user(**data, personalization=answered)
    ):
        _sign_in(request, form.result)
        messages.success(request, f"Welcome to Clipcart, {form.result.username}!")
        return redirect(next_url)
    context = {"form": form, "next": next_url}
    return render(request, "web/accounts/register.html", context, status=form.status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return redirect("web:home")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first; opening the page reads them."""
    page = account_selectors.notifications_of(
        user=request.user, cursor=request.GET.get("cursor") or None
    )
    response = render(request, "web/accounts/notifications.html", {"page": page})
    account_services.mark_notifications_read(user=request.user)
    return response
