"""The shop's answer: approve, reject with a reason, or say nothing and be approved by the
business-day clock; an operator may overrule a rejection; the buyer may withdraw."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from clipcart.accounts.models import Notification
from clipcart.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipcart.fulfillment import clock
from clipcart.returns import services, tasks
from clipcart.returns.models import ReturnStatus

from .conftest import ask, bought, deliver

pytestmark = pytest.mark.django_db
S = ReturnStatus


def path(ret, action: str = "") -> str:
    return f"/shops/{ret.shop_id}/returns/{ret.pk}" + (f"/{action}" if action else "")


def test_the_shop_approves_and_the_buyer_is_told(seller_api, delivered, shopper):
    ret = ask(delivered)

    answer = seller_api.post(path(ret, "approve"), {})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "approved"
    assert [e["kind"] for e in answer.json()["events"]] == ["requested", "approved"]
    assert answer.json()["events"][1]["actor"] == "seller"
    assert Notification.objects.filter(user=shopper, kind="return_approved").exists()


def test_the_shop_rejects_with_a_reason_the_buyer_reads(seller_api, delivered, shopper):
    ret = ask(delivered)

    assert seller_api.post(path(ret, "reject"), {"reason": ""}).status_code == 422
    answer = seller_api.post(path(ret, "reject"), {"reason": "Worn and washed"})

    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["rejection_reason"]) == (
        "rejected",
        "Worn and washed",
    )
    note = Notification.objects.get(user=shopper, kind="return_rejected")
    assert "Worn and washed" in note.message
    assert not ret.lines.filter(is_open=True).exists()  # the line can be returned again


def test_an_answered_return_cannot_be_answered_again(seller_api, delivered):
    ret = ask(delivered)
    seller_api.post(path(ret, "approve"), {})

    answer = seller_api.post(path(ret, "reject"), {"reason": "Changed our mind"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "invalid_return_status"


def test_a_seller_of_another_shop_gets_404_for_the_return(other_seller_api, other_shop, delivered):
    ret = ask(delivered)
    own_shop_path = f"/shops/{other_shop.pk}/returns/{ret.pk}"

    assert other_seller_api.get(own_shop_path).status_code == 404
    for action in ("approve", "reject", "receive", "refund"):
        answer = other_seller_api.post(
            f"{own_shop_path}/{action}", {"reason": "Not ours", "key": "k"}
        )
        assert answer.status_code == 404, action
    assert other_seller_api.get(f"/shops/{other_shop.pk}/returns").json()["items"] == []
    ret.refresh_from_db()
    assert ret.status == S.REQUESTED


def test_another_shops_return_list_is_forbidden(other_seller_api, delivered):
    ret = ask(delivered)
    assert other_seller_api.get(f"/shops/{ret.shop_id}/returns").status_code == 403
    assert other_seller_api.post(path(ret, "approve"), {}).status_code == 403


def test_services_refuse_another_shops_staff(other_seller, other_shop, delivered):
    ret = ask(delivered)
    with pytest.raises(NotFound):
        services.approve_return(user=other_seller, shop_id=other_shop.pk, return_id=ret.pk)
    with pytest.raises(PermissionDenied):
        services.approve_return(user=other_seller, shop_id=ret.shop_id, return_id=ret.pk)


def test_the_shop_lists_its_returns_by_status(seller_api, shop, delivered):
    ask(delivered)
    listed = seller_api.get(f"/shops/{shop.pk}/returns?status=requested").json()
    assert [r["status"] for r in listed["items"]] == ["requested"]
    assert seller_api.get(f"/shops/{shop.pk}/returns?status=approved").json()["items"] == []
    assert seller_api.get(f"/shops/{shop.pk}/returns?status=lost").status_code == 422


# --- The clock answers when the shop does not -------------------------------------------------


def _at(day: str, hour: int) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def us_calendar(monkeypatch):
    """The shop works US business days (public holidays from the holidays package)."""
    calendar = clock.ShopCalendar(time_zone="UTC", country="US")
    monkeypatch.setattr(clock, "shop_calendar", lambda *, shop_id: calendar)


def _request_on(at: datetime, shopper, product):
    with time_machine.travel(at, tick=False):
        order = deliver(bought(shopper, product).pk)
        return ask(order)


def test_unanswered_returns_are_approved_after_two_business_days_across_a_weekend(
    us_calendar, shopper, seller, product
):
    ret = _request_on(_at("2025-03-07", 15), shopper, product)  # a Friday

    assert ret.answer_due.isoformat() == "2025-03-11"  # Tuesday: Monday and Tuesday count
    with time_machine.travel(_at("2025-03-11", 23), tick=False):
        assert tasks.auto_approve_overdue() == 0
    with time_machine.travel(_at("2025-03-12", 0).replace(minute=5), tick=False):
        assert tasks.auto_approve_overdue() == 1
        assert tasks.auto_approve_overdue() == 0  # once

    ret.refresh_from_db()
    assert (ret.status, ret.auto_approved) == (S.APPROVED, True)
    event = ret.events.last()
    assert (event.kind, event.actor) == ("auto_approved", None)
    assert Notification.objects.filter(user=shopper, kind="return_approved").exists()
    assert Notification.objects.filter(user=seller, kind="return_auto_approved").exists()


def test_a_public_holiday_gives_the_shop_another_day(us_calendar, shopper, product):
    ret = _request_on(_at("2025-01-17", 15), shopper, product)  # Friday before MLK Day

    assert ret.answer_due.isoformat() == "2025-01-22"  # Tue and Wed; Monday is a holiday
    with time_machine.travel(_at("2025-01-22", 20), tick=False):
        assert services.auto_approve_overdue() == 0
    with time_machine.travel(_at("2025-01-23", 9), tick=False):
        assert services.auto_approve_overdue() == 1


def test_an_answer_before_the_deadline_is_kept(us_calendar, shopper, seller, product):
    ret = _request_on(_at("2025-03-07", 15), shopper, product)
    with time_machine.travel(_at("2025-03-10", 9), tick=False):
        services.reject_return(
            user=seller, shop_id=ret.shop_id, return_id=ret.pk, reason="Used item"
        )
    with time_machine.travel(_at("2025-03-20", 9), tick=False):
        assert services.auto_approve_overdue() == 0
    ret.refresh_from_db()
    assert ret.status == S.REJECTED


# --- Operators and buyers ---------------------------------------------------------------------


def test_an_operator_overrules_a_rejection(operator, seller, shopper, delivered):
    ret = ask(delivered)
    services.reject_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk, reason="Worn")

    services.override_rejection(operator=operator, return_id=ret.pk, note="Photos show damage")

    ret.refresh_from_db()
    assert (ret.status, ret.closed_at) == (S.APPROVED, None)
    assert ret.lines.get().is_open
    assert ret.events.last().kind == "overridden"
    assert Notification.objects.filter(user=seller, kind="return_overridden").exists()


def test_an_override_cannot_reopen_a_line_returned_again_since(operator, seller, delivered):
    ret = ask(delivered, quantity=2)
    services.reject_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk, reason="Worn")
    ask(delivered, quantity=1)

    with pytest.raises(Conflict) as error:
        services.override_rejection(operator=operator, return_id=ret.pk)
    assert error.value.code == "return_already_open"


def test_the_admin_action_overrules_and_reports(admin_client, seller, delivered):
    ret = ask(delivered)
    services.reject_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk, reason="Worn")

    answer = admin_client.post(
        "/admin/returns/return/",
        {"action": "override_rejection", "_selected_action": [ret.pk]},
        follow=True,
    )

    assert answer.status_code == 200
    ret.refresh_from_db()
    assert ret.status == S.APPROVED
    assert admin_client.get(f"/admin/returns/return/{ret.pk}/change/").status_code == 200


def test_the_buyer_withdraws_a_return_before_sending_it(shopper_api, stranger, delivered):
    from ..conftest import ApiClient

    ret = ask(delivered)
    assert ApiClient(stranger).post(f"/returns/{ret.pk}/cancel").status_code == 404

    answer = shopper_api.post(f"/returns/{ret.pk}/cancel")

    assert answer.json()["status"] == "cancelled"
    assert shopper_api.post(f"/returns/{ret.pk}/cancel").status_code == 409


def test_a_rejection_needs_words(seller, delivered):
    ret = ask(delivered)
    with pytest.raises(InvalidInput):
        services.reject_return(user=seller, shop_id=ret.shop_id, return_id=ret.pk, reason="  ")


@pytest.mark.parametrize("model", ["return", "returnline", "returnphoto", "returnevent"])
def test_the_admin_lists_and_searches_returns(admin_client, delivered, model):
    ask(delivered)
    url = f"/admin/returns/{model}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "glow"}).status_code == 200
