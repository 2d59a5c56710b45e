"""Forms about who works here: the login, a new staff account, a member's role and access.

They check the shape of the input; the rules (unique username, password strength, the last
active owner) live in ``calendar_app.tenancy.services``.
"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError

from calendar_app.tenancy.models import Membership

DEACTIVATED = (
    "This account is deactivated. Ask an owner of your business to reactivate it on the Team page."
)
NO_BUSINESS = "This account is not a member of any business yet. Ask the business's owner."


class LoginForm(AuthenticationForm):
    """A member whose every membership is deactivated cannot log in, and is told why (rather
    than landing on a page that says nothing); superusers go on to the admin.

    A username longer than any account's is refused before anyone is asked: Django's form only
    sets the widget's maxlength, and the lockout counter stores what was tried in 255
    characters."""

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        limit = self.fields["username"].max_length or 150
        if len(username) > limit:
            raise ValidationError(f"A username has at most {limit} characters.", code="max_length")
        return username

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


class StaffAccountForm(forms.Form):
    username = UsernameField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField()
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password, not like the username.",
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.STAFF)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ActiveForm(forms.Form):
    is_active = forms.TypedChoiceField(
        choices=[("1", "Active"), ("0", "Inactive")], coerce=lambda value: value == "1"
    )
