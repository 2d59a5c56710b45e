"""The JSON API's door: the facility's ``X-API-KEY``, the methods a path takes, and every error
in the contract's ErrorResponse shape (§1.8), mapped in one place (``error_response``) from the
bookings' error taxonomy by each error's ``http_status``: an upstream outage is a 503 with
``Retry-After``, never a 500.

No session and no CSRF: a request is the key's facility or a 401. ``HEAD`` on any path only
checks the key (§1.3). A key is looked up by its sha256, so the secret is never compared byte by
byte (no timing leak) nor stored.
"""

import hashlib
import math
import secrets
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from bookings.contract import ErrorResponse
from bookings.errors import AppointmentError, BackendUnavailable, KeyRefused
from bookings.models import ApiKey
from calendar_app.tenancy.models import Business

KEY_PREFIX = "dk_"

Handler = Callable[..., HttpResponse]


class MethodRefused(AppointmentError):
    """A method the path does not take."""

    http_status = 405
    error_code = "METHOD_NOT_ALLOWED"


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


def error_response(error: AppointmentError, *, headers: dict | None = None) -> JsonResponse:
    """The contract's ErrorResponse of any refusal, with the error's status; an outage also says
    when to try again (``Retry-After``, in seconds)."""
    body = ErrorResponse(
        error_message=str(error), error_code=error.error_code, reference=error.reference or None
    )
    headers = dict(headers or {})
    if isinstance(error, BackendUnavailable):
        headers["Retry-After"] = str(math.ceil(error.retry_after))
    return JsonResponse(body.to_json(), status=error.http_status, headers=headers)


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
                KeyRefused("Send your facility's API key in the X-API-KEY header.")
            )
        business = key_business(raw_key)
        if business is None:
            return error_response(KeyRefused("This API key is not valid or has been revoked."))
        if request.method == "HEAD":
            return HttpResponse(status=200)
        handler = handlers.get(request.method.lower())
        if handler is None:
            return error_response(
                MethodRefused(
                    f"{request.method} is not allowed here; use {' or '.join(accepted)}."
                ),
                headers={"Allow": ", ".join([*accepted, "HEAD"])},
            )
        try:
            return handler(request, business, **kwargs)
        except AppointmentError as error:
            return error_response(error)

    return view
