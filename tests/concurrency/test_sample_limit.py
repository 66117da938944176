"""Samples under concurrency: approvals racing for the last units of an offer give away exactly
the limit, and one request approved from many tabs at once is approved once. Real threads, real
PostgreSQL row locks."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from clipcart.accounts.models import Notification
from clipcart.affiliate.models import SampleRequest
from clipcart.affiliate.services import samples
from clipcart.core.errors import Conflict
from tests.affiliate.test_samples import ask, make_offer
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 16


def _approve(seller, request_id: int) -> str:
    try:
        samples.decide_request(user=seller, request_id=request_id, approve=True)
        return "approved"
    except Conflict as error:
        return error.code
    finally:
        connection.close()


def test_the_last_samples_are_approved_exactly_once_under_concurrent_approvals(seller, shop):
    offer = make_offer(seller, shop, limit=3)
    requests = [ask(UserFactory(), offer) for _ in range(THREADS * 2)]

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda r: _approve(seller, r.pk), requests))

    assert outcomes.count("approved") == 3
    assert outcomes.count("samples_exhausted") == len(requests) - 3
    assert SampleRequest.objects.filter(offer=offer, status="approved").count() == 3
    assert Notification.objects.filter(kind="sample_decided").count() == 3


def test_one_request_approved_from_many_tabs_at_once_is_approved_once(seller, shop, creator):
    offer = make_offer(seller, shop, limit=THREADS)
    request = ask(creator, offer)

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(lambda _: _approve(seller, request.pk), range(THREADS)))

    assert outcomes.count("approved") == 1
    assert outcomes.count("already_decided") == THREADS - 1
    assert Notification.objects.filter(user=creator, kind="sample_decided").count() == 1
