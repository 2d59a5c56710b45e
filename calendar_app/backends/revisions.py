"""The one revision check and the one revision write of every calendar write.

An update names the revision the person saw; a row stored at another revision is a
``RevisionConflict`` carrying the row as stored, so the views show the same conflict whichever
backend refused, and nothing the person typed overwrites a newer change.
"""

from django.db.models import F
from django.utils import timezone

from calendar_app.errors import RevisionConflict


def check_revision(current, expected_revision: int):
    """``current`` (the row as stored) if it is at ``expected_revision``, else a conflict."""
    if current.revision != expected_revision:
        raise RevisionConflict(current)
    return current


def locked_current(model, pk, expected_revision: int):
    """The row as stored, locked until the transaction ends; a stale revision is a conflict.

    Checks of the stored state run on this row, never on the caller's copy, which may be old.
    """
    return check_revision(model.objects.select_for_update().get(pk=pk), expected_revision)


def stored_current(model, pk, expected_revision: int):
    """The row as stored, unlocked; a stale revision is a conflict. An upstream backend checks
    with it before calling out, holding no lock over the call (the upstream checks again)."""
    return check_revision(model.objects.get(pk=pk), expected_revision)


def bump_revision(model, *, pk, expected_revision: int, **values):
    """``UPDATE … WHERE revision = expected``; zero rows means someone else wrote first.

    The one revision write of every local write (events, schedules, participations).
    """
    updated = model.objects.filter(pk=pk, revision=expected_revision).update(
        revision=F("revision") + 1, updated_date=timezone.now(), **values
    )
    if not updated:
        raise RevisionConflict(model.objects.get(pk=pk))
    return model.objects.get(pk=pk)
