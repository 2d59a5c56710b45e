"""Participant dashboard per event: header, list, search, CSV export and inline actions.

Each action answers an HTMX request with the affected partial of ``dashboard.html`` and a plain
POST with a redirect, or with the whole page carrying the errors, so everything works with
JavaScript off. A refusal is shown on its form or row and answered with its status by
``calendar_app.views.errors`` (400 for an invalid form, 409 for a stale revision, 503 when the
calendar cannot be reached).
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from bookings import selectors as customer_selectors
from calendar_app import extensions
from calendar_app.models import Event
from calendar_app.views.errors import refusal
from calendar_app.views.helpers import get_event, wants_fragment
from participants import export, selectors, services
from participants.forms import (
    AddParticipationForm,
    EditParticipationForm,
    RevisionForm,
    WaitlistJoinForm,
)
from participants.models import Participation
from participants.selectors import ParticipationRow, who
from participants.services import ParticipationError, RevisionConflict

TEMPLATE = "participants/dashboard.html"
CANCELLED_EDIT = "Undo the cancel to edit this participation."
STALE_ROW = "This row is out of date; reload the page."

vary_on_htmx = vary_on_headers("HX-Request")


# Dashboard -------------------------------------------------------------------------------------


@require_GET
@vary_on_htmx
def dashboard(request: HttpRequest, event_id: str) -> HttpResponse:
    """The event's header and participations; ``?q=`` searches the list, ``?customer_q=``
    finds a customer to add and ``?customer=<id>`` fills the add form with them."""
    event = dashboard_event(request, event_id)
    if event.recurrence_type == Event.RecurrenceType.MASTER:
        return _to_next_occurrence(request, event)
    target = request.htmx.target if wants_fragment(request) else None
    if target in ("participations", "load-more"):
        name = "participations" if target == "participations" else "more_rows"
        return render_fragment(request, name, {"event": event, **_listing(request, event)})
    customer_search = request.GET.get("customer_q", "").strip()[:100]
    context = {
        "event": event,
        "customer_search": customer_search,
        "customer_matches": _customer_matches(request, customer_search),
    }
    add_form = _add_form_for_customer(request)
    if target == "customer-matches":
        return render_fragment(request, "customer_matches", context)
    if target == "add-participant":
        return render_fragment(request, "add_form", {**context, "add_form": add_form})
    return render_page(request, event, add_form=add_form, extra=context)


def _to_next_occurrence(request: HttpRequest, master: Event) -> HttpResponse:
    """A series has no participants of its own: its next occurrence's dashboard instead."""
    occurrence = selectors.next_occurrence(master, now=timezone.now())
    if occurrence is None:
        messages.info(request, "This series has no occurrences.")
        return redirect("calendar_app:home")
    return redirect("participants:dashboard", event_id=occurrence.pk)


def _customer_matches(request: HttpRequest, search: str) -> list:
    if not search:
        return []
    return customer_selectors.search_customers(business=request.business, query=search)


def _add_form_for_customer(request: HttpRequest) -> AddParticipationForm | None:
    """The add form filled from ``?customer=<id>`` (another business's customer is a 404)."""
    if not request.GET.get("customer", "").isdigit():
        return None
    customer = customer_selectors.customer_for_booking(
        business=request.business, customer_id=int(request.GET["customer"])
    )
    if customer is None:
        raise Http404("No such customer.")
    return AddParticipationForm.for_customer(customer)


# Actions ---------------------------------------------------------------------------------------


@require_POST
@vary_on_htmx
def participation_add(request: HttpRequest, event_id: str) -> HttpResponse:
    """Add a participant; a double submit (same form key) creates one participation."""
    event = dashboard_event(request, event_id)
    form = AddParticipationForm(request.POST)
    if not form.is_valid():
        return _add_form(request, event, form, status=400)
    try:
        participation, created = services.add_participation(
            actor=request.membership,
            event=event,
            idempotency_key=form.cleaned_data["idempotency_key"],
            customer_id=form.cleaned_data["customer"],
            **form.values(),
        )
    except ParticipationError as error:
        form.add_error(error.field, str(error))
        return refusal(_add_form(request, event, form), error)
    note = f"Added {who(participation)}." if created else f"{participation.name} was already added."
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(dashboard_url(event, participation))
    return _added(request, event, participation, created=created, note=note)


def _added(
    request: HttpRequest, event: Event, participation: Participation, *, created: bool, note: str
) -> HttpResponse:
    """The new row (or, with a search active, the list re-rendered with that search, so rows
    and match count stay true), a fresh add form, the capacity and the status line."""
    search = request.POST.get("q", "").strip() if created else ""
    context = {"search": search}
    if search:
        context.update(_listing_context(selectors.participant_list(event, search=search)))
        if not selectors.matches_search(event, participation, search=search):
            note += f" Not listed: it does not match “{search}”."
    context.update(
        event=event,
        p=selectors.participation_row(participation),
        created=created,
        add_form=AddParticipationForm(),
        capacity=selectors.event_capacity(event),
        status_message=note,
        oob=True,
    )
    if context["capacity"].is_full:  # the class is full now: offer its waitlist
        context.update(_waitlist_oob(event))
    return render_fragment(request, "add_response", context)


@require_GET
@vary_on_htmx
def participation_row(request: HttpRequest, event_id: str, participation_id: str):
    """One row as it is stored now (closes an inline edit, reloads after a conflict)."""
    event = dashboard_event(request, event_id)
    participation = participation_of(request, event, participation_id)
    if not wants_fragment(request):
        return redirect(dashboard_url(event, participation))
    context = {"event": event, "p": selectors.participation_row(participation)}
    return render_fragment(request, "row", context)


@require_http_methods(["GET", "POST"])
@vary_on_htmx
def participation_edit(request: HttpRequest, event_id: str, participation_id: str):
    """GET opens the row's inline edit form; POST saves it against the revision it showed."""
    event = dashboard_event(request, event_id)
    participation = participation_of(request, event, participation_id)
    row = selectors.participation_row(participation)
    if participation.is_cancelled:
        return row_in_state(request, event, row.shown(error=CANCELLED_EDIT), status=400)
    if request.method == "GET":
        form = EditParticipationForm.for_participation(participation)
        return row_in_state(request, event, row.shown(edit_form=form))
    form = EditParticipationForm.for_participation(participation, data=request.POST)
    if not form.is_valid():
        return row_in_state(request, event, row.shown(edit_form=form), status=400)
    waiting = selectors.waiting_ids(event)
    try:
        updated = services.update_participation(
            actor=request.membership,
            participation=participation,
            expected_revision=form.cleaned_data["revision"],
            changes=form.values(),
        )
    except RevisionConflict as conflict:
        return _conflict(request, event, conflict, keep=request.POST)
    except ParticipationError as error:
        form.add_error(error.field, str(error))
        return refusal(row_in_state(request, event, row.shown(edit_form=form)), error)
    return row_done(request, event, updated, f"Saved {updated.name}.", waiting_before=waiting)


@require_POST
@vary_on_htmx
def participation_cancel(request: HttpRequest, event_id: str, participation_id: str):
    """Cancel a participation (frees its places; undo restores it)."""
    return _revision_action(
        request, event_id, participation_id, action=services.cancel_participation
    )


@require_POST
@vary_on_htmx
def participation_restore(request: HttpRequest, event_id: str, participation_id: str):
    """Undo a cancel, if the party still fits."""
    return _revision_action(
        request, event_id, participation_id, action=services.restore_participation
    )


def _revision_action(request: HttpRequest, event_id: str, participation_id: str, *, action):
    """Cancel or undo: a revision-checked service call, then the row (or a redirect)."""
    event = dashboard_event(request, event_id)
    participation = participation_of(request, event, participation_id)
    row = selectors.participation_row(participation)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        return row_in_state(request, event, row.shown(error=STALE_ROW), status=400)
    waiting = selectors.waiting_ids(event)
    try:
        updated = action(
            actor=request.membership,
            participation=participation,
            expected_revision=form.cleaned_data["revision"],
        )
    except RevisionConflict as conflict:
        return _conflict(request, event, conflict)
    except ParticipationError as error:
        return refusal(row_in_state(request, event, row.shown(error=str(error))), error)
    verb = "Cancelled" if updated.is_cancelled else "Restored"
    return row_done(request, event, updated, f"{verb} {who(updated)}.", waiting_before=waiting)


@require_GET
def export_csv(request: HttpRequest, event_id: str) -> StreamingHttpResponse:
    """Every participation of the event as CSV (``participants.export``), streamed."""
    event = dashboard_event(request, event_id)
    response = StreamingHttpResponse(
        export.csv_lines(event), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.csv_filename(event)}"'
    return response


# Shared pieces ---------------------------------------------------------------------------------


def dashboard_event(request: HttpRequest, event_id: str) -> Event:
    """An event of this business that takes participants; blocked time is a 404 for everyone."""
    event = get_event(request, event_id)
    if event.schedule.is_blocked_time:
        raise Http404("Blocked time has no participants.")
    return event


def participation_of(request: HttpRequest, event: Event, participation_id: str) -> Participation:
    """A participation of this event and business; any other id is a 404."""
    participation = get_object_or_404(
        Participation, business=request.business, event=event, pk=participation_id
    )
    participation.event = event  # the event is loaded already: no second query for it
    return participation


def dashboard_url(event: Event, participation: Participation | None = None) -> str:
    """The dashboard, or the page of it that shows ``participation``, scrolled to its row."""
    url = reverse("participants:dashboard", args=[event.pk])
    if participation is None:
        return url
    page = selectors.page_number_of(participation)
    return f"{url}?page={page}#p-{participation.pk}" if page > 1 else f"{url}#p-{participation.pk}"


def _listing(request: HttpRequest, event: Event, *, marked: ParticipationRow | None = None) -> dict:
    """The list's context: the requested page (``?page=``) of the rows matching ``?q=``, or
    the page of the whole list that has the ``marked`` row, shown in its marked state."""
    listing = selectors.participant_list(
        event,
        search=request.GET.get("q", "").strip(),
        page=request.GET.get("page"),
        marked=marked,
    )
    return _listing_context(listing)


def _listing_context(listing: selectors.ParticipantList) -> dict:
    return {
        "search": listing.search,
        "rows": listing.rows,
        "participations": listing.participations,
    }


def render_page(
    request: HttpRequest,
    event: Event,
    *,
    add_form: AddParticipationForm | None = None,
    marked: ParticipationRow | None = None,
    status: int = 200,
    extra: dict | None = None,
) -> HttpResponse:
    """The whole dashboard; ``marked`` is a row shown in its edit, conflict or error state, on
    the page of the list that has it."""
    header = selectors.event_header(event, business=request.business)
    context = {
        "event": event,
        "header": header,
        "capacity": header.capacity,
        **_listing(request, event, marked=marked),
        "add_form": add_form or AddParticipationForm(),
        "read_only_reason": header.read_only_reason,
        "can_undo_cancel": header.can_undo_cancel,
        "waitlist": selectors.waitlist(event),
        "waitlist_form": WaitlistJoinForm(),
        "told": extensions.event_messages(event),
        **(extra or {}),
    }
    return render(request, TEMPLATE, context, status=status)


def render_fragment(
    request: HttpRequest, name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A partial of the dashboard; its rows offer only the actions the page would offer."""
    context = {**selectors.row_permissions(context["event"], business=request.business), **context}
    return render(request, f"{TEMPLATE}#{name}", context, status=status)


def _add_form(
    request: HttpRequest, event: Event, form: AddParticipationForm, *, status: int = 200
) -> HttpResponse:
    """The add form with its errors: the fragment, or the whole page."""
    if wants_fragment(request):
        context = {"event": event, "add_form": form}
        return render_fragment(request, "add_form", context, status=status)
    return render_page(request, event, add_form=form, status=status)


def row_in_state(
    request: HttpRequest, event: Event, row: ParticipationRow, *, status: int = 200
) -> HttpResponse:
    """The row in its edit, conflict or error state: a fragment, or the whole page."""
    if not wants_fragment(request):
        return render_page(request, event, marked=row, status=status)
    if row.conflict:
        name = "conflict_row"
    elif row.edit_form is not None:
        name = "edit_row"
    else:
        name = "row"
    return render_fragment(request, name, {"event": event, "p": row}, status=status)


def _conflict(
    request: HttpRequest, event: Event, conflict: RevisionConflict, *, keep=None
) -> HttpResponse:
    """409: the participation changed first. Its current values, and what was typed (``keep``,
    over the current revision) unless it is cancelled now."""
    current = conflict.current
    current.event = event
    mine = None
    if keep is not None and not current.is_cancelled:
        mine = EditParticipationForm.over_revision(current, keep)
    row = selectors.participation_row(current).shown(conflict=True, edit_form=mine)
    return refusal(row_in_state(request, event, row), conflict)


def row_done(
    request: HttpRequest,
    event: Event,
    participation: Participation,
    note: str,
    *,
    waiting_before: list[str] | None = None,
) -> HttpResponse:
    """After a change: the updated row, with the capacity summary, a status line, and (when
    the change gave places to people waiting, ``waiting_before``) their new rows and the
    waitlist swapped out of band (HTMX), or the dashboard page that has the row."""
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(dashboard_url(event, participation))
    context = {
        "event": event,
        "p": selectors.participation_row(participation),
        "capacity": selectors.event_capacity(event),
        "status_message": note,
        "oob": True,
        "promoted": selectors.promoted_from(waiting_before or []),
        **_waitlist_oob(event),
    }
    for promoted in context["promoted"]:
        context["status_message"] += f" {promoted.who} got a place from the waitlist."
    return render_fragment(request, "row_update", context)


def _waitlist_oob(event: Event) -> dict:
    """The Waitlist section, swapped out of band: a change to the list can fill the class (it
    offers the waitlist) or free it (people waiting got places)."""
    return {
        "waitlist": selectors.waitlist(event),
        "waitlist_form": WaitlistJoinForm(),
        "waitlist_oob": True,
    }
