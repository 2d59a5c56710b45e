"""A location's text, the one way every page, feed and message writes it.

A Calendar V3 location has a ``name`` and an ``address`` that is either a plain string or a
structured object (``formatted``, or street, city and so on).
"""


def address_text(location: dict | None) -> str:
    """A location's address as one line (the spec's address may be a structured object)."""
    address = (location or {}).get("address") or ""
    if isinstance(address, dict):
        return address.get("formatted") or ", ".join(
            str(v) for v in address.values() if isinstance(v, str) and v
        )
    return str(address)


def location_text(location: dict | None) -> str:
    """A readable one-line location: its name and address, whichever are set (once each)."""
    if not location:
        return ""
    parts = (location.get("name") or "", address_text(location))
    text = ", ".join(part for part in dict.fromkeys(parts) if part)
    if not text and location.get("type") == "CUSTOMER":
        return "At the customer's place"
    return text
