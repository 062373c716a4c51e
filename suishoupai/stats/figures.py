"""Rolling grouped counts up into figures: totals, per grid, per department, per category (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from suishoupai.reports.lifecycle import OPEN, Status
from suishoupai.stats.definitions import mean, rate

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
        # reopened cases not resolved again were resolved once all the same
        self.ever_resolved += n if status in DONE else g["reopened"]

    def add_clocks(self, g: dict) -> None:
        """One (party, party id, category) group of handling clocks."""
        for key in ("accept_on_time", "accept_counted", "resolve_on_time", "resolve_counted",
                    "accept_n", "resolve_n"):
            setattr(self, key, getattr(self, key) + g[key])
        self.accept_hours += g["accept_hours"] or 0.0
        self.resolve_hours += g["resolve_hours"] or 0.0

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
            },
            "hours": {
                "to_accept": {"mean": mean(self.accept_hours, self.accept_n),
                              "p90": _round(p90.get("to_accept")), "n": self.accept_n},
                "to_resolve": {"mean": mean(self.resolve_hours, self.resolve_n),
                               "p90": _round(p90.get("to_resolve")), "n": self.resolve_n},
            },
        }


def _round(value: float | None) -> float | None:
    """Hours to two places."""
    return None if value is None else round(value, 2)


@dataclass
class Rollup:
    """Every row of the answer, filled from the grouped queries."""

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
            {"category": self.categories, "grid": self.grids,
             "department": self.departments}[g["dimension"]][g["key"]].add_cases(g)

    def add_clocks(self, groups: list[dict]) -> None:
        """Clock groups: (party, party id, category); a clock counts for the party it was started for."""
        for g in groups:
            rows = [self.total, self.categories[g["category_id"]]]
            if g["party"] == "grid":
                rows.append(self.grids[g["party_id"]])
            elif g["party"] == "department":
                rows.append(self.departments[g["party_id"]])
            for tally in rows:
                tally.add_clocks(g)
