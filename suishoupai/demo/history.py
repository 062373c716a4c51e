"""The demo district's past: about 90 days of cases, wishes and rider points, replayed through the
services people use (filing, steps, sweeps, wishes, posts, bounties, the shop) on a simulated clock.

Every event runs at its own simulated moment (`database.simulated_clock`) in a savepoint of its
own, as a request in its transaction; a refused step (the sweep got there first, a claim limit) is
rolled back, counted and skipped, as a refused request would be. The work is committed at each
simulated day's end and before each sweep (which commits as it goes, like the timer it stands for):
a commit per event cost a third of the replay, mostly re-reading what it had just written. The facts
the stats read are rebuilt once at the end, as after any bulk load. Running it again adds nothing: a
case filed by one of its residents marks it made.
"""

from __future__ import annotations

import heapq
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select

from suishoupai.auth.models import User
from suishoupai.database import SimulatedClock, simulated_clock, utcnow
from suishoupai.errors import DomainError
from suishoupai.extensions import db
from suishoupai.media import service as media
from suishoupai.media.storage import deferred_sync
from suishoupai.offers import bounties
from suishoupai.org.actor import Actor, actor_of
from suishoupai.reports import sweep as report_sweep
from suishoupai.reports.models import Report
from suishoupai.stats import facts
from suishoupai.wishes import service as wishes

#: hours between two passes of the sweeps
SWEEP_HOURS = 6
#: the openid prefix of the history's residents
RESIDENTS = "demo-h-resident-"


@dataclass(order=True)
class _Event:
    """One scheduled call; ties in time keep the order they were scheduled in."""

    when: datetime
    seq: int
    run: Callable[[], None] = field(compare=False)
    #: runs in a transaction of its own (it commits as it goes), not in a savepoint of the day's
    alone: bool = field(default=False, compare=False)


class Simulation:
    """A queue of timed events over the services, and what the history's people need to act."""

    def __init__(self, clock: SimulatedClock, start: datetime, end: datetime, rng: random.Random):
        self.clock, self.start, self.end, self.rng = clock, start, end, rng
        self.queue: list[_Event] = []
        self.seq = 0
        #: pictures taken so far, by pool and whose turn (a community's filings, a resolver's closings)
        self.taken: dict[tuple[str, int], int] = {}
        self.pictures: dict[tuple[str, int], bytes] = {}
        #: each case's filing picture, for the resolver who sends it back as the after-photo
        self.filed_picture: dict[int, tuple[str, int]] = {}
        self.counts: dict[str, int] = {}
        #: actors by user id, once nobody's role changes any more (after enrolment)
        self.actors: dict[int, Actor] | None = None

    def at(self, when: datetime, run: Callable[[], None], alone: bool = False) -> None:
        """Run `run` at simulated `when`, if that lies before the history's end (later steps never
        happened yet: those cases are the open queues a newcomer finds)."""
        if when < self.end:
            self.seq += 1
            heapq.heappush(self.queue, _Event(when, self.seq, run, alone))

    def after(self, hours: float, run: Callable[[], None]) -> None:
        """Run `run` `hours` after the current simulated moment."""
        self.at(utcnow() + timedelta(hours=hours), run)

    def count(self, key: str, n: int = 1) -> None:
        """Tally what happened, for the command's summary."""
        self.counts[key] = self.counts.get(key, 0) + n

    def actor(self, user_id: int) -> Actor:
        """The user as signed in now (roles change while enrolling: riders, volunteers)."""
        if self.actors is None:
            return actor_of(user_id)
        if user_id not in self.actors:
            self.actors[user_id] = actor_of(user_id)
        return self.actors[user_id]

    def next_picture(self, pool: str, turn: int) -> tuple[str, int]:
        """The next picture of a pool for `turn` (a community, a resolver): pictures repeat across
        turns, never within one, so no check that compares photos in one community's filings or one
        resolver's closings finds a match the district did not have."""
        n = self.taken.get((pool, turn), 0)
        self.taken[(pool, turn)] = n + 1
        return pool, n

    def photo(self, user_id: int, purpose: str, picture: tuple[str, int]) -> int:
        """Upload a picture as this user: a small seeded-noise JPEG (as the tests and benches make),
        each pool's n-th its own, unlike every other (perceptual hashes of noise lie ~32 bits apart).
        Each upload goes through the pipeline and gets its own row; repeated bytes are processed once
        and stored once (by content hash)."""
        if picture not in self.pictures:
            buf = io.BytesIO()
            Image.frombytes("RGB", (48, 36), random.Random(f"{picture[0]}:{picture[1]}").randbytes(
                48 * 36 * 3)).save(buf, "JPEG", quality=80)
            self.pictures[picture] = buf.getvalue()
        return media.upload(self.actor(user_id), self.pictures[picture], purpose).id

    def run(self) -> None:
        """Play every event in time order, each in a savepoint; commit once a simulated day."""
        day = None
        while self.queue:
            event = heapq.heappop(self.queue)
            if event.alone or event.when.date() != day:
                db.session.commit()
                day = event.when.date()
            self.clock.set(event.when)
            try:
                if event.alone:
                    event.run()
                    db.session.commit()
                else:
                    with db.session.begin_nested():
                        event.run()
            except DomainError as exc:
                if event.alone:
                    db.session.rollback()
                self.count(f"refused:{exc.code}")
        db.session.commit()


def made() -> bool:
    """Whether the history is already in the database: a case filed by one of its residents (a run
    stopped before its first case leaves only accounts, and the next run carries on from them)."""
    return db.session.scalar(select(Report.id).join(User, User.id == Report.reporter_id).where(
        User.openid.startswith(RESIDENTS)).limit(1)) is not None


def build(days: int = 90, seed: int = 20260901) -> dict:
    """Replay `days` of history ending now over the demo district (`flask demo seed` first);
    nothing when it was made before."""
    from suishoupai.demo import casework, people

    if made():
        return {"made": False}
    end = utcnow()
    start = end - timedelta(days=days)
    rng = random.Random(seed)
    with simulated_clock(start) as clock, deferred_sync():
        sim = Simulation(clock, start, end, rng)
        cast = people.enrol(sim)
        db.session.commit()
        sim.actors = {}
        day = start
        while day < end:
            casework.plan_day(sim, cast, day)
            people.plan_day(sim, cast, day)
            day += timedelta(days=1)
        # the sweeps as a deployment's timer would run them, four times a day (each pass reads
        # every open case, so hourly passes would be most of the replay's time)
        hour = start
        while hour < end:
            sim.at(hour, _sweeps, alone=True)
            hour += timedelta(hours=SWEEP_HOURS)
        sim.run()
    cases = facts.rebuild()
    db.session.commit()
    return {"made": True, "days": days, "cases": cases, **dict(sorted(sim.counts.items()))}


def _sweeps() -> None:
    """A deployment's timers: the SLA sweep; wish and bounty deadlines once a day."""
    now = utcnow()
    report_sweep.sweep(now)
    if now.hour < SWEEP_HOURS:
        wishes.sweep(now)
        bounties.sweep(now)


__all__ = ["build", "made", "Simulation"]
