"""The signed one-click unsubscribe token: which business and which address, nothing else."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "notifications.unsubscribe"


def unsubscribe_token(*, business_id: int, email: str) -> str:
    """A token that names the business and the (lowercased) address; it does not expire."""
    return signing.dumps({"b": business_id, "e": email.lower()}, salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(business id, address) of a token we signed, None for anything else."""
    try:
        data = signing.loads(token, salt=SALT)
        return int(data["b"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def unsubscribe_url(*, business_id: int, email: str) -> str:
    """The absolute one-click URL (``NOTIFICATIONS_BASE_URL`` and the public path)."""
    token = unsubscribe_token(business_id=business_id, email=email)
    path = reverse("unsubscribe", args=[token])
    return settings.NOTIFICATIONS_BASE_URL.rstrip("/") + path
