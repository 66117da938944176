"""/settings/interests/: the interest profile page with Remove / Undo, reset with a confirm step,
and "Your data": the JSON download and erasure with a confirm step and a receipt."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from clipcart.feed.foryou.profile import viewer_profile
from clipcart.feed.models import Event, InterestRemoval, InterestReset
from tests.feed import test_interests as shared
from tests.feed.test_interests import enjoy, tag, watch

pytestmark = pytest.mark.django_db
books, booktok, cleaner, cleantok = shared.books, shared.booktok, shared.cleaner, shared.cleantok
_empty_redis_history = shared._empty_redis_history  # autouse here too
PAGE = "/settings/interests/"
HTMX = {"HX-Request": "true"}


def rows(html: str) -> list[tuple[str, str, str]]:
    """(kind, id, strength) of each interest shown with a strength bar, in page order."""
    found = re.findall(
        r'id="interest-(\w+)-(\d+)">\s*<span class="interest-name">[^<]*</span>\s*'
        r'<meter class="interest-strength" min="0" max="100" value="(\d+)"',
        html,
    )
    return [(kind, key, strength) for kind, key, strength in found]


def streamed_json(answer) -> dict:
    return json.loads(b"".join(answer.streaming_content))


def message(answer) -> str:
    return " ".join(str(m) for m in answer.context["messages"])


@pytest.fixture
def visitor() -> Client:
    client = Client()
    client.get(PAGE)  # the first visit makes the session
    return client


# --- The page -----------------------------------------------------------------------------------


def test_the_page_lists_the_rankers_interests_with_their_strength(
    shopper_client, shopper, booktok, cleantok
):
    enjoy(booktok, user=shopper)
    watch(cleantok, "impression", "complete", user=shopper)

    answer = shopper_client.get(PAGE)

    assert answer.status_code == 200
    html = answer.content.decode()
    ranker = viewer_profile(f"u:{shopper.pk}")
    weaker = round(100 * ranker.hashtags[tag("cleantok")] / ranker.hashtags[tag("booktok")])
    assert rows(html) == [
        ("hashtag", str(tag("booktok")), "100"),
        ("hashtag", str(tag("cleantok")), str(weaker)),
        ("creator", str(booktok.creator_id), "100"),
        ("creator", str(cleantok.creator_id), str(weaker)),
        ("category", str(shared_books_id()), "100"),
    ]
    assert "#booktok" in html
    assert "@sparkle" in html
    assert 'id="data"' in html
    assert 'href="/settings/interests/export.json"' in html
    assert "not erased here" in html


def shared_books_id() -> int:
    from clipcart.catalog.models import Category

    return Category.objects.get(slug="books").pk


def test_someone_without_interests_sees_how_they_come_about(shopper_client):
    html = shopper_client.get(PAGE).content.decode()

    assert "No interests yet" in html
    assert "Watch a few videos" in html
    assert rows(html) == []
    assert "Download my data (JSON)" in html


def test_with_personalization_off_the_page_says_the_profile_is_not_used(shopper_client, shopper):
    shopper.personalization = False
    shopper.save()

    html = shopper_client.get(PAGE).content.decode()

    assert "Personalization is off, so this profile is not used for your feed" in html
    assert 'href="/settings/privacy/"' in html


def test_with_personalization_on_there_is_no_such_notice(shopper_client, shopper):
    shopper.personalization = True
    shopper.save()

    html = shopper_client.get(PAGE).content.decode()

    assert "not used for your feed" not in html


def test_a_minor_is_told_their_feed_is_never_profiled(shopper_client, shopper):
    shopper.personalization = True
    shopper.birth_date = date(timezone.localdate().year - 15, 1, 1)
    shopper.save()

    html = shopper_client.get(PAGE).content.decode()

    assert "Accounts under 18 never get a feed shaped by this profile" in html


# --- Remove, undo, restore ----------------------------------------------------------------------


def test_remove_swaps_the_row_for_an_undo_and_the_ranker_drops_it(shopper_client, shopper, booktok):
    enjoy(booktok, user=shopper)

    answer = shopper_client.post(
        f"{PAGE}remove/", {"kind": "hashtag", "id": tag("booktok")}, headers=HTMX
    )

    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'class="interest-row is-removed"' in html
    assert "Undo" in html
    assert tag("booktok") not in viewer_profile(f"u:{shopper.pk}").hashtags
    page = shopper_client.get(PAGE).content.decode()
    assert ("hashtag", str(tag("booktok")), "100") not in rows(page)
    assert "Restore" in page


def test_undo_brings_the_row_back(shopper_client, shopper, booktok):
    enjoy(booktok, user=shopper)
    fields = {"kind": "hashtag", "id": tag("booktok")}
    shopper_client.post(f"{PAGE}remove/", fields, headers=HTMX)

    answer = shopper_client.post(f"{PAGE}restore/", {**fields, "place": "list"}, headers=HTMX)

    assert rows(answer.content.decode()) == [("hashtag", str(tag("booktok")), "100")]
    assert tag("booktok") in viewer_profile(f"u:{shopper.pk}").hashtags


def test_restoring_from_the_removed_list_says_so(shopper_client, shopper, booktok):
    fields = {"kind": "creator", "id": booktok.creator_id}
    shopper_client.post(f"{PAGE}remove/", fields)

    answer = shopper_client.post(f"{PAGE}restore/", {**fields, "place": "removed"}, headers=HTMX)

    assert "@creator" in answer.content.decode()
    assert "is restored" in answer.content.decode()
    assert not InterestRemoval.objects.exists()


def test_without_htmx_remove_goes_back_to_the_page_with_a_message(shopper_client, shopper, booktok):
    enjoy(booktok, user=shopper)

    answer = shopper_client.post(
        f"{PAGE}remove/", {"kind": "category", "id": shared_books_id()}, follow=True
    )

    assert answer.redirect_chain == [(PAGE, 302)]
    assert "no longer shapes your feed" in message(answer)
    assert [kind for kind, _, _ in rows(answer.content.decode())] == ["hashtag", "creator"]


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"kind": "video", "id": "1"}, 422),
        ({"kind": "hashtag", "id": "abc"}, 422),
        ({"kind": "hashtag", "id": "-4"}, 422),
        ({"kind": "hashtag", "id": str(10**40)}, 422),
        ({"kind": "hashtag"}, 422),
        ({"kind": "hashtag", "id": str(2**63 - 1)}, 404),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(shopper_client, fields, status):
    answer = shopper_client.post(f"{PAGE}remove/", fields)

    assert answer.status_code == status
    assert not InterestRemoval.objects.exists()


def test_the_edits_are_posts_only(shopper_client, booktok):
    answer = shopper_client.get(f"{PAGE}remove/?kind=hashtag&id={tag('booktok')}")

    assert answer.status_code == 405
    assert not InterestRemoval.objects.exists()


def test_a_form_without_the_csrf_token_is_refused(shopper, booktok):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)
    enjoy(booktok, user=shopper)

    removed = browser.post(f"{PAGE}remove/", {"kind": "hashtag", "id": tag("booktok")})
    reset = browser.post(f"{PAGE}reset/")
    erased = browser.post(f"{PAGE}erase/", {"confirm": "yes"})

    assert removed.status_code == reset.status_code == erased.status_code == 403
    assert not InterestRemoval.objects.exists()
    assert not InterestReset.objects.exists()
    assert Event.objects.filter(user=shopper).count() == 3


# --- Reset --------------------------------------------------------------------------------------


def test_reset_asks_first_then_empties_the_profile(shopper_client, shopper, booktok):
    enjoy(booktok, user=shopper)
    shopper_client.post(f"{PAGE}remove/", {"kind": "creator", "id": booktok.creator_id})

    confirm = shopper_client.get(f"{PAGE}reset/")
    assert "Reset all interests?" in confirm.content.decode()
    assert "stays removed" in confirm.content.decode()
    assert not InterestReset.objects.exists()

    answer = shopper_client.post(f"{PAGE}reset/", follow=True)

    assert "Your interests are reset" in message(answer)
    assert "No interests yet" in answer.content.decode()
    assert "You last reset on" in answer.content.decode()
    assert viewer_profile(f"u:{shopper.pk}").empty
    assert InterestRemoval.objects.filter(actor=f"u:{shopper.pk}").count() == 1


# --- Your data ----------------------------------------------------------------------------------


def test_the_download_is_a_json_attachment_of_the_viewers_data_only(
    shopper_client, shopper, stranger, booktok
):
    enjoy(booktok, user=shopper)
    enjoy(booktok, user=stranger)

    answer = shopper_client.get(f"{PAGE}export.json")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert answer["Content-Disposition"].startswith('attachment; filename="clipcart-my-data-')
    data = streamed_json(answer)
    assert {e["id"] for e in data["events"]} == set(
        Event.objects.filter(user=shopper).values_list("id", flat=True)
    )
    assert data["account"]["user_id"] == shopper.pk


def test_erase_asks_for_an_explicit_confirm(shopper_client, shopper, booktok):
    enjoy(booktok, user=shopper)

    page = shopper_client.get(f"{PAGE}erase/").content.decode()
    unticked = shopper_client.post(f"{PAGE}erase/", {})

    assert "(3 now)" in page
    assert 'name="confirm"' in page
    assert unticked.status_code == 422
    assert "Tick the box" in unticked.content.decode()
    assert Event.objects.filter(user=shopper).count() == 3


def test_erasing_says_what_was_erased_and_leaves_nothing(
    shopper_client, shopper, stranger, booktok
):
    enjoy(booktok, user=shopper)
    enjoy(booktok, user=stranger)
    shopper_client.post(
        f"{PAGE}remove/", {"kind": "creator", "id": booktok.creator_id}, headers=HTMX
    )
    shopper_client.post(f"{PAGE}reset/", follow=True)
    enjoy(booktok, user=shopper)

    answer = shopper_client.post(f"{PAGE}erase/", {"confirm": "yes"}, follow=True)

    assert answer.redirect_chain == [(PAGE, 302)]
    assert message(answer) == (
        "Erased 6 events of your viewing history, 1 removed interest and your reset."
        " Your likes and follows are kept."
    )
    assert "Clipcart holds 0 events" in answer.content.decode()
    assert not Event.objects.filter(user=shopper).exists()
    assert not InterestRemoval.objects.filter(actor=f"u:{shopper.pk}").exists()
    assert Event.objects.filter(user=stranger).count() == 3


# --- Anonymous visitors, and nobody else's data -------------------------------------------------


def test_an_anonymous_visitor_sees_removes_downloads_and_erases_their_own(
    visitor, shopper, booktok, django_capture_on_commit_callbacks
):
    enjoy(booktok, user=shopper)
    now = timezone.now().isoformat()
    batch = [
        {"id": uuid.uuid4().hex, "type": t, "ts": now, "video_id": booktok.pk}
        for t in ("complete", "share")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        visitor.post("/api/v1/events", {"events": batch}, content_type="application/json")

    assert ("hashtag", str(tag("booktok")), "100") in rows(visitor.get(PAGE).content.decode())
    visitor.post(f"{PAGE}remove/", {"kind": "hashtag", "id": tag("booktok")})
    assert ("hashtag", str(tag("booktok")), "100") not in rows(visitor.get(PAGE).content.decode())
    data = streamed_json(visitor.get(f"{PAGE}export.json"))
    assert len(data["events"]) == 2
    assert data["account"] == {"user_id": None, "signed_in": False}

    answer = visitor.post(f"{PAGE}erase/", {"confirm": "yes"}, follow=True)

    assert message(answer) == (
        "Erased 2 events of your viewing history and 1 removed interest."
        " Your likes and follows are kept."
    )
    assert not Event.objects.filter(actor=f"s:{visitor.session.session_key}").exists()
    assert Event.objects.filter(user=shopper).count() == 3


def test_nobody_sees_or_changes_another_persons_profile(
    stranger_client, shopper, stranger, booktok
):
    enjoy(booktok, user=shopper)

    page = stranger_client.get(PAGE).content.decode()
    stranger_client.post(
        f"{PAGE}remove/", {"kind": "hashtag", "id": tag("booktok"), "actor": f"u:{shopper.pk}"}
    )
    stranger_client.post(f"{PAGE}erase/", {"confirm": "yes", "user": shopper.pk})

    assert rows(page) == []
    assert tag("booktok") in viewer_profile(f"u:{shopper.pk}").hashtags
    assert Event.objects.filter(user=shopper).count() == 3
