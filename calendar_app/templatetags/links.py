"""Links to stored URLs (conferencing links, anything a sync or the admin wrote): only http(s)
ever becomes an ``href``, so a ``javascript:`` or ``data:`` URL is shown as text, never run."""

from urllib.parse import urlsplit

from django import template
from django.utils.html import format_html

register = template.Library()

WEB_SCHEMES = {"http", "https"}


@register.filter
def http_url(value) -> str:
    """``value`` when it is an absolute http(s) URL with a host, else ``""``.

    ``urlsplit`` drops tabs and newlines as browsers do, so ``java\\tscript:`` is read as the
    browser would read it.
    """
    if not isinstance(value, str):
        return ""
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return ""
    return url


@register.simple_tag
def external_link(url, label: str) -> str:
    """A new-tab link to ``url`` labelled ``label``; a URL that is not http(s) is plain text."""
    href = http_url(url)
    if not href:
        return format_html(
            '<span class="muted" title="Not a web address">{}: {}</span>', label, url
        )
    return format_html('<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', href, label)
