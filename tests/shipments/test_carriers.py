"""Known carriers' tracking-number formats, normalization, and free-text other carriers."""

import pytest

from clipcart.core.errors import InvalidInput, NotFound
from clipcart.orders import carriers, services


@pytest.mark.parametrize(
    ("carrier", "number", "slug", "name"),
    [
        ("UPS", "1Z999AA10123456784", "ups", "UPS"),
        ("ups", "1z 999 aa1 0123 4567 84", "ups", "UPS"),
        ("USPS", "9400111899223856928499", "usps", "USPS"),
        ("usps", "92001901755477000000", "usps", "USPS"),
        ("USPS", "EA123456789US", "usps", "USPS"),
        ("FedEx", "123456789012", "fedex", "FedEx"),
        ("fedex", "123456789012345", "fedex", "FedEx"),
        ("FedEx", "12345678901234567890", "fedex", "FedEx"),
        ("DHL", "1234567890", "dhl", "DHL Express"),
        ("DHL Express", "1234567890", "dhl", "DHL Express"),
        ("OnTrac", "D12345678901234", "ontrac", "OnTrac"),
        ("Amazon Logistics", "TBA123456789012", "amazon", "Amazon Logistics"),
        ("Canada Post", "1234567890123456", "canada-post", "Canada Post"),
        ("royal-mail", "AB123456789GB", "royal-mail", "Royal Mail"),
    ],
)
def test_a_known_carriers_number_in_its_format_is_accepted_and_normalized(
    carrier, number, slug, name
):
    tracking = carriers.check_tracking(carrier=carrier, tracking_number=number)
    assert (tracking.slug, tracking.name) == (slug, name)
    assert tracking.number == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        ("UPS", "1Z999AA1"),  # too short
        ("UPS", "2Z999AA10123456784"),
        ("USPS", "1234567890123456789"),  # 19 digits
        ("USPS", "EA123456789CA"),  # Canada Post's
        ("FedEx", "1234567890123"),  # 13 digits
        ("DHL", "JD0123456789"),
        ("DHL", "123456789"),
        ("OnTrac", "X12345678901234"),
        ("Royal Mail", "AB123456789US"),
    ],
)
def test_a_known_carriers_number_in_another_format_is_refused(carrier, number):
    with pytest.raises(InvalidInput) as error:
        carriers.check_tracking(carrier=carrier, tracking_number=number)
    assert (error.value.code, error.value.field) == ("invalid_tracking_number", "tracking_number")
    assert "Tracking number must be" in error.value.message


def test_another_carrier_takes_its_typed_name_and_the_generic_pattern():
    tracking = carriers.check_tracking(carrier="Acme  Couriers", tracking_number="ac-1234")
    assert (tracking.slug, tracking.name, tracking.number) == ("other", "Acme Couriers", "AC-1234")
    named = carriers.check_tracking(
        carrier="other", carrier_name="Local Bike Post", tracking_number="LB90001"
    )
    assert (named.slug, named.name) == ("other", "Local Bike Post")


@pytest.mark.parametrize(
    ("carrier", "name", "number", "field"),
    [
        ("other", "", "ABCD1234", "carrier_name"),
        ("other", "X", "ABCD1234", "carrier_name"),
        ("", "", "ABCD1234", "carrier"),
        ("A" * 41, "", "ABCD1234", "carrier"),
        ("Acme", "", "AB!", "tracking_number"),
        ("Acme", "", "X" * 41, "tracking_number"),
        ("Acme", "", "", "tracking_number"),
    ],
)
def test_bad_other_carriers_and_numbers_are_refused(carrier, name, number, field):
    with pytest.raises(InvalidInput) as error:
        carriers.check_tracking(carrier=carrier, carrier_name=name, tracking_number=number)
    assert error.value.field == field


def test_an_unknown_carrier_slug_is_not_found():
    with pytest.raises(NotFound) as error:
        carriers.by_slug("pony-express")
    assert error.value.code == "unknown_carrier"
    with pytest.raises(NotFound):
        carriers.by_slug("other")  # "other" carriers send no webhooks


def test_check_shipment_stays_lenient_unless_asked_to_be_strict():
    assert services.check_shipment(carrier="UPS", tracking_number="1Z 999") == ("UPS", "1Z999")
    with pytest.raises(InvalidInput):
        services.check_shipment(carrier="UPS", tracking_number="1Z999", strict=True)
    assert services.check_shipment(carrier="dhl", tracking_number="1234567890", strict=True) == (
        "DHL Express",
        "1234567890",
    )


def test_every_carrier_has_a_format_hint_and_a_unique_slug():
    slugs = [slug for slug, _ in carriers.choices()]
    assert len(slugs) == len(set(slugs)) and slugs[-1] == "other"
    assert all(c.format_hint and c.formats for c in carriers.CARRIERS.values())
