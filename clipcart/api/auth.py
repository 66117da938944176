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


class BearerOrVisitor(BearerToken):
    """For reads anyone may make and for the events beacon: a bearer token when one is sent
    (an invalid one is still 401), else the page's session user, else the anonymous visitor.

    Only reads and the events beacon use it. Events need no CSRF token: the session cookie is
    SameSite=Lax, so another site cannot post them with the visitor's cookie, and an event
    changes nothing but counters."""

    def __call__(self, request):
        if request.headers.get("Authorization"):
            return super().__call__(request)
        return request.user  # a User, or AnonymousUser (truthy: the request is allowed)


bearer_or_visitor = BearerOrVisitor()


def user_of(request):
    """The signed-in user of a request authenticated by `bearer_or_visitor`, else None."""
    user = request.auth
    return user if user is not None and user.is_authenticated else None
