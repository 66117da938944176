"""Likes, comments, reports, shares and follows through /api/v1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clipcart.accounts.models import Follow
from clipcart.feed.models import HashtagDay, PostStats
from clipcart.media.models import Comment, Hashtag
from tests.conftest import ApiClient
from tests.factories import UserFactory, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(creator):
    return make_post(creator=creator)


def test_a_like_counts_once_however_often_it_is_sent(shopper_api, post):
    for _ in range(3):
        answer = shopper_api.post(f"/videos/{post.pk}/like")

    assert answer.json() == {"active": True, "count": 1}
    assert shopper_api.delete(f"/videos/{post.pk}/like").json() == {"active": False, "count": 0}
    assert shopper_api.delete(f"/videos/{post.pk}/like").json() == {"active": False, "count": 0}


def test_liking_a_video_that_is_not_live_is_404(shopper_api, creator):
    hidden = make_post(creator=creator, status="processing")

    assert shopper_api.post(f"/videos/{hidden.pk}/like").status_code == 404


def test_a_comment_is_stored_as_plain_text(shopper_api, post):
    body = '<script>alert("hi")</script> <b>nice</b>'

    answer = shopper_api.post(f"/videos/{post.pk}/comments", {"body": body})

    assert answer.status_code == 201
    assert answer.json()["body"] == body  # text, not HTML: every client escapes it
    listed = shopper_api.get(f"/videos/{post.pk}/comments").json()["items"]
    assert listed[0]["body"] == body


@pytest.mark.parametrize("body", ["", "   ", "x" * 501, "\u200b\u200b"])
def test_empty_or_long_comments_are_refused(shopper_api, post, body):
    answer = shopper_api.post(f"/videos/{post.pk}/comments", {"body": body})

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "body"
    assert not Comment.objects.exists()


def test_comments_are_rate_limited_per_person(shopper_api, post):
    codes = [
        shopper_api.post(f"/videos/{post.pk}/comments", {"body": f"c{n}"}).status_code
        for n in range(12)
    ]

    assert codes[:10] == [201] * 10
    assert codes[10:] == [429, 429]
    assert Comment.objects.count() == 10


def test_three_reports_hide_a_comment(shopper_api, post):
    comment_id = shopper_api.post(f"/videos/{post.pk}/comments", {"body": "spam!"}).json()["id"]
    reporters = [ApiClient(UserFactory()) for _ in range(3)]
    for reporter in reporters:
        assert (
            reporter.post(f"/comments/{comment_id}/report", {"reason": "spam"}).status_code == 202
        )
    reporters[0].post(f"/comments/{comment_id}/report", {"reason": "spam"})  # counted once

    comment = Comment.objects.get(pk=comment_id)
    assert (comment.report_count, comment.is_hidden) == (3, True)
    assert shopper_api.get(f"/videos/{post.pk}/comments").json()["items"] == []


def test_an_unknown_report_reason_is_a_422(shopper_api, post):
    comment_id = shopper_api.post(f"/videos/{post.pk}/comments", {"body": "ok"}).json()["id"]

    answer = shopper_api.post(f"/comments/{comment_id}/report", {"reason": "dislike"})

    assert answer.status_code == 422


def test_only_the_author_or_the_creator_deletes_a_comment(shopper_api, creator, post, stranger):
    comment_id = shopper_api.post(f"/videos/{post.pk}/comments", {"body": "hm"}).json()["id"]

    assert ApiClient(stranger).delete(f"/comments/{comment_id}").status_code == 403
    assert ApiClient(creator).delete(f"/comments/{comment_id}").status_code == 204
    post.refresh_from_db()
    assert post.comment_count == 0


def test_a_share_link_carries_the_sharers_ref_code(shopper_api, post):
    first = shopper_api.post(f"/videos/{post.pk}/share").json()
    second = shopper_api.post(f"/videos/{post.pk}/share").json()

    assert first == second
    assert first["url"].endswith(f"/v/{post.pk}/?ref={first['ref']}")
    assert len(first["ref"]) == 8


def test_following_is_idempotent_and_not_of_oneself(shopper_api, shopper, creator):
    for _ in range(2):
        answer = shopper_api.post(f"/creators/{creator.username}/follow")

    assert answer.json() == {"active": True, "count": 1}
    assert Follow.objects.filter(follower=shopper).count() == 1
    assert shopper_api.post(f"/creators/{shopper.username}/follow").status_code == 422
    assert shopper_api.delete(f"/creators/{creator.username}/follow").json()["count"] == 0


def test_a_creator_profile_has_its_counts(shopper_api, creator, post):
    shopper_api.post(f"/creators/{creator.username}/follow")
    shopper_api.post(f"/videos/{post.pk}/like")

    profile = shopper_api.get(f"/creators/{creator.username}").json()

    assert profile["handle"] == creator.username
    assert (profile["followers"], profile["likes"], profile["is_following"]) == (1, 1, True)


def test_a_hashtag_has_its_total_views_and_weekly_growth(api, creator):
    post = make_post(creator=creator, caption="#booktok haul")
    PostStats.objects.create(post=post, views=250)
    tag = Hashtag.objects.get(name="booktok")
    today = datetime.now(UTC).date()
    HashtagDay.objects.create(hashtag=tag, day=today - timedelta(days=10), views=100)
    HashtagDay.objects.create(hashtag=tag, day=today, views=150)

    body = api.get("/hashtags/BookTok").json()

    assert (body["total_views"], body["views_7d"], body["views_prev_7d"]) == (250, 150, 100)
    assert body["growth"] == 0.5
    assert body["daily"][-1] == {"day": today.isoformat(), "views": 150}
    assert [v["id"] for v in body["top_videos"]] == [post.pk]
    assert api.get("/hashtags/trending").json()["items"][0]["name"] == "booktok"
    assert api.get("/hashtags/nosuchtag").status_code == 404
