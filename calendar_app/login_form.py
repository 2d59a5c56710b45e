"""The login form: Django's, refusing accounts that may not work in any business."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from calendar_app.models import Membership

DEACTIVATED = (
    "This account is deactivated. Ask an owner of your business to reactivate it on the Team page."
)
NO_BUSINESS = "This account is not a member of any business yet. Ask the business's owner."


class LoginForm(AuthenticationForm):
    """A member whose every membership is deactivated cannot log in, and is told why (rather
    than landing on a page that says nothing); superusers go on to the admin."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if user.is_superuser:
            return
        memberships = Membership.objects.filter(user=user)
        if memberships.filter(is_active=True).exists():
            return
        if memberships.exists():
            raise ValidationError(DEACTIVATED, code="deactivated")
        raise ValidationError(NO_BUSINESS, code="no_business")
