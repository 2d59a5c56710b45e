"""Forms of the participant dashboard; they parse input, the services decide."""

import uuid

from django import forms

from participants.models import Participation, WaitlistSetting
from participants.services import MAX_PARTY_SIZE


class ParticipationForm(forms.Form):
    """The fields a person sets on a participation (add and inline edit)."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)
    party_size = forms.IntegerField(
        min_value=1,
        max_value=MAX_PARTY_SIZE,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    status = forms.ChoiceField(
        choices=Participation.Status.choices, initial=Participation.Status.CONFIRMED
    )
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 1})
    )

    def values(self) -> dict:
        """The cleaned fields, ready for the services."""
        return {name: self.cleaned_data[name] for name in ParticipationForm.base_fields}


class AddParticipationForm(ParticipationForm):
    """Adds the one-time key that makes a double submit create one participation."""

    idempotency_key = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    @classmethod
    def for_customer(cls, customer) -> "AddParticipationForm":
        """The add form filled in from an existing customer record."""
        return cls(
            initial={
                "name": customer.full_name,
                "email": customer.email,
                "phone": customer.phone,
                "customer": customer.pk,
            }
        )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs.setdefault("auto_id", "add-%s")
        super().__init__(*args, **kwargs)


class EditParticipationForm(ParticipationForm):
    """The inline edit: the revision it was opened at travels with it."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_participation(cls, participation: Participation, data=None):
        initial = {name: getattr(participation, name) for name in ParticipationForm.base_fields}
        initial["revision"] = participation.revision
        form = cls(data, initial=initial, auto_id=f"edit-{participation.pk}-%s")
        form.fields["party_size"].widget.attrs["autofocus"] = True
        return form

    @classmethod
    def over_revision(cls, current: Participation, data) -> "EditParticipationForm":
        """The user's input again at ``current``'s revision: saving it is a deliberate overwrite."""
        data = data.copy()
        data["revision"] = current.revision
        return cls.for_participation(current, data=data)


class RevisionForm(forms.Form):
    """Cancel and undo carry the revision the row showed."""

    revision = forms.IntegerField()


class WaitlistJoinForm(forms.Form):
    """Someone to put on a full event's waitlist."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=50, required=False)
    party_size = forms.IntegerField(
        min_value=1,
        max_value=MAX_PARTY_SIZE,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "wait-%s")
        super().__init__(*args, **kwargs)


class WaitlistEntryForm(forms.Form):
    """The person waiting an action is for (their id travels in the body, not the URL)."""

    entry = forms.CharField(max_length=250)


class MoveForm(WaitlistEntryForm):
    """The waitlist position (1 is first) to move someone to; empty: one place up."""

    to_position = forms.IntegerField(required=False)


class AttendanceForm(forms.Form):
    """Checked in, no-show, or empty to undo the mark ("not recorded" is the system's)."""

    attendance = forms.ChoiceField(
        choices=[
            ("", "Not marked"),
            *(
                choice
                for choice in Participation.Attendance.choices
                if choice[0] != Participation.Attendance.NOT_RECORDED
            ),
        ],
        required=False,
    )


class WaitlistSettingForm(forms.Form):
    """The schedule's waitlist rules (owners): a limit per class (empty: none) and the mode."""

    limit = forms.IntegerField(min_value=0, required=False)
    promotion = forms.ChoiceField(choices=WaitlistSetting.Promotion.choices)
