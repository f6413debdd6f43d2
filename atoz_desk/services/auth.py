"""Users, roles, authority limits and sign-in."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from atoz_desk.data.database import Database
from atoz_desk.data.models import User
from atoz_desk.domain.errors import NotFound, PermissionDenied, ValidationError
from atoz_desk.domain.money import parse_amount
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.dto import UserInfo

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Low-cost argon2id parameters keep sign-in under ~50 ms on a 2-core desk
# machine while still resisting offline guessing far better than a plain hash.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def user_info(u: User) -> UserInfo:
    return UserInfo(u.id, u.username, u.display_name, u.role, u.authority_limit, u.active)


def actor_of(u: User) -> Actor:
    return Actor(u.id, u.username, u.display_name, Role(u.role), u.authority_limit)


class UserService:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def add_user(
        self,
        username: str,
        *,
        role: str,
        authority: Decimal | str | None,
        password: str,
        display_name: str | None = None,
        acting: Actor | None = None,
    ) -> UserInfo:
        """Create a user. Only an admin may add users once any admin exists."""
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise ValidationError(
                f"user name {username!r}: use 2-64 lower-case letters, digits, '.', '_' or '-'",
                "username",
            )
        try:
            role_enum = Role(role)
        except ValueError:
            raise ValidationError(
                f"role {role!r} is not one of {', '.join(r.value for r in Role)}", "role"
            ) from None
        limit = (
            self._policy.default_authority(role_enum)
            if authority is None
            else parse_amount(authority, field="authority", maximum=self._policy.max_claim_amount)
        )
        if len(password) < 8:
            raise ValidationError("the password must have at least 8 characters", "password")
        with self._db.unit_of_work() as s:
            has_admin = s.scalar(select(User.id).where(User.role == Role.ADMIN.value).limit(1))
            # the command line (acting None) is the machine administrator's; in the app only admins
            if has_admin is not None and acting is not None and acting.role is not Role.ADMIN:
                raise PermissionDenied("only an admin may add users")
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise ValidationError(f"a user named {username!r} already exists", "username")
            user = User(
                username=username,
                display_name=(display_name or username).strip(),
                role=role_enum.value,
                authority_limit=limit,
                password_hash=hash_password(password),
                active=True,
                created_at=self._clock(),
            )
            s.add(user)
            s.flush()
            return user_info(user)

    def list_users(self) -> list[UserInfo]:
        with self._db.reading() as s:
            return [user_info(u) for u in s.scalars(select(User).order_by(User.username))]

    def actor(self, username: str) -> Actor:
        """The acting user for a command-line or service call; unknown or inactive is refused."""
        with self._db.reading() as s:
            u = s.scalar(select(User).where(User.username == username.strip().lower()))
            if u is None:
                raise NotFound(f"no user named {username!r}; `users list` shows who exists")
            if not u.active:
                raise PermissionDenied(f"user {username!r} is deactivated")
            return actor_of(u)

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a password; the same message for unknown user and wrong password."""
        wrong = PermissionDenied("user name or password is not right")
        with self._db.reading() as s:
            u = s.scalar(select(User).where(User.username == username.strip().lower()))
            if u is None or not u.active:
                raise wrong
            try:
                _HASHER.verify(u.password_hash, password)
            except (VerificationError, InvalidHashError):
                raise wrong from None
            return actor_of(u)
