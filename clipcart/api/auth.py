from ninja.security import HttpBearer

from clipcart.accounts import services as account_services


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; the user is at `request.auth` and `request.user`."""

    def authenticate(self, request, token: str):
        user = account_services.user_for_token(token)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()
