"""The notices' words: subject, plain text and HTML from templates, times in the business's
zone with the zone named."""

from dataclasses import dataclass

from django.template.loader import render_to_string

from calendar_app.locations import location_text
from calendar_app.models import Event
from calendar_app.tenancy.models import Business


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def when_text(*, event: Event, business: Business) -> dict[str, str]:
    """The event's day and times in the business's zone, e.g. ``Monday 7 December 2026``,
    ``09:00 to 10:00`` and ``Europe/Berlin``."""
    start, end = event.start.astimezone(business.zone), event.end.astimezone(business.zone)
    return {
        "day": f"{start:%A} {start.day} {start:%B %Y}",
        "short_day": f"{start:%a} {start.day} {start:%b %Y}",
        "times": f"{start:%H:%M} to {end:%H:%M}",
        "zone": business.time_zone,
    }


def render_cancellation(
    *, event: Event, business: Business, name: str, message: str, unsubscribe_url: str
) -> Rendered:
    """The cancellation notice of one occurrence to one participant."""
    context = {
        "business": business,
        "event": event,
        "name": name,
        "message": message,
        "place": location_text(event.location),
        "unsubscribe_url": unsubscribe_url,
        **when_text(event=event, business=business),
    }
    return Rendered(
        subject=" ".join(f"Cancelled: {event.title} on {context['short_day']}".split()),
        text=render_to_string("notifications/cancelled.txt", context),
        html=render_to_string("notifications/cancelled.html", context),
    )
