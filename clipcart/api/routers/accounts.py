from ninja import Field, Router, Status

from clipcart.accounts import services
from clipcart.api.auth import bearer
from clipcart.api.routers.privacy import IsoDay
from clipcart.api.schemas import ErrorOut, MeOut, RegisterIn, TokenIn, TokenOut, UserOut
from clipcart.catalog import selectors as catalog_selectors

router = Router(tags=["accounts"])


class RegisterWithBirthDateIn(RegisterIn):
    # Optional, so clients written against API.md's {username, email, password} keep working.
    birth_date: IsoDay | None = Field(
        None,
        description="YYYY-MM-DD. Under 13 is refused (too_young); under 18 gets no "
        "personalization or profiling-based ads. Left out, the account counts as an adult's.",
    )


@router.post("/auth/register", response={201: UserOut, 409: ErrorOut, 422: ErrorOut})
def register(request, payload: RegisterWithBirthDateIn):
    user = services.register_user(
        username=payload.username,
        email=payload.email,
        password=payload.password,
        birth_date=payload.birth_date,
    )
    return Status(201, {"id": user.pk, "username": user.username})


@router.post("/auth/token", response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def create_token(request, payload: TokenIn):
    user = services.check_login(request, username=payload.username, password=payload.password)
    return {"token": services.issue_api_token(user=user)}


@router.get("/me", response=MeOut, auth=bearer)
def me(request):
    user = request.auth
    shops = [{"id": s.pk, "name": s.name} for s in catalog_selectors.shops_of(user)]
    return {"id": user.pk, "username": user.username, "roles": user.roles, "shops": shops}
