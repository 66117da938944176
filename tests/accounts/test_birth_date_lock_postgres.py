"""A date of birth is set once even when several saves race (two tabs, a retried request): one
wins, the others get birth_date_locked. Real threads, real PostgreSQL."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from clipcart.accounts import services as account_services
from clipcart.accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ATTEMPTS = 12


def test_racing_birth_dates_set_exactly_one(shopper):
    token = account_services.issue_api_token(user=shopper)
    years = [1980 + n for n in range(ATTEMPTS)]

    def save(year: int) -> tuple[int, str | None]:
        try:
            response = Client().patch(
                "/api/v1/me/privacy",
                {"birth_date": f"{year}-05-06"},
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            body = response.json()
            return response.status_code, body.get("birth_date") or body["error"]["code"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        results = list(pool.map(save, years))

    assert Counter(status for status, _ in results) == {200: 1, 409: ATTEMPTS - 1}
    (winner,) = [answer for status, answer in results if status == 200]
    assert {answer for status, answer in results if status == 409} == {"birth_date_locked"}
    assert User.objects.get(pk=shopper.pk).birth_date == date.fromisoformat(winner)
