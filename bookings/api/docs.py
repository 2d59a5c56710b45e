"""The API's published contract: ``openapi.json`` and a page that renders it (``docs``).

Both are public, like any API reference: they describe the shapes, not a facility's data, and
every operation they describe still needs a key. The page is static HTML loading the vendored
Swagger UI (``static/vendor/swagger-ui/``) and ``static/js/api-docs.js``: no CDN and no inline
script, so the app's Content-Security-Policy holds.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bookings.api.openapi import openapi_document


@login_not_required
@require_safe
def openapi_json(request: HttpRequest) -> JsonResponse:
    """GET api/v1/openapi.json: the OpenAPI 3.1 document."""
    return JsonResponse(openapi_document(), json_dumps_params={"ensure_ascii": False})


@login_not_required
@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    """GET api/v1/docs: the document, readable."""
    return render(request, "bookings/api_docs.html")
