"""Forms of the team page: a new staff account and a member's role.

They check the shape of the input; the rules (unique username, password strength, the last
active owner) live in ``calendar_app.services``.
"""

from django import forms
from django.contrib.auth.forms import UsernameField

from calendar_app.models import Membership


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
