"""The move form: what a drag, a resize or a keyboard move in the week and day grids posts.

It carries the new start and end as the grid shows them (wall-clock in the business's zone,
``YYYY-MM-DDTHH:MM``), the revision the grid was drawn at and, after the small dialog, how far a
series move reaches, whether to tell the participants, and "Move anyway" over a clash. A drop in
another resource column also names the column's resource and the one the event came from.
"""

from datetime import datetime, timedelta

from django import forms

from calendar_app import recurrence
from calendar_app.forms.events import NOTIFY_MESSAGE_MAX
from calendar_app.forms.fields import SCOPE_FOLLOWING, SCOPE_THIS, Form
from calendar_app.models import Event, format_local_date
from calendar_app.tenancy.models import Business
from calendar_app.validation import DATE_RANGE_MESSAGE, MAX_YEAR, MIN_YEAR

MOVE_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
MAX_MOVED_LENGTH = timedelta(days=31)  # a grid move never makes an event longer than this
MOVE_SCOPE_CHOICES = [
    (SCOPE_THIS, "Only this one"),
    (SCOPE_FOLLOWING, "This and the following ones"),
]


class MoveForm(Form):
    """A move of one event to ``start`` until ``end``, checked for shape only: the calendar's rules
    (permissions, clashes, revisions) are the edit service's and the view's."""

    revision = forms.IntegerField(min_value=0)
    series_revision = forms.IntegerField(min_value=0, required=False)
    start = forms.CharField(max_length=19)
    end = forms.CharField(max_length=19)
    scope = forms.ChoiceField(choices=MOVE_SCOPE_CHOICES, required=False)
    resource_id = forms.CharField(max_length=100, required=False)
    from_resource_id = forms.CharField(max_length=100, required=False)
    save_anyway = forms.BooleanField(required=False)
    confirmed = forms.BooleanField(required=False)
    notify = forms.BooleanField(required=False)
    message = forms.CharField(
        required=False,
        max_length=NOTIFY_MESSAGE_MAX,
        strip=True,
        error_messages={
            "max_length": "The message to participants is %(show_value)d characters long; "
            "it may be at most %(limit_value)d."
        },
    )

    def __init__(self, *args, business: Business, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        self.event = event

    def clean(self):
        cleaned = super().clean()
        self._clean_resources(cleaned)
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None or end is None:
            return cleaned
        start, end = _wall_clock(start), _wall_clock(end)
        if start is None or end is None:
            raise forms.ValidationError("The new time is not a date and time (YYYY-MM-DDTHH:MM).")
        cleaned["start"], cleaned["end"] = start, end
        if not (MIN_YEAR <= start.year <= MAX_YEAR and MIN_YEAR <= end.year <= MAX_YEAR):
            raise forms.ValidationError(DATE_RANGE_MESSAGE)
        if end <= start:
            raise forms.ValidationError("The event must end after it starts.")
        if end - start > MAX_MOVED_LENGTH:
            raise forms.ValidationError("An event moved in the calendar can last at most 31 days.")
        return cleaned

    def _clean_resources(self, cleaned: dict) -> None:
        """The event's resources after the drop: the column's resource takes the place of the
        one it came from (the edit service checks that it is the business's)."""
        held = [er.resource_id for er in self.event.event_resources.all()]
        cleaned["resource_ids"] = held
        taken, left = cleaned.get("resource_id"), cleaned.get("from_resource_id")
        if bool(taken) != bool(left):
            raise forms.ValidationError(
                "A move to another resource names the resource it leaves and the one it takes."
            )
        if not taken or taken == left:
            return
        if left not in held:
            raise forms.ValidationError(
                "The event no longer holds the resource it was dragged from; reload the calendar."
            )
        cleaned["resource_ids"] = list(dict.fromkeys(taken if r == left else r for r in held))

    def original_span(self) -> tuple[datetime, datetime]:
        """The event's start and end before the move, as the grid shows them (business zone)."""
        zone = self.business.time_zone
        return recurrence.to_local(self.event.start, zone), recurrence.to_local(
            self.event.end, zone
        )

    def changes(self) -> dict:
        """The move as ``services.update_event`` changes: the new wall-clock times in the
        event's own zone, and the resources when the drop changed them."""
        data, event = self.cleaned_data, self.event
        changes: dict = {}
        start, end = (
            recurrence.to_local(
                recurrence.to_utc(data[key], self.business.time_zone), event.time_zone
            )
            for key in ("start", "end")
        )
        start_local, end_local = format_local_date(start), format_local_date(end)
        if (start_local, end_local) != (event.start_local_date, event.end_local_date):
            changes["start_local_date"] = start_local
            changes["end_local_date"] = end_local
        held = [er.resource_id for er in event.event_resources.all()]
        if data["resource_ids"] != held:
            changes["resource_ids"] = data["resource_ids"]
        return changes

    @property
    def follows(self) -> bool:
        """The move reaches this occurrence and the following ones."""
        return self.cleaned_data.get("scope") == SCOPE_FOLLOWING

    def problem(self) -> str:
        """What is wrong with the posted move, as one sentence for the notice."""
        if "revision" in self.errors or "series_revision" in self.errors:
            return "The calendar is out of date; reload it and move the event again."
        if "start" in self.errors or "end" in self.errors:
            return "Say the new start and end as YYYY-MM-DDTHH:MM."
        return " ".join(error for errors in self.errors.values() for error in errors)


def _wall_clock(value: str) -> datetime | None:
    """The naive wall-clock time posted (no zone is attached: a time in a DST gap of the
    server's zone is still the business's time), or None when it is not one."""
    for pattern in MOVE_INPUT_FORMATS:
        try:
            return datetime.strptime(value.strip(), pattern).replace(second=0)
        except ValueError:
            continue
    return None
