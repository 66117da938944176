from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from clipcart.demo import fulfillment as demo_fulfillment
from clipcart.fulfillment.models import ShopVacation, WaitlistEntry

from ..factories import make_product

pytestmark = pytest.mark.django_db


def test_the_demo_gives_shops_calendars_capacity_a_vacation_a_preorder_and_a_waitlist(
    shop, other_shop, shopper, stranger
):
    for title in ("Candle", "Vase", "Mug"):
        make_product(shop=shop, title=title)

    made = demo_fulfillment.seed(base=datetime.now(ZoneInfo("UTC")))

    shops = sorted([shop, other_shop], key=lambda s: s.pk)
    for s in shops:
        s.refresh_from_db()
    assert shops[0].daily_capacity == 25 and shops[0].time_zone == "America/New_York"
    assert shops[1].country == "DE" and ShopVacation.objects.filter(shop=shops[1]).exists()
    assert made["preorders"] + made["made_to_order"] >= 1
    assert WaitlistEntry.objects.count() == made["waitlist_entries"]
