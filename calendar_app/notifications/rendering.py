"""The notices' words: subject, plain text and HTML from templates (one pair per kind under
``templates/notifications/``), times in the business's zone with the zone named."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.template.loader import render_to_string
from django.utils.html import escape

from calendar_app.locations import location_text
from calendar_app.models import Event
from calendar_app.tenancy.models import Business

# Each kind's subject: it names the class (or appointment) and its date.
SUBJECTS = {
    "cancelled": "Cancelled: {title} on {short_day}",
    "moved": "Moved: {title}, now on {short_day}",
    "participation_added": "Booked: {title} on {short_day}",
    "participation_cancelled": "Your place is cancelled: {title} on {short_day}",
    "appointment_booked": "Booked: {title} on {short_day}",
    "appointment_cancelled": "Cancelled: {title} on {short_day}",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def span_text(*, start: datetime, end: datetime, business: Business) -> dict[str, str]:
    """A span's day and times in the business's zone, e.g. ``Monday 7 December 2026``,
    ``09:00 to 10:00`` and ``Europe/Berlin``."""
    start, end = start.astimezone(business.zone), end.astimezone(business.zone)
    return {
        "day": f"{start:%A} {start.day} {start:%B %Y}",
        "short_day": f"{start:%a} {start.day} {start:%b %Y}",
        "times": f"{start:%H:%M} to {end:%H:%M}",
        "zone": business.time_zone,
    }


def when_text(*, event: Event, business: Business) -> dict[str, str]:
    """The event's day and times in the business's zone (``span_text``)."""
    return span_text(start=event.start, end=event.end, business=business)


def event_context(*, event: Event, business: Business) -> dict:
    """What every notice about ``event`` says of it: its title, day, times, zone and place."""
    return {
        "event": event,
        "title": event.title,
        "place": location_text(event.location),
        **when_text(event=event, business=business),
    }


def render_notice(
    *,
    kind: str,
    business: Business,
    context: dict,
    name: str,
    message: str,
    unsubscribe_url: str,
) -> Rendered:
    """One notice of ``kind`` to one person: ``context`` is what it is about (``event_context``
    and, for a move, the ``old_…`` day, times and place), ``message`` the owner's own words."""
    context = {
        **context,
        "business": business,
        "name": name,
        "message": message,
        "unsubscribe_url": unsubscribe_url,
    }
    return Rendered(
        subject=" ".join(SUBJECTS[kind].format(**context).split()),
        text=render_to_string(f"notifications/{kind}.txt", context),
        html=render_to_string(f"notifications/{kind}.html", context),
    )


# Stand-ins rendered in place of each person's name and unsubscribe link (``NoticeRenderer``):
# letters and digits only, so escaping and the templates' filters leave them as they are, and
# random, so no event title or owner's message holds them.
NAME_TOKEN = f"zqname{uuid.uuid4().hex}zq"
URL_TOKEN = f"zqurl{uuid.uuid4().hex}zq"


@dataclass
class NoticeRenderer:
    """One notice of ``kind`` (``render_notice``'s arguments but the person) to many people,
    each getting exactly what ``render_notice`` would give them.

    The templates are rendered once per shape (name given or not, link given or not: a
    template may say "there" for no name) with stand-ins for the name and the link, and each
    person's values put in their place, HTML-escaped in the HTML part as the template would:
    a class of 1,000 renders its templates at most four times, not 2,000.
    """

    kind: str
    business: Business
    context: dict
    message: str
    _shapes: dict[tuple[bool, bool], Rendered] = field(default_factory=dict, repr=False)

    def render(self, *, name: str, unsubscribe_url: str) -> Rendered:
        """The notice to the person called ``name`` with their ``unsubscribe_url``."""
        shape_key = (bool(name), bool(unsubscribe_url))
        shape = self._shapes.get(shape_key)
        if shape is None:
            shape = self._shapes[shape_key] = render_notice(
                kind=self.kind,
                business=self.business,
                context=self.context,
                name=NAME_TOKEN if name else "",
                message=self.message,
                unsubscribe_url=URL_TOKEN if unsubscribe_url else "",
            )
        html_name, html_url = str(escape(name)), str(escape(unsubscribe_url))
        return Rendered(
            subject=_fill(shape.subject, name=name, url=unsubscribe_url),
            text=_fill(shape.text, name=name, url=unsubscribe_url),
            html=_fill(shape.html, name=html_name, url=html_url),
        )


def _fill(rendered: str, *, name: str, url: str) -> str:
    # The link first: a name cannot then put a link stand-in of its own into the result.
    return rendered.replace(URL_TOKEN, url).replace(NAME_TOKEN, name)


def render_cancellation(
    *, event: Event, business: Business, name: str, message: str, unsubscribe_url: str
) -> Rendered:
    """The cancellation notice of one occurrence to one participant."""
    return render_notice(
        kind="cancelled",
        business=business,
        context=event_context(event=event, business=business),
        name=name,
        message=message,
        unsubscribe_url=unsubscribe_url,
    )
