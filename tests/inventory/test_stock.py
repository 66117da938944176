import uuid
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from clipcart.core.errors import OutOfStock
from clipcart.inventory import services
from clipcart.inventory.models import Reservation, Stock
from clipcart.inventory.selectors import available_quantity
from clipcart.inventory.tasks import release_expired_reservations

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant_id(product):
    return product.variants.get().pk


def later(minutes=15):
    return timezone.now() + timedelta(minutes=minutes)


def test_stock_spreads_evenly_over_buckets(variant_id):
    services.set_stock(variant_id=variant_id, quantity=10, buckets=4)
    assert list(Stock.objects.filter(variant_id=variant_id).values_list("quantity", flat=True)) == [
        3,
        3,
        2,
        2,
    ]
    services.set_stock(variant_id=variant_id, quantity=5, buckets=1)
    assert available_quantity(variant_id) == 5


def test_the_database_refuses_negative_stock(variant_id):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(variant_id=variant_id).update(quantity=-1)


def test_a_take_larger_than_any_bucket_spans_buckets(variant_id):
    services.set_stock(variant_id=variant_id, quantity=8, buckets=4)
    hold = services.reserve(takes=[services.Take(variant_id, 7)], expires_at=later())
    assert sum(Reservation.objects.filter(hold=hold).values_list("quantity", flat=True)) == 7
    assert available_quantity(variant_id) == 1


def test_reserving_more_than_exists_takes_nothing(variant_id, other_product):
    other = other_product.variants.get().pk
    with pytest.raises(OutOfStock):
        services.reserve(
            takes=[services.Take(other, 1), services.Take(variant_id, 11)], expires_at=later()
        )
    assert (available_quantity(variant_id), available_quantity(other)) == (10, 5)
    assert not Reservation.objects.exists()


def test_a_hold_is_released_once_however_often_it_is_released(variant_id):
    hold = services.reserve(takes=[services.Take(variant_id, 4)], expires_at=later())
    assert services.release(hold=hold) == 4
    assert services.release(hold=hold) == 0
    assert available_quantity(variant_id) == 10


def test_expired_reservations_are_released_by_the_periodic_task(variant_id):
    expired = services.reserve(takes=[services.Take(variant_id, 3)], expires_at=later(-1))
    live = services.reserve(takes=[services.Take(variant_id, 2)], expires_at=later(15))
    assert release_expired_reservations.delay().get() == 1
    statuses = dict(Reservation.objects.values_list("hold", "status"))
    assert statuses == {expired: "released", live: "held"}
    assert available_quantity(variant_id) == 8


def test_allocating_an_already_released_hold_fails(variant_id):
    hold = services.reserve(takes=[services.Take(variant_id, 1)], expires_at=later())
    services.release(hold=hold)
    assert services.allocate(hold=hold) is False
    assert services.allocate(hold=uuid.uuid4()) is False
