"""Participant dashboard per event: header, list, search, CSV export and inline actions.

Each action answers an HTMX request with the affected partial of ``dashboard.html`` (status 400
for an invalid form, 409 for a stale revision) and a plain POST with a redirect, or with the
whole page carrying the errors, so everything works with JavaScript off.
"""

import csv
import re
from datetime import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from bookings import selectors as customer_selectors
from calendar_app.models import Event
from calendar_app.views.helpers import get_event, wants_fragment
from participants import selectors, services
from participants.forms import AddParticipationForm, EditParticipationForm, RevisionForm
from participants.models import Participation
from participants.services import ParticipationError, RevisionConflict

TEMPLATE = "participants/dashboard.html"

ROW_ACTIONS = ("row", "edit", "cancel", "restore")
ID_SLOT = "participation-id-slot"

vary_on_htmx = vary_on_headers("HX-Request")


def _event(request: HttpRequest, event_id: str) -> Event:
    """An event of this business that takes participants; blocked time is a 404 for everyone."""
    event = get_event(request, event_id)
    if event.schedule.is_blocked_time:
        raise Http404("Blocked time has no participants.")
    return event


def _participation(request: HttpRequest, event: Event, participation_id: str) -> Participation:
    """A participation of this event and business; any other id is a 404."""
    participation = get_object_or_404(
        Participation, business=request.business, event=event, pk=participation_id
    )
    participation.event = event
    return participation


def _dashboard_url(event: Event, participation: Participation | None = None) -> str:
    url = reverse("participants:dashboard", args=[event.pk])
    return f"{url}#p-{participation.pk}" if participation else url


def _with_urls(participations: list[Participation]) -> list[Participation]:
    """Ready rows for the template: action URLs reversed once per list instead of four times
    per row, and the row-state attributes the template reads (``_mark`` sets them otherwise)."""
    patterns: dict[str, dict[str, str]] = {}
    for p in participations:
        for attribute, default in (("edit_form", None), ("conflict", False), ("error", "")):
            vars(p).setdefault(attribute, default)
        if p.event_id not in patterns:
            patterns[p.event_id] = {
                name: reverse(f"participants:{name}", args=[p.event_id, ID_SLOT])
                for name in ROW_ACTIONS
            }
        p.urls = {name: url.replace(ID_SLOT, p.pk) for name, url in patterns[p.event_id].items()}
    return participations


def _render_page(
    request: HttpRequest,
    event: Event,
    *,
    add_form: AddParticipationForm | None = None,
    marked: Participation | None = None,
    status: int = 200,
    extra: dict | None = None,
) -> HttpResponse:
    """The whole dashboard; ``marked`` is a row shown in its edit, conflict or error state."""
    search = request.GET.get("q", "").strip()
    participations = _with_urls(list(selectors.participations_for_event(event, search=search)))
    if marked is not None:
        participations = [marked if p.pk == marked.pk else p for p in participations]
    header = selectors.event_header(event, business=request.business)
    context = {
        "event": event,
        "header": header,
        "capacity": header.capacity,
        "participations": participations,
        "search": search,
        "add_form": add_form or AddParticipationForm(),
        "read_only_reason": header.read_only_reason,
        "can_undo_cancel": header.can_undo_cancel,
        **(extra or {}),
    }
    return render(request, TEMPLATE, context, status=status)


def _render_fragment(
    request: HttpRequest, name: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A partial of the dashboard; its rows offer only the actions the page would offer."""
    context = {**selectors.row_permissions(context["event"], business=request.business), **context}
    return render(request, f"{TEMPLATE}#{name}", context, status=status)


def _row_response(
    request: HttpRequest,
    event: Event,
    participation: Participation,
    *,
    status_message: str = "",
    status: int = 200,
) -> HttpResponse:
    """The updated row, with the capacity summary and a status line swapped out of band."""
    context = {
        "event": event,
        "p": participation,
        "capacity": selectors.event_capacity(event),
        "status_message": status_message,
        "oob": True,
    }
    return _render_fragment(request, "row_update", context, status=status)


def _row_problem(
    request: HttpRequest, event: Event, participation: Participation, *, status: int
) -> HttpResponse:
    """The row in its edit, conflict or error state: a fragment, or the whole page."""
    if wants_fragment(request):
        if participation.conflict:
            name = "conflict_row"
        elif participation.edit_form is not None:
            name = "edit_row"
        else:
            name = "row"
        return _render_fragment(request, name, {"event": event, "p": participation}, status=status)
    return _render_page(request, event, marked=participation, status=status)


def _mark(
    participation: Participation,
    *,
    edit_form: EditParticipationForm | None = None,
    conflict: bool = False,
    error: str = "",
) -> Participation:
    participation.edit_form = edit_form
    participation.conflict = conflict
    participation.error = error
    _with_urls([participation])
    return participation


@require_GET
@vary_on_htmx
def dashboard(request: HttpRequest, event_id: str) -> HttpResponse:
    """The event's header and participations; ``?q=`` searches the list."""
    event = _event(request, event_id)
    if event.recurrence_type == Event.RecurrenceType.MASTER:
        occurrence = selectors.next_occurrence(event, now=timezone.now())
        if occurrence is None:
            messages.info(request, "This series has no occurrences.")
            return redirect("calendar_app:home")
        return redirect("participants:dashboard", event_id=occurrence.pk)
    if wants_fragment(request) and request.htmx.target == "participations":
        search = request.GET.get("q", "").strip()
        context = {
            "event": event,
            "participations": _with_urls(
                list(selectors.participations_for_event(event, search=search))
            ),
            "search": search,
        }
        return _render_fragment(request, "participations", context)
    customer_search = request.GET.get("customer_q", "").strip()[:100]
    matches = (
        customer_selectors.search_customers(business=request.business, query=customer_search)
        if customer_search
        else []
    )
    add_form = None
    if request.GET.get("customer", "").isdigit():
        customer = customer_selectors.customer_for_booking(
            business=request.business, customer_id=int(request.GET["customer"])
        )
        if customer is None:
            raise Http404("No such customer.")
        add_form = AddParticipationForm.for_customer(customer)
    context = {
        "event": event,
        "customer_search": customer_search,
        "customer_matches": matches,
    }
    if wants_fragment(request) and request.htmx.target == "customer-matches":
        return _render_fragment(request, "customer_matches", context)
    if wants_fragment(request) and request.htmx.target == "add-participant":
        return _render_fragment(request, "add_form", {**context, "add_form": add_form})
    return _render_page(request, event, add_form=add_form, extra=context)


@require_POST
@vary_on_htmx
def participation_add(request: HttpRequest, event_id: str) -> HttpResponse:
    """Add a participant; a double submit (same form key) creates one participation.

    Over HTMX with a search active (``q``, posted from the list), the list is re-rendered with
    that search instead of the new row being appended, so rows and match count stay true.
    """
    event = _event(request, event_id)
    form = AddParticipationForm(request.POST)
    if form.is_valid():
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
    if not form.is_valid():
        if wants_fragment(request):
            return _render_fragment(
                request, "add_form", {"event": event, "add_form": form}, status=400
            )
        return _render_page(request, event, add_form=form, status=400)
    if created:
        party = f" (party of {participation.party_size})" if participation.party_size > 1 else ""
        note = f"Added {participation.name}{party}."
    else:
        note = f"{participation.name} was already added."
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(_dashboard_url(event, participation))
    search = request.POST.get("q", "").strip() if created else ""
    listed = None
    if search:
        listed = _with_urls(list(selectors.participations_for_event(event, search=search)))
        if all(p.pk != participation.pk for p in listed):
            note += f" Not listed: it does not match “{search}”."
    context = {
        "event": event,
        "p": _mark(participation),
        "created": created,
        "add_form": AddParticipationForm(),
        "capacity": selectors.event_capacity(event),
        "participations": listed,
        "search": search,
        "status_message": note,
        "oob": True,
    }
    return _render_fragment(request, "add_response", context)


@require_GET
@vary_on_htmx
def participation_row(request: HttpRequest, event_id: str, participation_id: str):
    """One row as it is stored now (closes an inline edit, reloads after a conflict)."""
    event = _event(request, event_id)
    participation = _participation(request, event, participation_id)
    if not wants_fragment(request):
        return redirect(_dashboard_url(event, participation))
    return _render_fragment(request, "row", {"event": event, "p": _mark(participation)})


@require_http_methods(["GET", "POST"])
@vary_on_htmx
def participation_edit(request: HttpRequest, event_id: str, participation_id: str):
    """GET opens the row's inline edit form; POST saves it against the revision it showed."""
    event = _event(request, event_id)
    participation = _participation(request, event, participation_id)
    if participation.is_cancelled:
        _mark(participation, error="Undo the cancel to edit this participation.")
        return _row_problem(request, event, participation, status=400)
    if request.method == "GET":
        form = EditParticipationForm.for_participation(participation)
        _mark(participation, edit_form=form)
        if wants_fragment(request):
            return _render_fragment(request, "edit_row", {"event": event, "p": participation})
        return _render_page(request, event, marked=participation)

    form = EditParticipationForm.for_participation(participation, data=request.POST)
    if form.is_valid():
        try:
            updated = services.update_participation(
                actor=request.membership,
                participation=participation,
                expected_revision=form.cleaned_data["revision"],
                changes=form.values(),
            )
        except RevisionConflict as conflict:
            current = conflict.current
            current.event = event
            mine = None
            if not current.is_cancelled:
                mine = EditParticipationForm.over_revision(current, request.POST)
            _mark(current, conflict=True, edit_form=mine)
            return _row_problem(request, event, current, status=409)
        except ParticipationError as error:
            form.add_error(error.field, str(error))
    if not form.is_valid():
        return _row_problem(request, event, _mark(participation, edit_form=form), status=400)
    note = f"Saved {updated.name}."
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(_dashboard_url(event, updated))
    return _row_response(request, event, _mark(updated), status_message=note)


def _revision_action(request: HttpRequest, event_id: str, participation_id: str, *, action):
    """Cancel or undo: a revision-checked service call, then the row (or a redirect)."""
    event = _event(request, event_id)
    participation = _participation(request, event, participation_id)
    form = RevisionForm(request.POST)
    if not form.is_valid():
        _mark(participation, error="This row is out of date; reload the page.")
        return _row_problem(request, event, participation, status=400)
    try:
        updated = action(
            actor=request.membership,
            participation=participation,
            expected_revision=form.cleaned_data["revision"],
        )
    except RevisionConflict as conflict:
        current = conflict.current
        current.event = event
        return _row_problem(request, event, _mark(current, conflict=True), status=409)
    except ParticipationError as error:
        return _row_problem(request, event, _mark(participation, error=str(error)), status=400)
    verb = "Cancelled" if updated.is_cancelled else "Restored"
    note = f"{verb} {updated.name} ({updated.party_size})."
    if not wants_fragment(request):
        messages.success(request, note)
        return redirect(_dashboard_url(event, updated))
    return _row_response(request, event, _mark(updated), status_message=note)


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


CSV_COLUMNS = ["Name", "Email", "Phone", "Party size", "Status", "Notes", "Added", "Cancelled"]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+[\d ()./x-]+")  # x: an extension
LEFT_TO_RIGHT_MARK = "\u200e"
# A separator or line break inside a cell, followed (after spaces or quotes) by a formula start.
INNER_FORMULA_START = re.compile(r"([,;\n\r])(?=[ \"]*[=+\-@\t\r])")


def _csv_cell(value) -> str:
    """Text that Excel, LibreOffice and Sheets show as text, never run as a formula.

    Cells are quoted (``QUOTE_ALL``), which keeps ``x;=cmd`` one cell for a reader that splits
    at commas. A spreadsheet whose locale splits at ``;`` (German Excel) stops honouring the
    quotes after the first cell of a comma file, so a ``;`` or line break inside a cell can
    start a new cell there: such a part gets an invisible left-to-right mark in front, and so
    does a phone number (``+49 30 1234``), instead of a visible ``'``. The mark is not
    whitespace, so no import trims it away, and it keeps a number's ``+`` on the left in
    right-to-left sheets. Anything else that starts like a formula gets the ``'`` that marks
    text (and shows that the value was defused).
    """
    text = "" if value is None else str(value)
    text = INNER_FORMULA_START.sub(lambda match: match.group(1) + LEFT_TO_RIGHT_MARK, text)
    if not text.startswith(FORMULA_STARTS):
        return text
    if PHONE_NUMBER.fullmatch(text):
        return LEFT_TO_RIGHT_MARK + text
    return f"'{text}"


@require_GET
def export_csv(request: HttpRequest, event_id: str) -> HttpResponse:
    """Every participation of the event (cancelled ones marked) as CSV, in the business zone."""
    event = _event(request, event_id)
    zone = request.business.zone

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else ""

    date = event.start.astimezone(zone).strftime("%Y-%m-%d")
    filename = f"participants-{slugify(event.title) or 'event'}-{date}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # the BOM makes Excel read UTF-8 (umlauts, the mark above)
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for p in selectors.participations_for_event(event).iterator(chunk_size=2000):
        row = [
            p.name,
            p.email,
            p.phone,
            p.party_size,
            p.get_status_display(),
            p.notes,
            local(p.created_date),
            local(p.cancelled_date),
        ]
        writer.writerow([_csv_cell(v) for v in row])
    return response
