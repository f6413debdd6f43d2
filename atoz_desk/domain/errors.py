"""Expected problems, each with a message a person can act on.

Bugs are not DomainErrors: they propagate to the crash handler.
"""

from __future__ import annotations


class DomainError(Exception):
    """An expected problem: validation, permission, stale edit, missing record."""

    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """Input that breaks a rule; `field` names what to correct, when known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(DomainError):
    """A claim, user or record that does not exist."""


class PermissionDenied(DomainError):
    """The acting user's role or authority limit does not allow the action."""


class TransitionNotAllowed(DomainError):
    """The action does not exist from the claim's current state."""


class StaleEdit(DomainError):
    """The claim changed since the user loaded it; nothing was overwritten."""

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.current_version = current_version


class DuplicateClaim(ValidationError):
    """A claim for the same order and incident already exists."""

    def __init__(self, message: str, existing_reference: str) -> None:
        super().__init__(message, field="order_id")
        self.existing_reference = existing_reference


class DatabaseUnavailable(DomainError):
    """The database cannot be reached; nothing was changed."""


class ConcurrentChange(DomainError):
    """A uniqueness clash with another writer's simultaneous insert; retrying resolves it."""


class Cancelled(DomainError):
    """Work stopped because its result is no longer wanted (a count overtaken by a newer filter).

    Quiet: nobody asked for the result any more, so nothing is shown. Not DatabaseUnavailable:
    the connection is fine.
    """

    def __init__(self, message: str = "Stopped: the result is no longer wanted.") -> None:
        super().__init__(message)
