"""/api/v1/me/interests and /api/v1/me/data: the interest profile and data rights through the
API, for a bearer token, a signed-in page session and an anonymous visitor's session."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from clipcart.feed.foryou.profile import viewer_profile
from clipcart.feed.models import Event, InterestRemoval
from tests.conftest import ApiClient

from . import test_interests as shared
from .test_interests import enjoy, tag, watch

# The shared fixtures, by name (the booktok video needs books; cleantok, its cleaner).
books, booktok, cleaner, cleantok = shared.books, shared.booktok, shared.cleaner, shared.cleantok
_empty_redis_history = shared._empty_redis_history  # autouse here too
_empty_redis_history = shared._empty_redis_history  # autouse here too

pytestmark = pytest.mark.django_db


def streamed_json(answer) -> dict:
    return json.loads(b"".join(answer.streaming_content))


def visitor() -> Client:
    """An anonymous browser with a session, made by its first page view as on the site."""
    client = Client()
    assert client.get("/settings/interests/").status_code == 200
    return client


def visitor_actor(client: Client) -> str:
    return f"s:{client.session.session_key}"


# --- See ----------------------------------------------------------------------------------------


def test_the_profile_lists_what_the_ranker_thinks_the_caller_likes(shopper_api, shopper, booktok):
    enjoy(booktok, user=shopper)

    answer = shopper_api.get("/me/interests")

    assert answer.status_code == 200
    body = answer.json()
    assert [(i["id"], i["name"], i["strength"]) for i in body["hashtags"]] == [
        (tag("booktok"), "booktok", 100)
    ]
    assert [i["name"] for i in body["creators"]] == ["creator"]
    assert [i["name"] for i in body["categories"]] == ["Books"]
    assert body["removed"] == []
    assert body["reset_at"] is None
    ranker = viewer_profile(f"u:{shopper.pk}")
    assert body["hashtags"][0]["affinity"] == pytest.approx(ranker.hashtags[tag("booktok")])


def test_the_profile_says_whether_the_feed_uses_it(shopper_api, shopper):
    assert shopper_api.get("/me/interests").json()["used_for_feed"] is False

    shopper.personalization = True
    shopper.save()

    assert shopper_api.get("/me/interests").json()["used_for_feed"] is True


def test_nobody_known_gets_401(api):
    answer = api.get("/me/interests")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "not_authenticated"
    assert api.get("/me/data").status_code == 401
    assert api.post("/me/data/erase", {"confirm": True}).status_code == 401


def test_a_bad_token_is_401_not_a_visitor():
    answer = Client().get("/api/v1/me/interests", headers={"Authorization": "Bearer nope"})

    assert answer.status_code == 401


# --- Remove, restore, reset ---------------------------------------------------------------------


def test_deleting_an_interest_removes_it_from_the_ranking_at_once(shopper_api, shopper, booktok):
    enjoy(booktok, user=shopper)
    actor = f"u:{shopper.pk}"
    assert tag("booktok") in viewer_profile(actor).hashtags

    answer = shopper_api.delete(f"/me/interests/hashtag/{tag('booktok')}")

    assert answer.status_code == 204
    assert tag("booktok") not in viewer_profile(actor).hashtags
    body = shopper_api.get("/me/interests").json()
    assert body["hashtags"] == []
    assert [(r["kind"], r["id"], r["name"]) for r in body["removed"]] == [
        ("hashtag", tag("booktok"), "booktok")
    ]
    assert shopper_api.delete(f"/me/interests/hashtag/{tag('booktok')}").status_code == 204


def test_restoring_brings_it_back(shopper_api, shopper, booktok):
    enjoy(booktok, user=shopper)
    shopper_api.delete(f"/me/interests/creator/{booktok.creator_id}")

    answer = shopper_api.post(f"/me/interests/creator/{booktok.creator_id}/restore")

    assert answer.status_code == 204
    assert [i["name"] for i in shopper_api.get("/me/interests").json()["creators"]] == ["creator"]


def test_reset_empties_the_profile_and_keeps_removals(shopper_api, shopper, booktok, cleantok):
    enjoy(booktok, user=shopper)
    enjoy(cleantok, user=shopper)
    shopper_api.delete(f"/me/interests/hashtag/{tag('cleantok')}")

    answer = shopper_api.post("/me/interests/reset")

    assert answer.status_code == 204
    body = shopper_api.get("/me/interests").json()
    assert body["hashtags"] == body["creators"] == body["categories"] == []
    assert body["reset_at"] is not None
    assert [r["name"] for r in body["removed"]] == ["cleantok"]
    assert viewer_profile(f"u:{shopper.pk}").empty


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/me/interests/hashtags/1", "kind"),
        ("/me/interests/video/1", "kind"),
        ("/me/interests/hashtag/abc", "id"),
        ("/me/interests/hashtag/-1", "id"),
        ("/me/interests/hashtag/0", "id"),
        ("/me/interests/hashtag/1.5", "id"),
        (f"/me/interests/hashtag/{2**63}", "id"),
        ("/me/interests/hashtag/" + "9" * 400, "id"),
    ],
)
def test_bad_kinds_and_ids_are_422_and_change_nothing(shopper_api, booktok, path, field):
    answer = shopper_api.delete(path)

    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "invalid",
        "message": answer.json()["error"]["message"],
        "field": field,
    }
    assert shopper_api.post(f"{path}/restore").status_code == 422
    assert not InterestRemoval.objects.exists()


@pytest.mark.parametrize("kind", ["hashtag", "creator", "category"])
def test_an_id_that_names_nothing_is_404(shopper_api, kind):
    answer = shopper_api.delete(f"/me/interests/{kind}/{2**63 - 1}")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "interest_not_found"


def test_another_person_cannot_be_targeted(shopper_api, shopper, stranger, booktok):
    enjoy(booktok, user=stranger)
    stranger_actor = f"u:{stranger.pk}"

    shopper_api.delete(f"/me/interests/hashtag/{tag('booktok')}?actor={stranger_actor}")
    shopper_api.post(f"/me/interests/reset?actor={stranger_actor}&user_id={stranger.pk}")
    shopper_api.post("/me/data/erase", {"confirm": True, "actor": stranger_actor})

    assert tag("booktok") in viewer_profile(stranger_actor).hashtags
    assert not InterestRemoval.objects.filter(actor=stranger_actor).exists()
    assert Event.objects.filter(user=stranger).count() == 3
    assert InterestRemoval.objects.filter(actor=f"u:{shopper.pk}").count() == 0  # erased


# --- Download -----------------------------------------------------------------------------------


def test_the_download_holds_every_event_of_the_caller_and_none_of_anothers(
    shopper_api, shopper, stranger, booktok, cleantok
):
    enjoy(booktok, user=shopper)
    watch(cleantok, "impression", "complete", user=shopper)
    enjoy(cleantok, user=stranger)

    answer = shopper_api.get("/me/data")

    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    data = streamed_json(answer)
    mine = set(Event.objects.filter(user=shopper).values_list("id", flat=True))
    assert {e["id"] for e in data["events"]} == mine
    assert len(data["events"]) == 5
    assert {e["source"] for e in data["events"]} == {"account"}
    assert data["format"] == "clipcart.behavioural-data"
    assert data["account"] == {"user_id": shopper.pk, "signed_in": True}
    assert [i["name"] for i in data["interest_profile"]["hashtags"]] == ["booktok", "cleantok"]


# --- Erase --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, {}, {"confirm": False}, {"confirm": "yes"}, {"confirm": 1}])
def test_erasing_without_an_explicit_confirm_is_422_and_erases_nothing(
    shopper_api, shopper, booktok, body
):
    enjoy(booktok, user=shopper)

    answer = shopper_api.post("/me/data/erase", body)

    assert answer.status_code == 422
    assert Event.objects.filter(user=shopper).count() == 3


def test_erasing_answers_with_a_receipt(shopper_api, shopper, booktok, cleantok):
    enjoy(booktok, user=shopper)
    shopper_api.delete(f"/me/interests/hashtag/{tag('booktok')}")
    shopper_api.post("/me/interests/reset")

    answer = shopper_api.post("/me/data/erase", {"confirm": True})

    assert answer.status_code == 200
    receipt = answer.json()
    assert (receipt["events"], receipt["removed_interests"], receipt["resets"]) == (3, 1, 1)
    assert any("likes and follows" in line for line in receipt["kept"])
    assert shopper_api.get("/me/interests").json()["removed"] == []
    assert streamed_json(shopper_api.get("/me/data"))["events"] == []


# --- A page session and an anonymous visitor ----------------------------------------------------


def test_an_anonymous_visitor_manages_their_own_profile(
    booktok, django_capture_on_commit_callbacks
):
    browser = visitor()
    now = timezone.now().isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            "/api/v1/events",
            {
                "events": [
                    {"id": uuid.uuid4().hex, "type": t, "ts": now, "video_id": booktok.pk}
                    for t in ("complete", "like")
                ]
            },
            content_type="application/json",
        )

    body = browser.get("/api/v1/me/interests").json()
    assert [i["name"] for i in body["hashtags"]] == ["booktok"]

    assert browser.delete(f"/api/v1/me/interests/hashtag/{tag('booktok')}").status_code == 204
    assert browser.get("/api/v1/me/interests").json()["hashtags"] == []
    data = streamed_json(browser.get("/api/v1/me/data"))
    assert data["account"] == {"user_id": None, "signed_in": False}
    assert {e["source"] for e in data["events"]} == {"browser_session"}
    assert visitor_actor(browser)[2:] not in json.dumps(data)  # the session key is not written

    answer = browser.post(
        "/api/v1/me/data/erase", {"confirm": True}, content_type="application/json"
    )
    assert answer.json()["events"] == 2
    assert not Event.objects.filter(actor=visitor_actor(browser)).exists()


def test_a_session_write_without_the_csrf_token_is_refused(shopper, booktok):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)

    refused = browser.delete(f"/api/v1/me/interests/hashtag/{tag('booktok')}")
    erase = browser.post(
        "/api/v1/me/data/erase", {"confirm": True}, content_type="application/json"
    )

    assert refused.status_code == erase.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    assert not InterestRemoval.objects.exists()
    browser.get("/settings/interests/")  # sets the CSRF cookie, as the page would
    token = browser.cookies["csrftoken"].value
    allowed = browser.delete(
        f"/api/v1/me/interests/hashtag/{tag('booktok')}", headers={"X-CSRFToken": token}
    )
    assert allowed.status_code == 204


def test_a_bearer_token_needs_no_csrf_token(shopper, booktok):
    client = ApiClient(shopper)
    client.client = Client(enforce_csrf_checks=True)

    assert client.delete(f"/me/interests/hashtag/{tag('booktok')}").status_code == 204
