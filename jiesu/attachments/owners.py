"""Who may see and delete the attachments of a kind of record. Each owning app registers its
rule once (in its AppConfig.ready), so this app never imports its owners:

    register_owner(SupervisionItem, OwnerPolicy(can_view=..., can_delete=..., is_public=...))

`can_view(user, owner)` answers for a logged-in user; `is_public(owner)` says whether anyone,
without logging in, may see the public copies (EXIF personal data removed);
`can_delete(user, owner, attachment)` guards the tombstone."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models


def _never(*_args) -> bool:
    return False


@dataclass(frozen=True)
class OwnerPolicy:
    can_view: Callable[[Any, Any], bool]
    can_delete: Callable[[Any, Any, Any], bool] = _never
    is_public: Callable[[Any], bool] = _never


_POLICIES: dict[str, OwnerPolicy] = {}


def _key(model: type[models.Model]) -> str:
    return model._meta.label_lower


def register_owner(model: type[models.Model], policy: OwnerPolicy) -> None:
    _POLICIES[_key(model)] = policy


def policy_for(model: type[models.Model]) -> OwnerPolicy | None:
    return _POLICIES.get(_key(model))


def is_staff(user) -> bool:
    """Platform users (every role logs in); citizens and the public never do. Staff see the
    originals; everyone else sees the copies without EXIF personal data."""
    return bool(user is not None and user.is_authenticated and getattr(user, "role", ""))
