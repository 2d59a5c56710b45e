"""Event forms: create (one-off or weekly), edit (one occurrence, the following ones or the
series), and the cancel/restore action.

Forms parse and check what a person typed; the calendar rules stay in ``services``. Each form
turns its input into the keyword arguments (or the ``changes`` dict) a service takes.
"""

import json
from datetime import datetime, time, timedelta

from django import forms

from calendar_app.backends import Scope
from calendar_app.forms.fields import (
    EVENT_TYPE_CHOICES,
    SCOPE_CHOICES,
    SCOPE_FOLLOWING,
    SCOPE_SERIES,
    SCOPE_THIS,
    STATUS_SCOPE_CHOICES,
    Form,
    RepeatMixin,
    ResourceChoiceField,
    TimeRangeMixin,
    repeat_fields,
)
from calendar_app.locations import address_text
from calendar_app.models import Event, Resource, Schedule, format_local_date
from calendar_app.selectors import active_schedules, resources_for
from calendar_app.tenancy.models import Business
from calendar_app.validation import MAX_YEAR, MIN_YEAR, BoundedDateField

# The contract's participantNotification.message: 1 to 5000 characters (empty: no message).
NOTIFY_MESSAGE_MAX = 5000


class NotifyFields(Form):
    """Whether (and with what words) to tell the participants of a cancel or an edit."""

    notify = forms.BooleanField(label="Notify participants", required=False)
    message = forms.CharField(
        label="Message to them",
        required=False,
        max_length=NOTIFY_MESSAGE_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional, up to 5000 characters.",
        error_messages={
            "max_length": "The message to participants is %(show_value)d characters long; "
            "it may be at most %(limit_value)d."
        },
    )

    def notify_options(self) -> dict:
        """The service's ``notify`` and ``message`` keyword arguments."""
        return {"notify": self.cleaned_data["notify"], "message": self.cleaned_data["message"]}


class EventForm(TimeRangeMixin, Form):
    """Fields shared by create and edit: what, when, where, how many, with what."""

    title = forms.CharField(max_length=200, required=False)
    date = BoundedDateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    location_name = forms.CharField(label="Location", max_length=150, required=False)
    location_address = forms.CharField(label="Address", max_length=300, required=False)
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=10000,
        required=False,
        help_text="Places in total. Leave empty for no limit.",
    )
    resources = ResourceChoiceField(
        queryset=Resource.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    guest_url = forms.URLField(label="Guest link", max_length=2000, required=False)
    host_url = forms.URLField(label="Host link", max_length=2000, required=False)
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )

    def __init__(self, *args, business: Business, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.fields["resources"].queryset = resources_for(business)

    def clean(self):
        cleaned = super().clean()
        self.clean_time_range(cleaned)
        if cleaned.get("host_url") and not cleaned.get("guest_url"):
            self.add_error("guest_url", "Add the link guests use to join.")
        return cleaned

    def location(self, current: dict | None = None) -> dict | None:
        """The Location object; an unchanged name and address keep the current one as it is."""
        name = self.cleaned_data["location_name"].strip()
        address = self.cleaned_data["location_address"].strip()
        current = current or {}
        if (name, address) == (current.get("name") or "", address_text(current)):
            return current or None
        if not name and not address:
            return None
        return {"type": "CUSTOM", "name": name or address, "address": address}

    def conferencing_details(self, current: dict | None = None) -> dict | None:
        """CUSTOM conferencing from the two links; unchanged links keep the current object."""
        guest = self.cleaned_data["guest_url"]
        host = self.cleaned_data["host_url"]
        current = current or {}
        if (guest, host) == (current.get("guestUrl", ""), current.get("hostUrl", "")):
            return current or None
        if not guest:
            return None
        details = {"type": "CUSTOM", "guestUrl": guest}
        if host:
            details["hostUrl"] = host
        return details


class EventCreateForm(RepeatMixin, EventForm):
    schedule = forms.ModelChoiceField(queryset=Schedule.objects.none(), empty_label=None)
    type = forms.ChoiceField(choices=EVENT_TYPE_CHOICES, initial=Event.Type.CLASS)
    field_order = ["schedule", "title", "type", "date", "start_time", "end_time"]

    def __init__(self, *args, business: Business, **kwargs):
        super().__init__(*args, business=business, **kwargs)
        schedules = active_schedules(business)
        self.fields["schedule"].queryset = schedules
        # static/js/app.js fills title, place and capacity from the picked schedule's defaults.
        self.fields["schedule"].widget.attrs["data-defaults"] = json.dumps(
            {str(s.pk): schedule_defaults(s) for s in schedules}
        )
        self.fields["title"].help_text = "Leave empty to use the schedule's name."
        self.fields["capacity"].help_text = (
            "Places in total. Leave empty to take the schedule's default capacity "
            "(no limit when it has none)."
        )
        self.fields.update(repeat_fields())

    def clean(self):
        cleaned = super().clean()
        self.clean_repeat(cleaned)
        return cleaned

    def service_kwargs(self) -> dict:
        """Keyword arguments for ``services.create_event`` (without the recurrence)."""
        data = self.cleaned_data
        return {
            "schedule": data["schedule"],
            "title": data["title"].strip(),
            "type": data["type"],
            "start_local": data["start_local"],
            "end_local": data["end_local"],
            "location": self.location(data["schedule"].default_location),
            "total_capacity": data["capacity"],
            "resource_ids": [r.pk for r in data["resources"]],
            "conferencing_details": self.conferencing_details(),
            "notes": data["notes"],
        }


def schedule_defaults(schedule: Schedule) -> dict[str, str]:
    """The create form's fields as the schedule's defaults fill them (empty ones take them too)."""
    location = schedule.default_location or {}
    return {
        "title": schedule.default_title or schedule.name,
        "location_name": str(location.get("name") or ""),
        "location_address": address_text(location),
        "capacity": "" if schedule.default_capacity is None else str(schedule.default_capacity),
    }


class EventEditForm(NotifyFields, EventForm):
    """Edit one event. For an occurrence of a series an owner may apply the edit to the series.

    ``revision`` (and ``series_revision`` for the MASTER) are the revisions the form was opened
    at: a save based on an older one is a conflict, never an overwrite. "Notify participants"
    (of a new time or place) starts checked when the event has participants
    (``notify_default``).
    """

    revision = forms.IntegerField(widget=forms.HiddenInput)
    series_revision = forms.IntegerField(widget=forms.HiddenInput, required=False)
    scope = forms.ChoiceField(
        label="Apply to",
        choices=SCOPE_CHOICES,
        initial=SCOPE_THIS,
        required=False,
        widget=forms.RadioSelect,
        help_text=(
            "“This and the following” splits the series here: earlier occurrences keep their "
            "details. “All” changes the occurrences from today on."
        ),
    )

    def __init__(
        self,
        *args,
        business: Business,
        event: Event,
        master: Event | None = None,
        notify_default: bool = False,
        **kwargs,
    ):
        self.event = event
        self.master = master
        kwargs.setdefault("initial", {**initial_for(event, master), "notify": notify_default})
        super().__init__(*args, business=business, **kwargs)
        if master is None:
            del self.fields["scope"]
        self.fields["title"].required = True

    @property
    def applies_to_series(self) -> bool:
        return self.master is not None and self.cleaned_data.get("scope") == SCOPE_SERIES

    @property
    def applies_to_following(self) -> bool:
        return self.master is not None and self.cleaned_data.get("scope") == SCOPE_FOLLOWING

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("date")
        moves_day = day is not None and day != self.event.start_local.date()
        if self.master is not None and cleaned.get("scope") in (SCOPE_SERIES, SCOPE_FOLLOWING):
            if cleaned.get("series_revision") is None:
                self.add_error(None, "This form is out of date; reload the page.")
            if moves_day:
                self.add_error(
                    "date",
                    "A series keeps its weekday. Change the date for this occurrence only.",
                )
        elif self.event.recurrence_type == Event.RecurrenceType.MASTER and moves_day:
            self.add_error(
                "date", "A series keeps its weekday; change the time or edit single occurrences."
            )
        return cleaned

    def changes(self) -> dict:
        """What the person changed on this event, as ``services.update_event`` changes.

        Only changed fields are sent, so an occurrence keeps inheriting everything else.
        """
        data = self.cleaned_data
        event = self.event
        changes: dict = {}
        if data["title"].strip() != event.title:
            changes["title"] = data["title"].strip()
        start = format_local_date(data["start_local"])
        end = format_local_date(data["end_local"])
        if (start, end) != (event.start_local_date, event.end_local_date):
            changes["start_local_date"] = start
            changes["end_local_date"] = end
        location = self.location(event.location)
        if location != event.location:
            changes["location"] = location
        if data["capacity"] != event.total_capacity:
            changes["total_capacity"] = data["capacity"]
        conferencing = self.conferencing_details(event.conferencing_details)
        if conferencing != event.conferencing_details:
            changes["conferencing_details"] = conferencing
        if data["notes"] != event.notes:
            changes["notes"] = data["notes"]
        resource_ids = sorted(r.pk for r in data["resources"])
        if resource_ids != sorted(er.resource_id for er in event.event_resources.all()):
            changes["resource_ids"] = resource_ids
        return changes

    def series_changes(self) -> dict:
        """The same edits for the MASTER: a new time keeps the series' first day."""
        changes = self.changes()
        if "start_local_date" in changes:
            data = self.cleaned_data
            first_day = self.master.start_local.date()
            start = datetime.combine(first_day, data["start_time"])
            changes["start_local_date"] = format_local_date(start)
            changes["end_local_date"] = format_local_date(
                start + (data["end_local"] - data["start_local"])
            )
        return changes


def initial_for(event: Event, master: Event | None = None) -> dict:
    """The edit form's starting values: the event as it is now."""
    location = event.location or {}
    conferencing = event.conferencing_details or {}
    return {
        "title": event.title,
        "date": event.start_local.date(),
        "start_time": event.start_local.time(),
        "end_time": event.end_local.time(),
        "location_name": location.get("name") or "",
        "location_address": address_text(location),
        "capacity": event.total_capacity,
        "resources": [er.resource_id for er in event.event_resources.all()],
        "guest_url": conferencing.get("guestUrl", ""),
        "host_url": conferencing.get("hostUrl", ""),
        "notes": event.notes,
        "revision": event.revision,
        "series_revision": master.revision if master else None,
        "scope": SCOPE_THIS,
    }


def create_initial(*, start: str | None, schedule: str | None) -> dict:
    """Pre-fill from the calendar's ``?start=YYYY-MM-DDTHH:MM`` (an hour long) and ``?schedule``."""
    initial: dict = {"type": Event.Type.CLASS, "interval": 1}
    if schedule:
        initial["schedule"] = schedule
    try:
        begin = datetime.strptime(start or "", "%Y-%m-%dT%H:%M")
    except ValueError:
        return initial
    if not MIN_YEAR <= begin.year <= MAX_YEAR:
        return initial
    initial.update(
        date=begin.date(),
        start_time=begin.time(),
        end_time=(begin + timedelta(hours=1)).time()
        if (begin + timedelta(hours=1)).date() == begin.date()
        else time(23, 59),
    )
    return initial


class EventActionForm(Form):
    """Cancel or restore: the revision the page showed and, for a series, how far it reaches."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        choices=STATUS_SCOPE_CHOICES, required=False, widget=forms.RadioSelect
    )

    @property
    def scope_value(self) -> Scope:
        return Scope(self.cleaned_data.get("scope") or Scope.THIS)

    def action_options(self) -> dict:
        """The action's keyword arguments beyond revision and scope (none here)."""
        return {}

    def problem(self) -> str:
        """What is wrong with the posted form, in words for the page."""
        if "revision" in self.errors or "scope" in self.errors:
            return "This form is out of date; reload it."
        return " ".join(error for errors in self.errors.values() for error in errors)


class EventCancelForm(NotifyFields, EventActionForm):
    """Cancel: the action's fields, and whether (and with what words) to tell the participants."""

    def action_options(self) -> dict:
        return self.notify_options()
