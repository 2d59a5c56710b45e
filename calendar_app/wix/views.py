"""Owner settings: connect the business's calendar to a Wix site, see the backfill's progress."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from calendar_app.views.helpers import require_owner
from calendar_app.wix import selectors, services
from calendar_app.wix.backfill import BackfillError, run_backfill
from calendar_app.wix.forms import ConnectWixForm

TEMPLATE = "wix/settings.html"


@require_http_methods(["GET", "POST"])
def wix_settings(request: HttpRequest) -> HttpResponse:
    """The connection form (the API key is never shown back); saving runs the backfill."""
    require_owner(request)
    connection = selectors.connection_for(request.business)
    if request.method != "POST":
        return _page(request, ConnectWixForm(initial=selectors.form_initial(connection)))
    form = ConnectWixForm(request.POST)
    if form.is_valid():
        try:
            connection = services.connect_wix(
                actor=request.membership, business=request.business, **form.service_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            try:
                result = run_backfill(connection=connection)
            except BackfillError as error:
                messages.error(request, f"Connected, but {error}")
            else:
                messages.success(request, f"Connected to Wix. Backfill done: {result.summary()}.")
            return redirect("wix:settings")
    return _page(request, form, status=400)


def _add_errors(form: ConnectWixForm, error: ValidationError) -> None:
    """The service's errors, each on its field."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _page(request: HttpRequest, form: ConnectWixForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "connection": selectors.connection_for(request.business)}
    return render(request, TEMPLATE, context, status=status)
