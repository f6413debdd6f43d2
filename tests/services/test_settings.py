from __future__ import annotations

from decimal import Decimal

import pytest

from atoz_desk.domain.errors import PermissionDenied, ValidationError
from atoz_desk.services import Services
from atoz_desk.services.settings import load_policy, set_policy

from .conftest import Desk


def test_admin_changes_a_figure_and_services_built_after_use_it(desk: Desk) -> None:
    db, clock = desk.services.db, desk.services.clock
    set_policy(db, {"seller_response_days": 10, "concession_limit": "1500.00"}, desk.admin, clock)
    policy = load_policy(db)
    assert policy.seller_response_days == 10 and policy.concession_limit == Decimal("1500.00")
    services = Services.build(db, policy, clock)
    ref = desk.file(amount_claimed="1200.00", product_price="500.00")
    services.workflow.act(ref, "start_review", desk.carol)
    d = services.workflow.act(ref, "approve_concession", desk.carol)
    assert d.state == "approved_concession"  # $1,200 is now under the concession limit


def test_only_admins_change_policy_and_bad_values_store_nothing(desk: Desk) -> None:
    db, clock = desk.services.db, desk.services.clock
    with pytest.raises(PermissionDenied):
        set_policy(db, {"seller_response_days": 1}, desk.sam, clock)
    with pytest.raises(ValidationError):
        set_policy(db, {"seller_response_days": "soon"}, desk.admin, clock)
    assert load_policy(db).seller_response_days == 7
