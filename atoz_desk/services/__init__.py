"""Use cases: plain data in and out, permission-checked, one transaction each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from atoz_desk.data.database import Database
from atoz_desk.domain.policy import PolicySettings
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


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """Every service, built once by the composition root over one database."""

    db: Database
    policy: PolicySettings
    clock: Callable[[], datetime]
    users: UserService
    intake: IntakeService
    importer: ImportService
    letters: LetterService
    claims: ClaimQueries
    queues: QueueService
    workflow: ClaimWorkflow
    assignment: AssignmentService
    sweep: DeadlineSweep
    evidence: EvidenceService
    fraud: FraudService

    @classmethod
    def build(
        cls,
        db: Database,
        policy: PolicySettings | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> Services:
        policy = policy or PolicySettings()
        args = (db, policy, clock)
        return cls(
            db=db,
            policy=policy,
            clock=clock,
            users=UserService(*args),
            intake=IntakeService(*args),
            importer=ImportService(*args),
            letters=LetterService(*args),
            claims=ClaimQueries(*args),
            queues=QueueService(*args),
            workflow=ClaimWorkflow(*args),
            assignment=AssignmentService(*args),
            sweep=DeadlineSweep(*args),
            evidence=EvidenceService(*args),
            fraud=FraudService(*args),
        )
