"""Calendar writes the system makes for an optional app (no member acting), such as the
conferencing automation writing its meeting's links onto an event.

They go through the business's backend like any write, so an app never asks which backend a
business has, and never imports the backends (nor they the app).
"""

from django.db import transaction

from calendar_app.audit import event_rows, record_event_changes
from calendar_app.backends import calendar_backend
from calendar_app.models import Event
from calendar_app.tenancy.models import Business


def write_event_changes(*, event: Event, changes: dict, action: str) -> Event:
    """Write ``changes`` (as ``update_event`` takes them) to ``event`` at its revision.

    A local business's change is audited as ``action`` by the system, in the write's
    transaction. A connected business's backend applies (and audits) the upstream's answer
    itself, and on a conflict applies the upstream's current event before raising, so that
    re-read must not be rolled back: it runs outside any transaction of ours.
    Raises what the backend raises (``RevisionConflict``, ``CalendarUnavailable``,
    ``CalendarError``).
    """
    business = event.business
    backend = calendar_backend(business)
    if business.backend != Business.Backend.LOCAL:
        return backend.update_event(event=event, expected_revision=event.revision, changes=changes)
    with transaction.atomic():
        rows = Event.objects.filter(pk=event.pk)
        before = event_rows(rows)
        updated = backend.update_event(
            event=event, expected_revision=event.revision, changes=changes
        )
        record_event_changes(
            business=business, actor=None, action=action, before=before, after=event_rows(rows)
        )
    return updated
