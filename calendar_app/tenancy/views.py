"""Who works here, as pages: switching business, the team page (owners add staff accounts,
change roles, deactivate) and the answer to a locked-out login."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from calendar_app.errors import CalendarError
from calendar_app.tenancy import services
from calendar_app.tenancy.access import require_owner_request
from calendar_app.tenancy.forms import ActiveForm, RoleForm, StaffAccountForm
from calendar_app.tenancy.middleware import switch_business
from calendar_app.tenancy.models import Membership


@require_POST
def switch_business_view(request: HttpRequest) -> HttpResponse:
    """Work in another business the user belongs to; any other ``business`` value is a 404."""
    memberships = {str(m.business_id): m for m in request.memberships}
    membership = memberships.get(request.POST.get("business", ""))
    if membership is None:
        raise Http404("You are not a member of that business.")
    switch_business(request, membership.business)
    return redirect("calendar_app:home")


@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    """The business's members; a POST creates a staff account (a login plus a membership)."""
    require_owner_request(request)
    if request.method != "POST":
        return _team_page(request, form=StaffAccountForm())
    form = StaffAccountForm(request.POST)
    if form.is_valid():
        try:
            membership = services.create_staff_account(
                actor=request.membership, business=request.business, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{membership.user.get_username()} can now log in as "
                f"{membership.get_role_display().lower()}.",
            )
            return redirect("calendar_app:team")
    return _team_page(request, form=form, status=400)


@require_POST
def membership_active(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Deactivate or reactivate a member (POST is_active=0|1)."""
    require_owner_request(request)
    membership = _get_membership(request, membership_id)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return _row_error(request, membership, "Choose active or inactive.", status=400)
    is_active = form.cleaned_data["is_active"]
    try:
        services.set_membership_active(
            actor=request.membership, membership=membership, is_active=is_active
        )
    except CalendarError as error:
        return _row_error(request, membership, str(error), status=409)
    name = membership.user.get_username()
    messages.success(request, f"{name} is {'active again' if is_active else 'deactivated'}.")
    return _back(request, membership)


@require_POST
def membership_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Make a member an owner or staff (POST role=owner|staff)."""
    require_owner_request(request)
    membership = _get_membership(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _row_error(request, membership, "Choose owner or staff.", status=400)
    try:
        updated = services.set_membership_role(
            actor=request.membership, membership=membership, role=form.cleaned_data["role"]
        )
    except CalendarError as error:
        return _row_error(request, membership, str(error), status=409)
    messages.success(
        request, f"{membership.user.get_username()} is now {updated.get_role_display().lower()}."
    )
    return _back(request, membership)


def _get_membership(request: HttpRequest, membership_id: int) -> Membership:
    """A membership of the current business (another business's id is a 404)."""
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, business=request.business
    )


def _back(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Back to the team page, or to the calendar when owners stepped down or out themselves."""
    if membership.pk == request.membership.pk:
        return redirect("calendar_app:home")
    return redirect("calendar_app:team")


def _row_error(
    request: HttpRequest, membership: Membership, message: str, *, status: int
) -> HttpResponse:
    return _team_page(
        request, form=StaffAccountForm(), row_error=(membership.pk, message), status=status
    )


def _team_page(
    request: HttpRequest,
    *,
    form: StaffAccountForm,
    row_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    members = Membership.objects.filter(business=request.business).select_related("user")
    context = {
        "members": members.order_by("-is_active", "role", "user__username"),
        "form": form,
        "row_error": row_error,
        "roles": Membership.Role.choices,
    }
    return render(request, "calendar_app/team.html", context, status=status)


def locked_out(request: HttpRequest, _original_response=None, _credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out login: 429 with when to retry, in the app's layout
    (every failure during the lockout starts the cool-off again)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(
        request,
        "registration/locked_out.html",
        {"retry_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
