"""The team: staff accounts and memberships, changed by owners only (and the system, e.g. Django
admin), each change audited; a business always keeps an active owner."""

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from calendar_app.audit import record_change
from calendar_app.errors import CalendarError
from calendar_app.tenancy.access import require_owner
from calendar_app.tenancy.models import Business, Membership

TEAM = "manage the team"


def keep_an_active_owner(*, membership: Membership) -> None:
    """Refuse a change that would leave the business without an active owner (before demoting
    or deactivating ``membership``; Django admin's membership form asks it too)."""
    owners = set(
        Membership.objects.select_for_update()
        .filter(business_id=membership.business_id, role=Membership.Role.OWNER, is_active=True)
        .values_list("pk", flat=True)
    )
    if not owners - {membership.pk}:
        raise CalendarError(
            f"{membership.user.get_username()} is the last active owner of "
            f"{membership.business.name}. Make another member an owner first."
        )


@transaction.atomic
def create_staff_account(
    *,
    actor: Membership | None,
    business: Business,
    username: str,
    email: str,
    password: str,
    role: str = Membership.Role.STAFF,
) -> Membership:
    """Create a login and its membership in the business (owners only).

    Raises ``ValidationError`` keyed by field for a taken username or a weak password.
    """
    require_owner(actor, TEAM, business_id=business.pk)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "That username is taken; choose another one."})
    user = user_model(username=username, email=email)
    user.full_clean(exclude=["password"])
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.save()
    return add_membership(actor=actor, business=business, user=user, role=role)


@transaction.atomic
def add_membership(
    *, actor: Membership | None, business: Business, user, role: str, source: str = ""
) -> Membership:
    """Give an existing login a membership in the business (owners; the system, e.g. Django
    admin with ``source="admin"``, creating a business's first owner), audited."""
    require_owner(actor, TEAM, business_id=business.pk)
    if role not in Membership.Role.values:
        raise ValidationError({"role": "Choose owner or staff."})
    membership = Membership.objects.create(user=user, business=business, role=role)
    record_change(
        business=business,
        actor=actor,
        obj=membership,
        action="create",
        revision_before=None,
        source=source,
    )
    return membership


@transaction.atomic
def set_membership_active(
    *, actor: Membership | None, membership: Membership, is_active: bool, source: str = ""
) -> Membership:
    """Deactivate a membership (the member loses access at once) or reactivate it."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "business")
        .get(pk=membership.pk)
    )
    require_owner(actor, TEAM, business_id=membership.business_id)
    if membership.is_active == is_active:
        return membership
    if not is_active and membership.is_owner:
        keep_an_active_owner(membership=membership)
    membership.is_active = is_active
    membership.save(update_fields=["is_active"])
    record_change(
        business=membership.business,
        actor=actor,
        obj=membership,
        action="activate" if is_active else "deactivate",
        revision_before=None,
        source=source,
    )
    return membership


@transaction.atomic
def set_membership_role(
    *, actor: Membership | None, membership: Membership, role: str, source: str = ""
) -> Membership:
    """Make a member an owner or staff; the last active owner cannot step down."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("user", "business")
        .get(pk=membership.pk)
    )
    require_owner(actor, TEAM, business_id=membership.business_id)
    if role not in Membership.Role.values:
        raise CalendarError("Choose owner or staff.")
    if membership.role == role:
        return membership
    if membership.is_owner and membership.is_active:
        keep_an_active_owner(membership=membership)
    membership.role = role
    membership.save(update_fields=["role"])
    record_change(
        business=membership.business,
        actor=actor,
        obj=membership,
        action=f"role_{role}",
        revision_before=None,
        source=source,
    )
    return membership
