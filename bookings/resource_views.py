"""The owners' Resources page: staff, rooms and equipment with their weekly hours and dated
exceptions. Plain forms: every action is a POST and a redirect, or the page with its errors."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from bookings import selectors, services
from bookings.errors import AppointmentError
from bookings.forms import HoursOverrideForm, ResourceForm, WorkingHoursForm
from bookings.models import WorkingHours, WorkingHoursOverride
from calendar_app.models import Resource
from calendar_app.tenancy.access import require_owner_request


def _resource(request: HttpRequest, resource_id: str) -> Resource:
    """A resource of this business (owners only); any other id is a 404."""
    require_owner_request(request)
    return get_object_or_404(Resource, business=request.business, pk=resource_id)


@require_http_methods(["GET", "POST"])
def resources(request: HttpRequest) -> HttpResponse:
    """Every resource with a summary of its hours; a form adds one."""
    require_owner_request(request)
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resource = services.create_resource(
            actor=request.membership, business=request.business, **form.cleaned_data
        )
        messages.success(request, f"Added {resource.name}; now give it working hours.")
        return redirect("bookings:resource", resource_id=resource.pk)
    context = {
        "rows": selectors.resources_with_hours(business=request.business),
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/resources.html", context, status=status)


@require_http_methods(["GET", "POST"])
def resource(request: HttpRequest, resource_id: str) -> HttpResponse:
    """One resource: rename it, and manage its weekly hours and dated exceptions."""
    item = _resource(request, resource_id)
    form = ResourceForm(request.POST or None, initial={"name": item.name, "type": item.type})
    if request.method == "POST" and form.is_valid():
        services.update_resource(actor=request.membership, resource=item, **form.cleaned_data)
        messages.success(request, f"Saved {form.cleaned_data['name']}.")
        return redirect("bookings:resource", resource_id=item.pk)
    return _resource_page(
        request, item, resource_form=form, status=400 if request.method == "POST" else 200
    )


def _resource_page(request, item, *, status=200, **forms) -> HttpResponse:
    context = {
        "schedule": selectors.resource_hours(business=request.business, resource=item),
        "resource_form": forms.get("resource_form")
        or ResourceForm(initial={"name": item.name, "type": item.type}),
        "hours_form": forms.get("hours_form") or WorkingHoursForm(),
        "override_form": forms.get("override_form") or HoursOverrideForm(),
    }
    return render(request, "bookings/resource.html", context, status=status)


@require_POST
def hours_add(request: HttpRequest, resource_id: str) -> HttpResponse:
    item = _resource(request, resource_id)
    form = WorkingHoursForm(request.POST)
    if form.is_valid():
        try:
            services.add_working_hours(actor=request.membership, resource=item, **form.cleaned_data)
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Working hours added.")
            return redirect("bookings:resource", resource_id=item.pk)
    return _resource_page(request, item, hours_form=form, status=400)


@require_POST
def override_add(request: HttpRequest, resource_id: str) -> HttpResponse:
    item = _resource(request, resource_id)
    form = HoursOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.add_hours_override(
                actor=request.membership, resource=item, **form.cleaned_data
            )
        except AppointmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Exception added.")
            return redirect("bookings:resource", resource_id=item.pk)
    return _resource_page(request, item, override_form=form, status=400)


@require_POST
def hours_remove(request: HttpRequest, resource_id: str, hours_id: int) -> HttpResponse:
    item = _resource(request, resource_id)
    hours = get_object_or_404(WorkingHours, resource=item, pk=hours_id)
    services.remove_hours(actor=request.membership, hours=hours)
    messages.success(request, "Working hours removed.")
    return redirect(reverse("bookings:resource", args=[item.pk]))


@require_POST
def override_remove(request: HttpRequest, resource_id: str, override_id: int) -> HttpResponse:
    item = _resource(request, resource_id)
    override = get_object_or_404(WorkingHoursOverride, resource=item, pk=override_id)
    services.remove_hours(actor=request.membership, hours=override)
    messages.success(request, "Exception removed.")
    return redirect(reverse("bookings:resource", args=[item.pk]))
