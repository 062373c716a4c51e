"""What exactly-once costs in the rewards shop and on governance posts, on SQLite and on PostgreSQL.

For each database: migrate a fresh one (bench.harness.open_target), run the demo seed (rule book, verified
demo rider, demo offers) and register RIDERS verified riders with plenty of points. Then, through the
service layer in this process (one unit of work and one commit per operation, as a request does), with
1 and with THREADS threads:

* baseline: ``ledger.spend`` alone — the hash-chained ledger write every redemption includes;
* redeem: ``rewards.redeem`` on ONE shared reward (per-person lock, per-person limit count, the
  conditional stock UPDATE on one hot row, then the same spend);
* redeem + cancel: a redemption and its reversal (two ledger writes and the restock);
* claim + leave: ``posts.claim`` and ``posts.leave`` on one shared post (the conditional UPDATE on
  its counter, the claim row, the leave).

Figures are operations per second and the ratio to the baseline measured in the same run and thread
count; the box is shared and noisy, compare the ratios.

Run: python -m bench.offers [--db sqlite|postgres|both] [--ops 300] [--threads 8]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import select

from bench.harness import PG_URL, close_target, make_app, open_target, say
from suishoupai import crypto
from suishoupai.auth.models import Role, User
from suishoupai.demo.seed import seed
from suishoupai.extensions import db
from suishoupai.offers import posts, rewards
from suishoupai.org.actor import Actor
from suishoupai.org.models import OrgUnit
from suishoupai.points import audit, awards, ledger
from suishoupai.points.models import Rider

RIDERS = 16


def prepare(app) -> tuple[list[int], int, int, int, int]:
    """Seed, then riders with points, one shared reward and one shared post."""
    with app.app_context():
        upgrade()
        result = seed(rider_points=0)
        admin_user = db.session.scalars(select(User).where(User.openid == "demo-community-admin")).one()
        admin, community = admin_user.id, admin_user.org_unit_id
        riders = []
        for i in range(RIDERS):
            user = User(openid=f"bench-rider-{i}", role=Role.RIDER, nickname=f"骑手{i}",
                        org_unit_id=community)
            db.session.add(user)
            db.session.flush()
            db.session.add(Rider(user_id=user.id, platform="美团", courier_id=f"B{i:05d}",
                                 phone_enc=crypto.encrypt("13700000000"), home_community_id=community,
                                 status="verified"))
            awards.adjust(admin, user.id, community, 10_000_000, "压测初始积分")
            riders.append(user.id)
        office = admin_actor(admin, community)
        reward = rewards.create(office, {"community_id": community, "name": "压测奖品", "cost": 1,
                                         "stock": 10_000_000, "per_user_limit": 100})
        post = posts.create(office, {"community_id": community, "title": "压测岗位", "duties": "压测",
                                     "capacity": 1000, "monthly_points": 1})
        db.session.commit()
        say(f"  seeded: {result['offers']}")
        return riders, community, reward.id, post.id, admin


def admin_actor(admin: int, community: int) -> Actor:
    """The demo community admin as the request layer would build them."""
    return Actor(admin, Role.COMMUNITY_ADMIN, scope_paths=(db.session.get(OrgUnit, community).path,))


def spend_op(user_id: int, community: int, _reward: int, _post: int, n: int) -> None:
    """The baseline: one ledger spend."""
    ledger.spend(user_id, community, 1, source_type="bench", source_id=n, memo="压测")


def redeem_op(user_id: int, _community: int, reward: int, _post: int, _n: int) -> None:
    """Redeem the shared reward (a redemption stays pending; the per-person limit is high enough)."""
    rewards.redeem(Actor(user_id, Role.RIDER), reward)


def redeem_cancel_op(user_id: int, _community: int, reward: int, _post: int, _n: int) -> None:
    """Redeem, commit, cancel: the refund by reversal and the restock."""
    actor = Actor(user_id, Role.RIDER)
    redemption = rewards.redeem(actor, reward)
    db.session.commit()
    rewards.cancel(actor, redemption.id)


def claim_leave_op(user_id: int, _community: int, _reward: int, post: int, _n: int) -> None:
    """Claim a place on the shared post, commit, leave it."""
    actor = Actor(user_id, Role.RIDER)
    posts.claim(actor, post)
    db.session.commit()
    posts.leave(actor, post)


def run(app, op, riders, community, reward, post, ops: int, threads: int) -> float:
    """Operations per second with `threads` workers sharing `ops` operations, each committing per op."""
    per = ops // threads
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        """One thread's share, in its own app context (its own session and connection)."""
        with app.app_context():
            for n in range(per):
                try:
                    # redeem+cancel holds at most one pending item per worker at a time; plain
                    # redeem rotates riders so the per-person limit never binds
                    rider = riders[(k + n * threads) % len(riders)] if op is redeem_op else riders[k]
                    op(rider, community, reward, post, k * 1_000_000 + n)
                    db.session.commit()
                except BaseException as exc:  # a refusal would make the figure meaningless
                    db.session.rollback()
                    errors.append(exc)
                    return

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{op.__name__}: {errors[0]!r}")
    return per * threads / seconds


def bench(kind: str, ops: int, threads: int) -> list[tuple]:
    """All scenarios on one database."""
    with tempfile.TemporaryDirectory() as tmp:
        target = open_target(kind, Path(tmp), PG_URL)
        try:
            app = make_app(target)
            say(f"{target.label}: migrate and seed")
            riders, community, reward, post, admin = prepare(app)
            rows = []
            for n_threads in (1, threads):
                base = run(app, spend_op, riders, community, reward, post, ops, n_threads)
                for name, op in (("redeem (one shared reward)", redeem_op),
                                 ("redeem + cancel", redeem_cancel_op),
                                 ("claim + leave (one shared post)", claim_leave_op)):
                    rate = run(app, op, riders, community, reward, post, ops, n_threads)
                    rows.append((target.label, n_threads, name, rate, base))
                rows.append((target.label, n_threads, "ledger.spend (baseline)", base, base))
            with app.app_context():
                office = admin_actor(admin, community)
                stock = rewards.admin_get(office, reward).stock
                taken = posts.admin_get(office, post).taken
                say(f"  after: reward stock {stock}, post taken {taken} (0 expected), "
                    f"points verify ok: {audit.verify().ok}")
                db.engine.dispose()
            return rows
        finally:
            close_target(target, PG_URL)


def main() -> None:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--ops", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows = [row for kind in kinds for row in bench(kind, args.ops, args.threads)]
    print(f"{'database':<18} {'threads':>7}  {'operation':<34} {'ops/s':>8}  {'× baseline':>10}")
    for label, n_threads, name, rate, base in rows:
        print(f"{label:<18} {n_threads:>7}  {name:<34} {rate:8.1f}  {rate / base:10.2f}")


if __name__ == "__main__":
    main()
