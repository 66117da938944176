"""The /api/v1 application: routers, and the one place errors become HTTP answers."""

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from clipcart.core.errors import DomainError

from .routers import (
    accounts,
    affiliate_seller,
    catalog,
    collabs,
    creators,
    discounts,
    earnings,
    fulfillment,
    interests,
    ledger,
    orders,
    postbacks,
    privacy,
    ranking_policy,
    returns,
    samples,
    shipments,
    shopping,
    social,
    stripe,
)

api = NinjaAPI(
    title="Clipcart API",
    version="1.0.0",
    description="The public API of Clipcart. Money is a decimal string next to a currency; "
    'errors are {"error": {"code", "message", "field"}}.',
    urls_namespace="api",
)
api.add_router("", accounts.router)
api.add_router("", catalog.router)
api.add_router("", shopping.router)
api.add_router("", orders.router)
api.add_router("", social.router)
api.add_router("", creators.router)
api.add_router("", discounts.router)
api.add_router("", affiliate_seller.router)
api.add_router("", collabs.router)
api.add_router("", earnings.router)
api.add_router("", samples.router)
api.add_router("", postbacks.router)
api.add_router("", fulfillment.router)
api.add_router("", shipments.router)
api.add_router("", returns.router)
api.add_router("", ledger.router)
api.add_router("", stripe.router)
api.add_router("", privacy.router)
api.add_router("", interests.router)
api.add_router("", ranking_policy.router)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
):
    return api.create_response(
        request, {"error": {"code": code, "message": message, "field": field}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, exc.status, exc.code, exc.message, exc.field)


_NOT_FIELDS = {"body", "query", "path", "payload", "header", "str", "int", "float", "bool"}


def _field_of(location: tuple) -> str | None:
    # ninja locates errors as ("body", "payload", "variants", 0, "price", "str"): keep the field
    # path, drop list indexes and the type tags pydantic adds for union members.
    parts = [
        str(p)
        for p in location
        if not isinstance(p, int) and p not in _NOT_FIELDS and "[" not in str(p)
    ]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    message = first.get("msg", "Invalid input.")
    return error_response(request, 422, "invalid", message, _field_of(tuple(first.get("loc", ()))))


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(request, 401, "not_authenticated", "Send a valid bearer token.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", "Not found.")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return error_response(request, 413, "payload_too_large", "The request body is too large.")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = {400: "bad_request", 413: "payload_too_large", 429: "rate_limited"}.get(
        exc.status_code, "error"
    )
    return error_response(request, exc.status_code, code, str(exc))
