"""Rolling grouped counts up into figures: totals, per grid, per department, per category (pure).

A `Partial` holds what a stretch of time contributes to a summary: the additive tallies, the deadlines
still ahead when it was counted (whether they count depends on when the summary is asked for), and the
hours per party (a p90 cannot be added up, so the hours themselves are kept). Partials of adjacent
stretches merge into the partial of their union, which is how cached days and the window's edges become
one summary (`days.py`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from operator import add

from suishoupai.reports.lifecycle import OPEN, Status
from suishoupai.stats.definitions import mean, median, p90, rate

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

DONE = frozenset({Status.RESOLVED, Status.CLOSED})


@dataclass
class Tally:
    """Additive counts of one row of the answer (the whole scope, a grid, a department, a category)."""

    cases: int = 0
    rejected: int = 0
    open: int = 0
    overdue_open: int = 0
    done: int = 0
    ever_resolved: int = 0
    reopened: int = 0
    ratings: int = 0
    satisfied: int = 0
    accept_on_time: int = 0
    accept_counted: int = 0
    resolve_on_time: int = 0
    resolve_counted: int = 0
    accept_hours: float = 0.0
    accept_n: int = 0
    resolve_hours: float = 0.0
    resolve_n: int = 0
    transferred: int = 0
    first_contact: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add_cases(self, g: dict) -> None:
        """One (dimension, key, status) group of cases, with their rate events."""
        status, n = Status(g["status"]), g["cases"]
        self.cases += n
        self.by_status[status] += n
        if status == Status.REJECTED:
            self.rejected += n
            return
        self.open += n if status in OPEN else 0
        self.overdue_open += g["overdue_open"]
        self.done += n if status in DONE else 0
        self.reopened += g["reopened"]
        self.ratings += g["ratings"]
        self.satisfied += g["satisfied"]
        self.transferred += g["transferred"]
        self.first_contact += g["direct"] if status in DONE else 0
        # reopened cases not resolved again were resolved once all the same
        self.ever_resolved += n if status in DONE else g["reopened"]

    def add_clocks(self, sums: list) -> None:
        """Clocks added up in the order of `CLOCK_SUMS`, deadlines judged as of when they were counted."""
        for name, value in zip(CLOCK_SUMS, sums, strict=True):
            setattr(self, name, getattr(self, name) + value)

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, n in other.by_status.items():
            self.by_status[status] += n

    def dump(self) -> list:
        """The counts as a list (the order of `_COUNTS`), then the count of each status in `Status`
        order: two dumps add up element by element."""
        return [*(getattr(self, name) for name in _COUNTS), *(self.by_status.get(s, 0) for s in Status)]

    @classmethod
    def load(cls, row: list) -> Tally:
        """A tally from `dump`'s list."""
        tally = cls(*row[:len(_COUNTS)])
        tally.by_status.update((s, n) for s, n in zip(Status, row[len(_COUNTS):], strict=True) if n)
        return tally

    def figures(self, p90: dict[str, float | None] | None = None) -> dict:
        """The row as the answer shows it; ``p90`` per hours measure when known."""
        p90 = p90 or {}
        valid = self.cases - self.rejected

        def r(num: int, den: int) -> dict:
            return {"value": rate(num, den), "numerator": num, "denominator": den, "rank": None}

        return {
            "cases": self.cases, "rejected": self.rejected, "valid": valid, "open": self.open,
            "overdue_open": self.overdue_open,
            "rates": {
                "response_rate": r(self.accept_on_time, self.accept_counted),
                "closure_rate": r(self.done, valid),
                "on_time_resolution_rate": r(self.resolve_on_time, self.resolve_counted),
                "satisfaction_rate": r(self.satisfied, self.ratings),
                "reopened_share": r(self.reopened, self.ever_resolved),
                "transfer_rate": r(self.transferred, valid),
                "first_contact_rate": r(self.first_contact, self.done),
            },
            "hours": {
                "to_accept": {"mean": mean(self.accept_hours, self.accept_n),
                              "median": _round(p90.get("to_accept_median")),
                              "p90": _round(p90.get("to_accept")), "n": self.accept_n},
                "to_resolve": {"mean": mean(self.resolve_hours, self.resolve_n),
                               "median": _round(p90.get("to_resolve_median")),
                               "p90": _round(p90.get("to_resolve")), "n": self.resolve_n},
            },
        }


_COUNTS = tuple(f.name for f in fields(Tally) if f.name != "by_status")
#: what a clock adds to its rows, in the order `Partial.add_clocks` sums it
CLOCK_SUMS = ("accept_on_time", "accept_counted", "resolve_on_time", "resolve_counted",
              "accept_hours", "accept_n", "resolve_hours", "resolve_n")


#: the kept format: the tally columns and statuses it lists, so a change of either reads as another format
FORMAT = hashlib.sha256(repr((_COUNTS, tuple(Status))).encode()).hexdigest()[:12]
_FORMAT_MARK = json.dumps({"v": FORMAT}, separators=(",", ":"))[:-1]


def _round(value: float | None) -> float | None:
    """Hours to two places."""
    return None if value is None else round(value, 2)


def _quantiles(accept: list[float], resolve: list[float]) -> dict[str, float | None]:
    """p90 and median of both hours measures."""
    return {"to_accept": p90(accept), "to_resolve": p90(resolve),
            "to_accept_median": median(accept), "to_resolve_median": median(resolve)}


def instant(value: datetime) -> int:
    """A time as whole microseconds since the epoch: exact, comparable, and plain JSON."""
    return (value - EPOCH) // timedelta(microseconds=1)


@dataclass
class Rollup:
    """Every row of the answer: the whole scope, and per grid, department and category."""

    total: Tally = field(default_factory=Tally)
    grids: dict[int | None, Tally] = field(default_factory=lambda: defaultdict(Tally))
    departments: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    categories: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))

    def add_cases(self, groups: list[dict]) -> None:
        """Case groups per (dimension, key, status): every case is in one category group (which also
        makes the total), one grid group, and one department group if a department held it."""
        for g in groups:
            if g["dimension"] == "department" and g["key"] is None:
                continue
            if g["dimension"] == "category":
                self.total.add_cases(g)
            self.rows(g["dimension"])[g["key"]].add_cases(g)

    def clock_tallies(self, party: str, party_id: int | None, category_id: int) -> list[Tally]:
        """The rows a clock counts in: the total, its category, and the grid or department it was
        started for (a community's or street's clock counts in the total and its category only)."""
        tallies = [self.total, self.categories[category_id]]
        if party == "grid":
            tallies.append(self.grids[party_id])
        elif party == "department":
            tallies.append(self.departments[party_id])
        return tallies

    def rows(self, dimension: str) -> dict:
        """The tallies of one dimension."""
        return {"category": self.categories, "grid": self.grids, "department": self.departments}[dimension]

    def tallies(self):
        """(dimension, key, tally) of every row, the total as ("total", None)."""
        yield "total", None, self.total
        for dimension in ("category", "grid", "department"):
            for key, tally in self.rows(dimension).items():
                yield dimension, key, tally

    def tally(self, dimension: str, key: int | None) -> Tally:
        """The row of a (dimension, key)."""
        return self.total if dimension == "total" else self.rows(dimension)[key]


@dataclass
class Partial:
    """What a stretch of filing time contributes to a summary, as counted at `as_of`.

    ``dues``: per row, the deadlines (µs since the epoch) of clocks that were unanswered at `as_of` with
    the deadline still ahead: whether such a clock counts in a rate's denominator depends on when the
    summary is asked for. ``hours``: per (party, party id), every clock's hours to accept and to
    resolve, to two places (the displayed precision: the p90 of rounded values is the rounded p90).
    """

    rollup: Rollup = field(default_factory=Rollup)
    dues: dict[tuple[str, int | None], tuple[list[int], list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: ([], [])))
    hours: dict[tuple[str, int | None], tuple[list[float], list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: ([], [])))

    def add_clocks(self, rows) -> None:
        """The clock rows `queries.run` reads: summed per (party, party id, category) first, since a
        day holds far more clocks than such groups, then added to the rows each group counts in."""
        groups: dict[tuple, list] = {}
        for (party, party_id, category_id, accept_on_time, accept_counted, accept_due, resolve_on_time,
             resolve_counted, resolve_due, accept_hours, resolve_hours) in rows:
            key = (party, party_id, category_id)
            sums = groups.get(key)
            if sums is None:
                sums = groups[key] = [0, 0, 0, 0, 0.0, 0, 0.0, 0]
            sums[0] += accept_on_time
            sums[1] += accept_counted
            sums[2] += resolve_on_time
            sums[3] += resolve_counted
            hours = self.hours[party, party_id]
            if accept_hours is not None:
                sums[4] += accept_hours
                sums[5] += 1
                hours[0].append(round(accept_hours, 2))
            if resolve_hours is not None:
                sums[6] += resolve_hours
                sums[7] += 1
                hours[1].append(round(resolve_hours, 2))
            if accept_due is not None or resolve_due is not None:
                for dues in self._dues_of(party, party_id, category_id):
                    if accept_due is not None:
                        dues[0].append(instant(accept_due))
                    if resolve_due is not None:
                        dues[1].append(instant(resolve_due))
        for (party, party_id, category_id), sums in groups.items():
            for tally in self.rollup.clock_tallies(party, party_id, category_id):
                tally.add_clocks(sums)

    def _dues_of(self, party: str, party_id: int | None, category_id: int) -> list[tuple[list, list]]:
        """The deadline lists of the rows a clock counts in (as `Rollup.clock_tallies`)."""
        keys = [("total", None), ("category", category_id)]
        if party in ("grid", "department"):
            keys.append((party, party_id))
        return [self.dues[key] for key in keys]

    def merge(self, other: Partial) -> None:
        """Add another stretch (disjoint from this one)."""
        for dimension, key, tally in other.rollup.tallies():
            self.rollup.tally(dimension, key).merge(tally)
        for into, source in ((self.dues, other.dues), (self.hours, other.hours)):
            for key, (first, second) in source.items():
                mine = into[key]
                mine[0].extend(first)
                mine[1].extend(second)

    def finish(self, now: datetime) -> tuple[Rollup, dict]:
        """The rollup with the deadlines passed by `now` counted, and the p90 hours: overall (party
        "all", id 0) and per grid and department."""
        moment = instant(now)
        for (dimension, key), (accept, resolve) in self.dues.items():
            tally = self.rollup.tally(dimension, key)
            tally.accept_counted += sum(due < moment for due in accept)
            tally.resolve_counted += sum(due < moment for due in resolve)
        self.dues.clear()
        p90s = {key: _quantiles(accept, resolve)
                for key, (accept, resolve) in self.hours.items() if key[0] in ("grid", "department")}
        everything = self.hours.values()
        p90s["all", 0] = _quantiles([h for accept, _ in everything for h in accept],
                                    [h for _, resolve in everything for h in resolve])
        return self.rollup, p90s

    def dump(self) -> str:
        """Compact JSON, for the cache of whole days, marked with the format it was written in."""
        return json.dumps({
            "v": FORMAT,
            "tallies": [[dimension, key, tally.dump()] for dimension, key, tally in self.rollup.tallies()],
            "dues": [[dimension, key, accept, resolve] for (dimension, key), (accept, resolve)
                     in self.dues.items()],
            "hours": [[party, party_id, accept, resolve] for (party, party_id), (accept, resolve)
                      in self.hours.items()],
        }, separators=(",", ":"))

    @staticmethod
    def readable(text: str) -> bool:
        """Whether a kept partial was written in this code's format (else it is counted again)."""
        return text.startswith(_FORMAT_MARK)

    @classmethod
    def load(cls, texts: list[str]) -> Partial:
        """The partials `dump` wrote, added up (the rows summed as lists, one Tally each at the end:
        a month of a district is some 2,000 rows to add)."""
        sums: dict[tuple[str, int | None], list] = {}
        partial = cls()
        for text in texts:
            data = json.loads(text)
            for dimension, key, row in data["tallies"]:
                mine = sums.get((dimension, key))
                sums[dimension, key] = row if mine is None else list(map(add, mine, row))
            for into, lists in ((partial.dues, data["dues"]), (partial.hours, data["hours"])):
                for first, second, one, other in lists:
                    mine = into[first, second]
                    mine[0].extend(one)
                    mine[1].extend(other)
        for (dimension, key), row in sums.items():
            if dimension == "total":
                partial.rollup.total = Tally.load(row)
            else:
                partial.rollup.rows(dimension)[key] = Tally.load(row)
        return partial
