"""Answers browsers ask for on their own, whatever the page: ``/favicon.ico``."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """The app's icon (``static/favicon.svg``, linked from every page) for a browser that asks
    for ``/favicon.ico`` anyway; resolved per request, so hashed static names work too."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
