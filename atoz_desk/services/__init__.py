"""Use cases: plain data in and out, permission-checked, one transaction each.

`Services` builds each service (and imports its module) the first time it is
asked for: start-up needs users, queues and claims, not letters (ReportLab),
evidence (Pillow) or the importer, so those cost nothing until used.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from atoz_desk.domain.policy import PolicySettings

if TYPE_CHECKING:
    from atoz_desk.data.database import Database
    from atoz_desk.services.assignment import AssignmentService
    from atoz_desk.services.auth import UserService
    from atoz_desk.services.claims import ClaimQueries
    from atoz_desk.services.evidence import EvidenceService
    from atoz_desk.services.fraud import FraudService
    from atoz_desk.services.importer import ImportService
    from atoz_desk.services.intake import IntakeService
    from atoz_desk.services.letters import LetterService
    from atoz_desk.services.queues import QueueService
    from atoz_desk.services.sweep import DeadlineSweep
    from atoz_desk.services.workflow import ClaimWorkflow

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class _BuiltOnce(Generic[T]):
    """A service made by `make(services)` on first access, once per `Services`, whichever thread asks.

    The built service is kept in the instance's ``__dict__``, so later reads are
    plain attribute reads. The lock is this attribute's own: a thread building
    the letters service never makes another wait for the users service.
    """

    def __init__(self, make: Callable[[Services], T]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self._name = make.__name__
        self.__doc__ = make.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, services: None, owner: type[Any] | None = None) -> _BuiltOnce[T]: ...
    @overload
    def __get__(self, services: Services, owner: type[Any] | None = None) -> T: ...
    def __get__(self, services: Services | None, owner: type[Any] | None = None) -> T | _BuiltOnce[T]:
        if services is None:
            return self
        built: dict[str, Any] = services.__dict__
        with self._lock:
            if self._name not in built:  # a thread that waited finds it made and takes that one
                built[self._name] = self._make(services)
            service: T = built[self._name]
        return service


class Services:
    """Every service over one database, built by the composition root; each made on first use.

    The attributes cannot be replaced once the object exists.
    """

    db: Database
    policy: PolicySettings
    clock: Callable[[], datetime]

    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        object.__setattr__(self, "db", db)
        object.__setattr__(self, "policy", policy)
        object.__setattr__(self, "clock", clock)

    @classmethod
    def build(
        cls,
        db: Database,
        policy: PolicySettings | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> Services:
        return cls(db, policy or PolicySettings(), clock)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Services is read-only: {name} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Services is read-only: {name} cannot be deleted")

    def __repr__(self) -> str:
        return f"Services(db={self.db!r}, policy={self.policy!r})"

    @_BuiltOnce
    def users(self) -> UserService:
        from atoz_desk.services.auth import UserService

        return UserService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def intake(self) -> IntakeService:
        from atoz_desk.services.intake import IntakeService

        return IntakeService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def importer(self) -> ImportService:
        from atoz_desk.services.importer import ImportService

        return ImportService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def letters(self) -> LetterService:
        from atoz_desk.services.letters import LetterService

        return LetterService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def claims(self) -> ClaimQueries:
        from atoz_desk.services.claims import ClaimQueries

        return ClaimQueries(self.db, self.policy, self.clock)

    @_BuiltOnce
    def queues(self) -> QueueService:
        from atoz_desk.services.queues import QueueService

        return QueueService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def workflow(self) -> ClaimWorkflow:
        from atoz_desk.services.workflow import ClaimWorkflow

        return ClaimWorkflow(self.db, self.policy, self.clock)

    @_BuiltOnce
    def assignment(self) -> AssignmentService:
        from atoz_desk.services.assignment import AssignmentService

        return AssignmentService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def sweep(self) -> DeadlineSweep:
        from atoz_desk.services.sweep import DeadlineSweep

        return DeadlineSweep(self.db, self.policy, self.clock)

    @_BuiltOnce
    def evidence(self) -> EvidenceService:
        from atoz_desk.services.evidence import EvidenceService

        return EvidenceService(self.db, self.policy, self.clock)

    @_BuiltOnce
    def fraud(self) -> FraudService:
        from atoz_desk.services.fraud import FraudService

        return FraudService(self.db, self.policy, self.clock)
