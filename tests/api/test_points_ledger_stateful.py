"""The ledger against a simple model: random award / capped award / manual deduct / redeem / cancel /
reverse / retry sequences keep every transaction at zero, cached == derived, no balance below zero,
no source credited twice, and the chain verifying."""

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from suishoupai.auth.models import User
from suishoupai.errors import Conflict
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points import audit, awards, ledger, rulebook
from suishoupai.points.models import Account, Award, LedgerTxn, Posting

DAILY_CAP = 25
_ids = itertools.count(1)


def _community() -> int:
    """A district → street → community to issue from."""
    parent, path = None, "/"
    for kind in ("district", "street", "community"):
        unit = OrgUnit(kind=kind, code=f"ST-{kind}-{next(_ids)}", name=kind, parent_id=parent, path="")
        db.session.add(unit)
        db.session.flush()
        path = unit.path = f"{path}{unit.id}/"
        parent = unit.id
    unit.community_id = unit.id
    return unit.id


class LedgerMachine(RuleBasedStateMachine):
    """Drives the service layer in one app context; each step commits like a request does."""

    earned = Bundle("earned")
    spent = Bundle("spent")

    def __init__(self):
        """Fresh holders, a community and a capped rule of this run's own."""
        super().__init__()
        run = next(_ids)
        self.community = _community()
        self.users = []
        for n in range(3):
            user = User(openid=f"st-{run}-{n}", role="rider")
            db.session.add(user)
            db.session.flush()
            self.users.append(user.id)
        self.rule = f"st_{run}"
        rulebook.create(None, {"code": self.rule, "name": "测试规则", "points": 5, "daily_cap": DAILY_CAP,
                               "riders_only": False})
        db.session.commit()
        self.balance = dict.fromkeys(self.users, 0)
        self.used = dict.fromkeys(self.users, 0)
        #: (user, source) → points credited and not reversed
        self.awarded: dict[tuple[int, int], int] = {}
        # source ids unique across runs: the database outlives each run
        self.sources = itertools.count(run * 100_000)

    def _step(self, action):
        """Run one unit of work; refused work leaves nothing behind (the request rolls back)."""
        try:
            result = action()
            db.session.commit()
            return result
        except Conflict:
            db.session.rollback()
            raise

    @rule(target=earned, who=st.integers(0, 2), points=st.integers(1, 30))
    def award(self, who, points):
        """Award a fresh source; beyond the daily cap it is capped (fully or in part)."""
        user, source = self.users[who], next(self.sources)
        entry = self._step(lambda: awards.award(user, self.rule, source_type="st", source_id=source,
                                                community_id=self.community, points=points, memo="测试"))
        granted = max(0, min(points, DAILY_CAP - self.used[user]))
        assert entry.points == granted
        assert entry.status == ("awarded" if granted else "capped")
        self.used[user] += granted
        self.balance[user] += granted
        self.awarded[(user, source)] = granted
        return (user, source)

    @rule(key=earned)
    def retry(self, key):
        """A retried award credits nothing again."""
        user, source = key
        before = self.balance[user]
        entry = self._step(lambda: awards.award(user, self.rule, source_type="st", source_id=source,
                                                community_id=self.community, points=7, memo="重试"))
        assert entry.source_id == source and ledger.balance(user) == before

    @rule(key=consumes(earned))
    def reverse(self, key):
        """Claw an award back: what is left of it comes back, and the cap room is freed."""
        user, source = key
        points = self.awarded.pop(key)
        self._step(lambda: awards.clawback("st", source, "驳回"))
        taken = min(points, self.balance[user])
        self.balance[user] -= taken
        self.used[user] -= points

    @rule(who=st.integers(0, 2), amount=st.integers(1, 40))
    def deduct(self, who, amount):
        """A manual deduction: refused when it would go below zero."""
        user = self.users[who]
        if amount > self.balance[user]:
            with pytest.raises(ledger.InsufficientPoints):
                self._step(lambda: awards.adjust(user, user, self.community, -amount, "扣分"))
        else:
            self._step(lambda: awards.adjust(user, user, self.community, -amount, "扣分"))
            self.balance[user] -= amount

    @rule(target=spent, who=st.integers(0, 2), amount=st.integers(1, 40))
    def redeem(self, who, amount):
        """Spend into the sink; refused when short."""
        user = self.users[who]
        if amount > self.balance[user]:
            with pytest.raises(ledger.InsufficientPoints):
                self._step(lambda: ledger.spend(user, self.community, amount, source_type="st_redeem",
                                                source_id=next(self.sources), memo="兑换"))
            return None
        txn = self._step(lambda: ledger.spend(user, self.community, amount, source_type="st_redeem",
                                              source_id=next(self.sources), memo="兑换"))
        self.balance[user] -= amount
        return (user, txn.id, amount)

    @rule(spend=consumes(spent))
    def cancel(self, spend):
        """Cancel a redemption by reversal; a second reversal is refused."""
        if spend is None:
            return
        user, txn_id, amount = spend
        self._step(lambda: ledger.reverse(txn_id, memo="取消兑换", source_type="st_cancel", source_id=txn_id))
        self.balance[user] += amount
        with pytest.raises(ledger.AlreadyReversed):
            self._step(lambda: ledger.reverse(txn_id, memo="再次取消", source_type="st_cancel",
                                              source_id=txn_id))

    @invariant()
    def balances_match_the_model_and_the_postings(self):
        """Cached == model == sum of postings, never below zero."""
        for user in self.users:
            account = db.session.scalars(select(Account).where(Account.user_id == user)).first()
            cached = account.balance if account else 0
            derived = db.session.scalar(select(func.coalesce(func.sum(Posting.amount), 0)).where(
                Posting.account_id == (account.id if account else 0)))
            assert cached == derived == self.balance[user] >= 0

    @invariant()
    def every_transaction_sums_to_zero_and_no_source_earns_twice(self):
        """Zero-sum everywhere; one award transaction per source."""
        unbalanced = db.session.scalars(select(Posting.txn_id).group_by(Posting.txn_id)
                                        .having(func.sum(Posting.amount) != 0)).all()
        assert unbalanced == []
        twice = db.session.execute(select(LedgerTxn.source_id).where(
            LedgerTxn.kind == "award", LedgerTxn.source_type == "st")
            .group_by(LedgerTxn.source_id).having(func.count() > 1)).all()
        assert twice == []
        per_source = db.session.execute(select(Award.source_id).where(Award.rule_code == self.rule)
                                        .group_by(Award.source_id, Award.user_id)
                                        .having(func.count() > 1)).all()
        assert per_source == []

    def teardown(self):
        """The chain verifies after every run."""
        report = audit.verify()
        db.session.rollback()
        assert report.ok, report.problems


@pytest.mark.slow
def test_ledger_state_machine(app):
    """Random sequences through the service layer keep the ledger sound."""
    with app.app_context():
        run_state_machine_as_test(LedgerMachine, settings=settings(
            max_examples=25, stateful_step_count=25, deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
