"""The JSON API's door: the facility's ``X-API-KEY``, the methods a path takes, and every error
in the contract's ErrorResponse shape (§1.8).

No session and no CSRF: a request is the key's facility or a 401. ``HEAD`` on any path only
checks the key (§1.3). A key is looked up by its sha256, so the secret is never compared byte by
byte (no timing leak) nor stored.
"""

import hashlib
import secrets
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bookings.mapping import ContractError
from bookings.models import ApiKey
from calendar_app.models import Business

KEY_PREFIX = "dk_"

Handler = Callable[..., HttpResponse]


class ApiError(Exception):
    """An answer other than 2xx: its status and a sentence for the person reading it."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, reference: str | None = None
    ):
        self.status = status
        self.code = code
        self.reference = reference
        super().__init__(message)


def new_key() -> str:
    """A fresh secret key (shown once; only its hash is kept)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def key_business(raw_key: str) -> Business | None:
    """The facility of an active key, or None."""
    found = (
        ApiKey.objects.filter(key_hash=key_hash(raw_key), revoked_date__isnull=True)
        .select_related("business")
        .first()
    )
    return found.business if found else None


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    reference: str | None = None,
    headers: dict | None = None,
) -> JsonResponse:
    """The contract's ErrorResponse: ``errorMessage`` always, ``errorCode``/``reference`` if any."""
    body = {"errorMessage": message}
    if code:
        body["errorCode"] = code
    if reference:
        body["reference"] = reference
    return JsonResponse(body, status=status, headers=headers)


def api_route(**handlers: Handler) -> Handler:
    """One API path: ``get=``/``post=``/``delete=`` handlers called as ``handler(request,
    business, **url_kwargs)`` once the key is checked; errors become ErrorResponses."""
    accepted = sorted(method.upper() for method in handlers)

    @csrf_exempt
    @login_not_required
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        raw_key = request.headers.get("X-API-KEY", "")
        if not raw_key:
            return error_response(
                401, "Send your facility's API key in the X-API-KEY header.", code="UNAUTHORIZED"
            )
        business = key_business(raw_key)
        if business is None:
            return error_response(
                401, "This API key is not valid or has been revoked.", code="UNAUTHORIZED"
            )
        if request.method == "HEAD":
            return HttpResponse(status=200)
        handler = handlers.get(request.method.lower())
        if handler is None:
            return error_response(
                405,
                f"{request.method} is not allowed here; use {' or '.join(accepted)}.",
                code="METHOD_NOT_ALLOWED",
                headers={"Allow": ", ".join([*accepted, "HEAD"])},
            )
        try:
            return handler(request, business, **kwargs)
        except ContractError as error:
            return error_response(400, str(error), code="BAD_REQUEST", reference=error.reference)
        except ApiError as error:
            return error_response(
                error.status, str(error), code=error.code, reference=error.reference
            )

    return view
