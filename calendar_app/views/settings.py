"""The settings hub: one page linking every settings section with its status in one line."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from calendar_app.tenancy import navigation
from calendar_app.tenancy.access import require_business


@require_safe
def settings_hub(request: HttpRequest) -> HttpResponse:
    """The sections the member may open (staff see fewer), each with its business's status."""
    require_business(request)
    rows = navigation.settings_statuses(request.membership)
    return render(request, "calendar_app/settings.html", {"rows": rows})
