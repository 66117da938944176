from ninja import Router, Status

from clipcart.accounts import services
from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut, MeOut, RegisterIn, TokenIn, TokenOut, UserOut
from clipcart.catalog import selectors as catalog_selectors

router = Router(tags=["accounts"])


@router.post("/auth/register", response={201: UserOut, 409: ErrorOut, 422: ErrorOut})
def register(request, payload: RegisterIn):
    user = services.register_user(
        username=payload.username, email=payload.email, password=payload.password
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
