"""Feed privacy (issue 6, "The user's control"): the personalization choice, the date of birth
and the region, as the settings page shows them.

`GET /me/privacy` answers the stored choice (`personalization`: null until the one-time question
is answered) next to what the feed actually does (`personalized`, false for minors whatever they
chose). `PATCH /me/privacy` takes any of `personalization`, `birth_date`, `region` and applies
them together or not at all. Refusals: a bad value 422 with its field; `birth_date_locked` 409
(a date of birth is set once); `too_young` 422 (under 13); `minor_not_personalized` 403 (an
account under 18 turning personalization on)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from ninja import Field, Router, Schema
from pydantic import BeforeValidator, StrictBool, StrictStr

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut

router = Router(tags=["feed privacy"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _day_text(value: object) -> object:
    # A JSON date is a "YYYY-MM-DD" string; pydantic alone would also read 0 as 1970-01-01.
    if not isinstance(value, str):
        raise ValueError("Send a date as a YYYY-MM-DD string.")
    return value


IsoDay = Annotated[date, BeforeValidator(_day_text)]


class PrivacyOut(Schema):
    personalization: bool | None = Field(
        description="The person's answer: null until they answer the one-time question."
    )
    personalized: bool = Field(
        description="Whether behavioural data shapes their feed now (never for a minor)."
    )
    asked: bool = Field(description="Whether the one-time question has been answered.")
    minor: bool = Field(
        description="Under 18 by date of birth: no profiling-based ranking or ads. An account "
        "without a date of birth counts as an adult's."
    )
    birth_date: date | None = Field(description="Set once; support corrects a wrong one.")
    region: str = Field(
        description="ISO 3166-1 alpha-2 code whose popular videos For You "
        "shows when not personalized (the instance's when the user set none)."
    )
    region_name: str


class PrivacyPatchIn(Schema):
    """A field left out (or null) keeps its value: a choice, once answered, is never unset."""

    personalization: StrictBool | None = None
    birth_date: IsoDay | None = None
    region: StrictStr | None = Field(
        None,
        max_length=8,
        description='Two-letter country code; "" goes back to the instance\'s default region.',
    )


def _privacy_of(user) -> dict:
    privacy = account_selectors.feed_privacy(user)
    return {
        "personalization": user.personalization,
        "personalized": privacy.personalized,
        "asked": privacy.asked,
        "minor": privacy.minor,
        "birth_date": user.birth_date,
        "region": privacy.region,
        "region_name": account_selectors.region_name(privacy.region),
    }


@router.get("/me/privacy", response={200: PrivacyOut, **ERRORS}, auth=bearer)
def get_privacy(request):
    return _privacy_of(request.auth)


@router.patch("/me/privacy", response={200: PrivacyOut, **ERRORS}, auth=bearer)
def update_privacy(request, payload: PrivacyPatchIn):
    user = account_services.update_feed_privacy(
        user=request.auth,
        personalization=payload.personalization,
        birth_date=payload.birth_date,
        region=payload.region,
    )
    return _privacy_of(user)
