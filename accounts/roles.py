"""The five roles. Each is a Django group created by a migration with its permissions."""

from django.contrib.auth.models import AbstractBaseUser

SDR = "SDR"
AE = "AE"
MANAGER = "Manager"
REVOPS = "RevOps"
MARKETING = "Marketing"
ROLES = (SDR, AE, MANAGER, REVOPS, MARKETING)


def user_roles(user: AbstractBaseUser) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_leadreview_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._leadreview_roles = cached
    return cached


def has_role(user: AbstractBaseUser, *roles: str) -> bool:
    return user.is_superuser or bool(user_roles(user) & set(roles))
