"""The carriers Clipcart knows and the shape of their tracking numbers.

A known carrier's number must have its format, so a typo is caught when the seller ships rather
than when the buyer finds the tracking page empty. Carriers Clipcart does not know ("other")
take a free-text name and the generic pattern. The formats are the carriers' published ones,
without check digits: test and legacy numbers often fail them, and a carrier rejects a wrong
number on its own side anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clipcart.core.errors import InvalidInput, NotFound

OTHER = "other"
GENERIC_TRACKING = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Carrier:
    slug: str
    name: str
    formats: tuple[re.Pattern[str], ...]
    format_hint: str  # completes "Tracking number must be …"
    tracking_url: str = ""  # "{number}" is replaced
    aliases: tuple[str, ...] = ()

    def accepts(self, number: str) -> bool:
        return any(pattern.fullmatch(number) for pattern in self.formats)

    def url_for(self, number: str) -> str:
        return self.tracking_url.format(number=number) if self.tracking_url else ""


def _formats(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


# UPU S10 international numbers: two letters, eight digits, a check digit, the country.
_S10 = r"[A-Z]{2}\d{9}"

CARRIERS: dict[str, Carrier] = {
    c.slug: c
    for c in (
        Carrier(
            "ups",
            "UPS",
            _formats(r"1Z[0-9A-Z]{16}"),
            "1Z followed by 16 letters or digits for UPS",
            "https://www.ups.com/track?tracknum={number}",
        ),
        Carrier(
            "usps",
            "USPS",
            _formats(r"\d{20,22}", _S10 + "US"),
            "20 to 22 digits, or like EA123456789US, for USPS",
            "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        ),
        Carrier(
            "fedex",
            "FedEx",
            _formats(r"\d{12}", r"\d{15}", r"\d{20}"),
            "12, 15 or 20 digits for FedEx",
            "https://www.fedex.com/fedextrack/?trknbr={number}",
            aliases=("fedexground", "fedexexpress"),
        ),
        Carrier(
            "dhl",
            "DHL Express",
            _formats(r"\d{10}"),
            "10 digits for DHL Express",
            "https://www.dhl.com/en/express/tracking.html?AWB={number}",
        ),
        Carrier(
            "ontrac",
            "OnTrac",
            _formats(r"[CD]\d{14}"),
            "C or D followed by 14 digits for OnTrac",
            "https://www.ontrac.com/tracking/?number={number}",
        ),
        Carrier(
            "amazon",
            "Amazon Logistics",
            _formats(r"TBA\d{12}"),
            "TBA followed by 12 digits for Amazon Logistics",
            aliases=("amzl",),
        ),
        Carrier(
            "canada-post",
            "Canada Post",
            _formats(r"\d{16}", _S10 + "CA"),
            "16 digits, or like EA123456789CA, for Canada Post",
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
        ),
        Carrier(
            "royal-mail",
            "Royal Mail",
            _formats(_S10 + "GB"),
            "like AB123456789GB for Royal Mail",
            "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        ),
    )
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


_BY_KEY: dict[str, Carrier] = {}
for _carrier in CARRIERS.values():
    for _name in (_carrier.slug, _carrier.name, *_carrier.aliases):
        _BY_KEY[_key(_name)] = _carrier


def choices() -> list[tuple[str, str]]:
    """(slug, name) of every known carrier, then "other", for selects and model choices."""
    return [(c.slug, c.name) for c in CARRIERS.values()] + [(OTHER, "Other")]


def known(text: str) -> Carrier | None:
    """The known carrier a seller's text names ("UPS", "ups", "DHL", "Royal Mail"), if any."""
    return _BY_KEY.get(_key(text or ""))


def by_slug(slug: str) -> Carrier:
    """The known carrier with this exact slug (webhook paths); anything else is not found."""
    carrier = CARRIERS.get(slug)
    if carrier is None:
        raise NotFound("No such carrier.", code="unknown_carrier", field="carrier")
    return carrier


def normalize_number(raw: object) -> str:
    return _WHITESPACE.sub("", str(raw or "")).upper()


@dataclass(frozen=True)
class Tracking:
    """A checked carrier and number: `slug` is a known carrier's or "other"."""

    slug: str
    name: str
    number: str

    @property
    def url(self) -> str:
        carrier = CARRIERS.get(self.slug)
        return carrier.url_for(self.number) if carrier else ""


def _other_name(raw: object) -> str:
    name = " ".join(str(raw or "").split())
    if not 2 <= len(name) <= 40:
        raise InvalidInput(
            "Name the carrier in 2 to 40 characters.", code="invalid_carrier", field="carrier_name"
        )
    return name


def check_tracking(
    *, carrier: object, tracking_number: object, carrier_name: object = ""
) -> Tracking:
    """Checks what a seller typed. `carrier` is a known carrier's slug or name, or "other" with
    `carrier_name`; any other text of 2–40 characters is taken as the name of an other carrier
    (the fixed API's `{carrier, tracking_number}` sends names such as "UPS"). Numbers are
    normalized (spaces removed, upper case) before their format is checked."""
    text = " ".join(str(carrier or "").split())
    number = normalize_number(tracking_number)
    match = known(text)
    if match is not None:
        if not match.accepts(number):
            raise InvalidInput(
                f"Tracking number must be {match.format_hint}.",
                code="invalid_tracking_number",
                field="tracking_number",
            )
        return Tracking(slug=match.slug, name=match.name, number=number)
    if _key(text) == OTHER:
        name = _other_name(carrier_name)
    else:
        if not 2 <= len(text) <= 40:
            raise InvalidInput(
                "Carrier must be 2 to 40 characters.", code="invalid_carrier", field="carrier"
            )
        name = text
    if not GENERIC_TRACKING.fullmatch(number):
        raise InvalidInput(
            "Tracking number must be 4 to 40 letters, digits or dashes.",
            code="invalid_tracking_number",
            field="tracking_number",
        )
    return Tracking(slug=OTHER, name=name, number=number)
