"""The one review rule of registrations: decided once, while pending; a rejection names its reason."""

import pytest

from suishoupai.errors import Conflict, InvalidInput
from suishoupai.registrations import check_decision


@pytest.mark.parametrize("decision, reason", [("approve", None), ("reject", "请提供单位证明")])
def test_a_pending_registration_may_be_decided(decision, reason):
    """Approval needs nothing more; a rejection with its reason passes."""
    check_decision("pending", "pending", decision, reason, domain="wish", subject="volunteer")


@pytest.mark.parametrize("status", ["approved", "rejected", "verified"])
def test_a_decided_registration_is_not_decided_again(status):
    """Whatever the first decision was, a second is 409 with the status it found."""
    with pytest.raises(Conflict) as refused:
        check_decision(status, "pending", "approve", None, domain="points", subject="rider")
    assert refused.value.code == "points.rider_already_reviewed"
    assert refused.value.details == {"status": status}


@pytest.mark.parametrize("reason", [None, ""])
def test_a_rejection_names_its_reason(reason):
    """No reason, or an empty one: 422 on the reason field."""
    with pytest.raises(InvalidInput) as refused:
        check_decision("pending", "pending", "reject", reason, domain="wish", subject="volunteer")
    assert refused.value.code == "wish.reason_required"
    assert refused.value.details == {"fields": {"reason": ["必填项"]}}
