"""The HTTP plumbing of every request: requests refused before the database when they carry NUL
bytes; unsafe requests atomic (unless their view manages its own transactions); the
Permissions-Policy header; ETags that the per-response CSRF mask does not change; webhooks
answered before the session, login and page middleware they do not use. Login and the current
business are ``calendar_app.tenancy.middleware``'s."""

import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpRequest, JsonResponse
from django.middleware.http import ConditionalGetMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import quote_etag
from django.utils.crypto import salted_hmac
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calendar_app.validation import has_nul

NUL_MESSAGE = "The address or the form contains a NUL character; remove it."
JSON_API_PREFIX = "/api/"
WEBHOOK_PREFIX = "/webhooks/"


def webhook_view(view):
    """The view of a webhook URL (under ``WEBHOOK_PREFIX``): a machine's POST, authenticated by
    what it carries (a signature, a key), never by a session. POST only, CSRF-exempt, no login,
    no request transaction (its one INSERT commits by itself, and a database that is down must
    reach the view, which answers 503, rather than fail the BEGIN before it); marked for
    ``WebhookMiddleware``. The view reads nothing but its raw body and headers."""
    view = csrf_exempt(login_not_required(require_POST(view)))
    view = transaction.non_atomic_requests(view)
    view.answered_as_webhook = True
    return view


class WebhookMiddleware:
    """A view marked ``webhook_view`` is called from here, after the security headers
    (Security, CSP, Permissions-Policy) and before everything else.

    The rest of the stack does nothing for such a view (no session, user, CSRF token, request
    transaction, login, messages, htmx, business, NUL-checked form or login lockout), yet cost
    the web process about 0.2 ms per request, on the URL that Wix and Magicline post every
    change to. ``ALLOWED_HOSTS`` is checked as ``CommonMiddleware`` checks it for every other
    request. Any other path, including every other path under ``WEBHOOK_PREFIX``, takes the
    whole stack.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path_info.startswith(WEBHOOK_PREFIX):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return self.get_response(request)
            if getattr(match.func, "answered_as_webhook", False):
                request.get_host()  # an unknown Host is a 400 (DisallowedHost)
                request.resolver_match = match
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """A NUL byte in the path, the query string or a form field is a 400 with a message.

    PostgreSQL text cannot hold NUL, so such a value would fail deep in a query (a 500) or, worse,
    after a first write. No legitimate id, search or form value contains one, so one check here
    covers every URL, including those added later; the JSON API gets the refusal in its
    contract's ErrorResponse shape.

    It reads the body once, before any middleware or view parses it: Django then parses a form
    from that copy, so a view may still read ``request.body`` after ``request.POST`` was read
    (the webhooks and the JSON API read the raw body of any post, multipart forms included).
    The dashboard takes no file uploads, so a body is never larger than Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (a larger one is a 400).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.body  # noqa: B018 (read for its side effect: the body is kept)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, _view_args, _view_kwargs):
        if _carries_nul(request):
            if request.path.startswith(JSON_API_PREFIX):  # the contract's ErrorResponse shape
                return JsonResponse(
                    {"errorMessage": NUL_MESSAGE, "errorCode": "BAD_REQUEST"}, status=400
                )
            template = "bad_request.html#message" if request.htmx else "bad_request.html"
            return render(
                request,
                template,
                {"message": NUL_MESSAGE},
                status=400,
            )
        return None


def _carries_nul(request: HttpRequest) -> bool:
    if has_nul(request.path):
        return True
    data = [request.GET]
    if request.method == "POST":
        data.append(request.POST)
    return any(
        has_nul(key) or any(has_nul(value) for value in values)
        for query in data
        for key, values in query.lists()
    )


class AtomicUnsafeRequestsMiddleware:
    """A POST (or other unsafe request) commits all of its writes or none.

    Like ``ATOMIC_REQUESTS``, but only for unsafe methods (pages that only read need no
    transaction), and it also rolls back when the answer is a 500 that a view produced after a
    first write: nothing half-written is left behind. Rejections (4xx) write nothing by design;
    a failed login must keep its failure count, which django-axes stores in this request.

    A view marked with Django's ``transaction.non_atomic_requests`` opts out, as it does of
    ``ATOMIC_REQUESTS``: the Wix webhook writes one row with one statement, and the BEGIN and
    COMMIT around it would be two more round trips on the busiest URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE") or _manages_transactions(request):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


def _manages_transactions(request: HttpRequest) -> bool:
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return False
    return DEFAULT_DB_ALIAS in getattr(view, "_non_atomic_requests", ())


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every answer (Django's SecurityMiddleware sets none)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# Where pages carry the CSRF token: form fields ({% csrf_token %}) and the body's hx-headers.
CSRF_TOKEN_IN_PAGE = re.compile(
    rb'(name="csrfmiddlewaretoken" value="|&quot;X-CSRFToken&quot;: &quot;|"X-CSRFToken": ")'
    rb"[A-Za-z0-9]{64}"
)


class CsrfNeutralConditionalGetMiddleware(ConditionalGetMiddleware):
    """Django's conditional GET, with an ETag that a repeated page keeps.

    Every response masks the CSRF token anew (so a compressed page leaks nothing of it, the
    BREACH defence), which made every page's body, and so Django's ETag, differ on every
    request: no 304 ever. Here the ETag is an HMAC over the body with the masked tokens left
    out and the CSRF secret itself put in: the same page for the same secret answers 304, and
    the copy the browser kept still carries a token that unmasks to that secret, so its forms
    keep working. After the secret changes (a new login), the ETag changes with it.
    """

    def process_response(self, request, response):
        if (
            request.method == "GET"
            and not response.streaming
            and response.content
            and self.needs_etag(response)
            and not response.has_header("ETag")
        ):
            body = CSRF_TOKEN_IN_PAGE.sub(rb"\1", response.content)
            secret = request.META.get("CSRF_COOKIE", "")
            digest = salted_hmac(
                "calendar_app.middleware.etag", body + secret.encode(), algorithm="sha256"
            )
            response.headers["ETag"] = quote_etag(digest.hexdigest())
        return super().process_response(request, response)
