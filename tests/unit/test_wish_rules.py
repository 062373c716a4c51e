"""The 微心愿 state machine, without a database: who may take which step in which status."""

import pytest

from suishoupai.wishes import lifecycle as lc
from suishoupai.wishes.lifecycle import Action, Party, Status


def test_staff_review_a_submitted_wish_and_open_a_published_one():
    """Reviewing is for a submitted wish, changing who may claim for a published one, both staff's."""
    assert lc.available_actions(Status.SUBMITTED, {Party.STAFF}) == [Action.REVIEW, Action.REVEAL]
    assert lc.available_actions(Status.PUBLISHED, {Party.STAFF}) == [Action.OPEN_TO, Action.REVEAL]
    lc.check(Action.REVIEW, Status.SUBMITTED, {Party.STAFF})


def test_a_step_never_theirs_is_403_with_the_steps_own_code():
    """Someone with no relation that ever allows the step is refused as forbidden, whatever the status."""
    cases = [(Action.REVIEW, Status.SUBMITTED, {Party.WISHER}, "wish.review_forbidden"),
             (Action.RELEASE, Status.CLAIMED, {Party.STAFF}, "wish.not_claimant"),
             (Action.CONFIRM, Status.FULFILLED, {Party.CLAIMANT}, "wish.confirm_forbidden"),
             (Action.REVEAL, Status.CLAIMED, {Party.WISHER}, "wish.reveal_forbidden"),
             (Action.CLAIM, Status.PUBLISHED, set(), "wish.claim_forbidden")]
    for action, status, parties, code in cases:
        with pytest.raises(lc.NotAllowed) as refused:
            lc.check(action, status, parties)
        assert refused.value.status == 403 and refused.value.code == code and refused.value.message


def test_a_step_theirs_but_not_now_is_409_naming_the_status():
    """The right person in the wrong status gets a conflict that names the current status."""
    with pytest.raises(lc.IllegalTransition) as late:
        lc.check(Action.REVIEW, Status.PUBLISHED, {Party.STAFF})
    assert late.value.status == 409 and late.value.code == "wish.illegal_transition"
    assert late.value.details == {"status": "published"}
    with pytest.raises(lc.IllegalTransition) as done:
        lc.check(Action.FULFIL, Status.FULFILLED, {Party.CLAIMANT})
    assert done.value.code == "wish.illegal_transition"


def test_a_claim_refused_by_status_says_taken_or_not_open():
    """A claim on a claimed wish says it is taken; on any other status that it cannot be claimed now."""
    taken = lc.IllegalTransition(Action.CLAIM, Status.CLAIMED)
    assert taken.code == "wish.already_claimed" and taken.message == "该心愿已被认领"
    closed = lc.IllegalTransition(Action.CLAIM, Status.CONFIRMED)
    assert closed.code == "wish.illegal_transition" and closed.message == "心愿当前状态不能认领"


def test_the_claimant_holds_release_fulfil_reveal_only_while_claimed():
    """A standing claim offers release, fulfil and the contact; after fulfilment nothing of it is left."""
    assert lc.available_actions(Status.CLAIMED, {Party.CLAIMANT}) == [
        Action.RELEASE, Action.FULFIL, Action.REVEAL]
    assert lc.available_actions(Status.FULFILLED, {Party.CLAIMANT}) == []
    with pytest.raises(lc.IllegalTransition) as ended:
        lc.check(Action.REVEAL, Status.FULFILLED, {Party.CLAIMANT})
    assert ended.value.code == "wish.claim_not_standing"


def test_staff_see_the_contact_in_every_status():
    """The place's staff may reveal the beneficiary's contact whatever the wish's status."""
    assert all(lc.may(Action.REVEAL, status, {Party.STAFF}) for status in Status)


def test_only_an_eligible_claimer_claims_and_only_a_published_wish():
    """Claiming needs an eligible claimer and a wish waiting on the board."""
    assert [s for s in Status if lc.may(Action.CLAIM, s, {Party.CLAIMER})] == [Status.PUBLISHED]
    assert not lc.may(Action.CLAIM, Status.PUBLISHED, {Party.WISHER, Party.STAFF})


def test_confirm_is_the_wishers_or_the_proxys_once_fulfilled():
    """The wisher, or staff for a wish entered on someone's behalf, confirm a fulfilled wish."""
    for who in (Party.WISHER, Party.PROXY):
        assert lc.available_actions(Status.FULFILLED, {who}) == [Action.CONFIRM]
        assert not lc.may(Action.CONFIRM, Status.CLAIMED, {who})
    assert lc.available_actions(Status.FULFILLED, {Party.STAFF, Party.PROXY}) == [
        Action.REVEAL, Action.CONFIRM]


def test_every_offered_action_passes_its_check():
    """For every status and relation, what available_actions offers is what check lets through."""
    for status in Status:
        for party in Party:
            for action in Action:
                offered = action in lc.available_actions(status, {party})
                try:
                    lc.check(action, status, {party})
                    allowed = True
                except (lc.NotAllowed, lc.IllegalTransition):
                    allowed = False
                assert offered == allowed, (status, party, action)


def test_accepts_plain_strings():
    """Stored statuses and relations as strings work like the enums."""
    assert lc.available_actions("submitted", ["staff"]) == [Action.REVIEW, Action.REVEAL]
    assert lc.STATUS_LABELS[Status("claimed")] == "已认领"
