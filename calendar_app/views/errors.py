"""The one mapping from a refusal to an answer, for whole pages and HTMX fragments alike.

Every refusal carries its HTTP meaning (``calendar_app.errors``): a stale revision is a 409, a
refused write a 400, an unreachable upstream a 503 with its own sentence. Views show a refusal
where it happened (on the form, the event's summary, the participant's row), as the whole page
or, for HTMX, its fragment, and answer through ``refusal`` (or ``refused``, which renders and
answers): the status comes from ``status_of`` and nowhere else.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from calendar_app.views.helpers import render_page

DEFAULT_STATUS = 400


def status_of(error: Exception) -> int:
    """The HTTP status a refusal means: its own ``http_status``, else that of the calendar
    error it was raised from (a participation refused because the calendar is down is a 503),
    403 for a permission refusal, 400 for any other refusal."""
    for candidate in (error, error.__cause__):
        status = getattr(candidate, "http_status", None)
        if status:
            return status
    if isinstance(error, PermissionDenied):
        return 403
    return DEFAULT_STATUS


def retry_after_of(error: Exception) -> int | None:
    """Seconds after which an outage says to try again (None when it does not say)."""
    for candidate in (error, error.__cause__):
        seconds = getattr(candidate, "retry_after", None)
        if seconds is not None:
            return seconds
    return None


def refusal(response: HttpResponse, error: Exception) -> HttpResponse:
    """A response that shows ``error`` in place, answered with the refusal's status, and with
    ``Retry-After`` when an outage says when to try again."""
    response.status_code = status_of(error)
    retry_after = retry_after_of(error)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def refused(
    request: HttpRequest, template: str, context: dict, *, fragment: str, error: Exception
) -> HttpResponse:
    """``template`` showing a refusal in place (``template#fragment`` for HTMX), answered as
    ``refusal`` says."""
    return refusal(render_page(request, template, context, fragment=fragment), error)
