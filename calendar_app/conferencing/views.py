"""The owner's conferencing settings: which schedules or services get a meeting automatically,
with which provider, and the Google credentials for Google Meet (never shown back in full).

Each automation switch answers HTMX with the page's ``automations`` partial and a plain POST
with a redirect, so it works without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from calendar_app.conferencing import selectors, services
from calendar_app.conferencing.forms import AutomationForm, GoogleCredentialsForm
from calendar_app.tenancy.access import require_owner_request
from calendar_app.views.helpers import render_page, wants_fragment

PAGE = "conferencing/settings.html"


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def conferencing_settings(request: HttpRequest) -> HttpResponse:
    """The automations and the Google credentials form (POST saves the credentials)."""
    require_owner_request(request)
    if request.method != "POST":
        return _page(request)
    form = GoogleCredentialsForm(request.POST)
    if form.is_valid():
        try:
            services.save_google_credentials(
                actor=request.membership, business=request.business, **form.cleaned_data
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "The Google credentials are saved.")
            return redirect("conferencing:settings")
    return _page(request, form, status=400)


@require_POST
@vary_on_headers("HX-Request")
def automation_save(request: HttpRequest) -> HttpResponse:
    """Switch the automation of one schedule or service, with its provider."""
    require_owner_request(request)
    form = AutomationForm(request.POST)
    if not form.is_valid():
        return _page(request, problem="Choose a schedule or service and a provider.", status=400)
    switch = form.switch(request.business)
    try:
        services.set_automation(actor=request.membership, business=request.business, **switch)
    except ValidationError as error:
        return _page(request, problem=" ".join(error.messages), status=400)
    notice = _switched(switch)
    if wants_fragment(request):
        return _page(request, notice=notice)
    messages.success(request, notice)
    return redirect("conferencing:settings")


def _switched(switch: dict) -> str:
    """The notice of a switched automation (``AutomationForm.switch``), naming its target."""
    name = switch["schedule"].name if "schedule" in switch else switch["appointment"].title
    if switch["enabled"]:
        return f"Events of “{name}” now get a meeting automatically."
    return f"Events of “{name}” no longer get a meeting automatically."


def _page(
    request: HttpRequest, form: GoogleCredentialsForm | None = None, *, status: int = 200, **extra
) -> HttpResponse:
    page = selectors.settings_page(request.business)
    if form is None:
        stored = page.credentials
        initial = {}
        if stored is not None:
            initial = {"client_id": stored.client_id, "calendar_id": stored.calendar_id}
        form = GoogleCredentialsForm(initial=initial)
    context = {"page": page, "form": form, **extra}
    return render_page(request, PAGE, context, fragment="automations", status=status)
