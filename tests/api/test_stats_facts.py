"""The stats facts the summary reads: refreshed on read from the reports that moved, equal to a rebuild
after every kind of change, and quiet when nothing moved."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, update

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.reports.models import Report
from suishoupai.stats import days, facts, queries
from suishoupai.stats.facts import StatsCase, StatsClock, StatsDay, StatsMark
from suishoupai.stats.figures import Partial
from tests.helpers.concurrency import at_once
from tests.helpers.reports import department_id
from tests.helpers.stats import DIST, GM, RES, get, grid_stint, set_clocks
from tests.helpers.stats import case as case  # noqa: F401 - fixtures shared with the summary tests
from tests.helpers.stats import dataset as dataset  # noqa: F401


@pytest.fixture
def app(app_factory):
    """The summary tests' settings, and every summary counted afresh."""
    return app_factory(STATS_MIN_SAMPLE=2, STATS_CACHE_SECONDS=0)


def snapshot() -> dict:
    """Every fact row, comparable."""
    return {model.__tablename__: sorted(tuple(getattr(row, c.key) for c in model.__table__.columns)
                                        for row in db.session.scalars(select(model)))
            for model in (StatsCase, StatsClock)}


@pytest.fixture
def built(case, dataset, app):  # noqa: F811
    """The dataset with its facts built by a first summary."""
    assert get(case, DIST, scope=f"district:{dataset['district']}").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(StatsMark.seen).where(StatsMark.name == facts.MARK)) is not None
        return snapshot()


def test_first_summary_builds_the_facts_of_every_case(app, dataset, built):  # noqa: F811
    """One case row per report, a clock row per valid clock (E was rejected: no clock)."""
    cases = {row[0]: row for row in built["stats_cases"]}
    assert set(cases) == {v for k, v in dataset.items() if len(k) == 1}
    clocks = [row[0] for row in built["stats_clocks"]]
    assert dataset["E"] not in clocks
    assert clocks.count(dataset["C"]) == 2 and clocks.count(dataset["D"]) == 2  # transfer, reopen


def test_incremental_refresh_equals_a_rebuild_after_every_kind_of_change(case, app, dataset, built):  # noqa: F811
    """Accept, transfer, resolve, rate, reject and a reopen move the facts exactly as a rebuild would."""
    s = case.step
    s(GM, dataset["F"], "accept")
    s(GM, dataset["F"], "transfer", department_id=department_id(app))
    s(GM, dataset["G"], "reject", reason="无效举报")
    s(DIST, dataset["I"], "resolve", media_ids=[case.photo(DIST)])
    s(RES, dataset["I"], "rate", rating=1)
    with app.app_context():
        moved = facts.refresh()
        assert moved >= 3  # F, G, I (and whatever the overlap carries again)
        incremental = snapshot()
        assert facts.refresh() == 0  # nothing moved since: nothing written
        facts.rebuild()
        assert snapshot() == incremental != built
    cases = {row[0]: row for row in incremental["stats_cases"]}
    status = StatsCase.__table__.columns.keys().index("status")
    assert cases[dataset["G"]][status] == "rejected" and cases[dataset["F"]][status] == "transferred"
    assert dataset["G"] not in [row[0] for row in incremental["stats_clocks"]]


def test_summary_reflects_a_change_at_once(case, app, dataset, built):  # noqa: F811
    """With the summary cache off, a rejection shows in the very next summary."""
    before = get(case, DIST, scope=f"district:{dataset['district']}").json["totals"]
    assert case.step(GM, dataset["F"], "reject", reason="重复举报").status_code == 200
    after = get(case, DIST, scope=f"district:{dataset['district']}").json["totals"]
    assert (after["rejected"], after["valid"]) == (before["rejected"] + 1, before["valid"] - 1)


def test_a_late_commit_within_the_overlap_is_picked_up_and_older_ones_are_not(app, dataset, built):  # noqa: F811
    """A report stamped before the mark (its transaction committed after the last refresh) is
    recomputed when it lies within STATS_REFRESH_OVERLAP_SECONDS of the mark; the overlap is the bound."""
    overlap = timedelta(seconds=app.config["STATS_REFRESH_OVERLAP_SECONDS"])
    department = department_id(app)
    with app.app_context():
        seen = db.session.scalar(select(StatsMark.seen).where(StatsMark.name == facts.MARK))
        late, too_late = dataset["A"], dataset["B"]
        for rid, stamp in ((late, seen - overlap / 2), (too_late, seen - overlap * 2)):
            db.session.execute(update(Report).where(Report.id == rid).values(
                department_id=department, updated_at=stamp))
        # something newer moves, so the refresh runs
        db.session.execute(update(Report).where(Report.id == dataset["H"]).values(address="东门"))
        db.session.commit()
        facts.refresh()
        column = StatsCase.__table__.columns.keys().index("department_id")
        rows = {row[0]: row for row in snapshot()["stats_cases"]}
        assert rows[late][column] == department
        assert rows[too_late][column] is None  # missed: only `flask stats refresh --all` repairs it
        facts.rebuild()
        assert {row[0]: row for row in snapshot()["stats_cases"]}[too_late][column] == department


def test_cli_refresh_and_rebuild(app, dataset, built):  # noqa: F811
    """`flask stats refresh` says how many cases it recomputed; --all recomputes every one."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "refresh", "--all"])
    assert result.exit_code == 0
    assert result.output.strip() == f"已重算全部 {len(built['stats_cases'])} 件案件的统计事实"
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == dataset["A"]).values(address="新地址"))
        db.session.commit()
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 0 and "已更新" in result.output
    assert int(result.output.split()[1]) >= 1


def _figures(partial, now) -> dict:
    """Every row's figures and the p90 table of a partial, as a summary asked at `now` shows them."""
    roll, p90s = partial.finish(now)
    rows = {(dimension, key): tally.figures(p90s.get((dimension, key)))
            for dimension, key, tally in roll.tallies()}
    return {"rows": rows, "p90": p90s}


def _windows(now):
    """A default window, one starting at an odd hour days ago, one on Beijing midnights, one part-day."""
    midnight = days.day_start(facts.beijing_day(now))
    return [(now - timedelta(days=30), now), (now - timedelta(days=6, hours=5, minutes=7), now),
            (midnight - timedelta(days=7), midnight), (midnight - timedelta(days=5, hours=3), midnight
                                                       - timedelta(days=4, hours=20))]


def test_kept_days_add_up_to_counting_the_window_afresh(app, dataset, built):  # noqa: F811
    """Whole days counted once and kept, plus the edges counted afresh, give every row's figures and
    every p90 exactly as one count of the whole window does; the second time the days are read."""
    place = {"unit": dataset["district"]}
    with app.app_context():
        now = utcnow()
        db.session.execute(delete(StatsDay))
        db.session.commit()
        for start, end in _windows(now):
            whole = queries.run("district", place | {"start": start, "end": end, "as_of": now})
            afresh = _figures(whole, now)
            assert afresh["rows"][("total", None)]["cases"] > 0 or end - start < timedelta(days=1)
            for _ in range(2):
                kept = days.partial("district", dataset["district"], place, start, end, now)
                assert _figures(kept, now) == afresh
        kept = db.session.scalar(select(func.count()).select_from(StatsDay))
        assert kept == 29  # the default window's whole days (30 days from an odd minute), kept once for all


def test_days_past_the_horizon_are_counted_afresh_and_not_kept(app, dataset, built):  # noqa: F811
    """With the horizon inside the window (the cases were filed 5 days ago, only the last 3 days are
    kept), the old part is one more edge: the figures equal one count of the window, and only the
    days inside the horizon are kept."""
    place = {"unit": dataset["district"]}
    app.config["STATS_KEEP_DAYS"] = 3
    with app.app_context():
        now = utcnow()
        db.session.execute(delete(StatsDay))
        db.session.commit()
        for start, end in _windows(now):
            window = place | {"start": start, "end": end, "as_of": now}
            kept = days.partial("district", dataset["district"], place, start, end, now)
            assert _figures(kept, now) == _figures(queries.run("district", window), now)
        whole = _figures(queries.run("district", place | {"start": now - timedelta(days=30), "end": now,
                                                         "as_of": now}), now)
        assert whole["rows"][("total", None)]["cases"] > 0  # the old edge holds the cases
        kept = db.session.scalars(select(StatsDay.day)).all()
        assert sorted(kept) == [days.horizon(now) + timedelta(days=i) for i in range(3)]


def test_prune_forgets_days_past_the_horizon_and_summaries_stay_the_same(case, app, dataset, built):  # noqa: F811
    """`flask stats prune` deletes the kept days older than STATS_KEEP_DAYS, says how many, keeps the
    rest; the summary is unchanged, and a second prune finds nothing."""
    scope = f"district:{dataset['district']}"
    before = get(case, DIST, scope=scope).json
    with app.app_context():
        kept = db.session.scalar(select(func.count()).select_from(StatsDay))
    assert kept >= 29
    app.config["STATS_KEEP_DAYS"] = 3
    runner = app.test_cli_runner()
    result = runner.invoke(args=["stats", "prune"])
    assert result.exit_code == 0
    with app.app_context():
        left = db.session.scalars(select(StatsDay.day)).all()
        oldest = days.horizon(utcnow())
    assert result.output.strip() == f"已清理 {kept - len(left)} 条过期的按日统计"
    assert left and kept - len(left) > 0 and min(left) >= oldest
    after = get(case, DIST, scope=scope).json
    assert after["totals"] == before["totals"] and after["by_grid"] == before["by_grid"]
    assert runner.invoke(args=["stats", "prune"]).output.strip() == "已清理 0 条过期的按日统计"


def test_a_day_kept_in_another_format_is_counted_again(case, app, dataset, built):  # noqa: F811
    """A kept day this code cannot read (written by another version) is counted anew and replaced,
    and the summary is the same as with every day counted afresh."""
    scope = f"district:{dataset['district']}"
    before = get(case, DIST, scope=scope).json
    with app.app_context():
        day = facts.beijing_day(db.session.get(Report, dataset["A"]).created_at)
        db.session.execute(update(StatsDay).where(StatsDay.day == day).values(partial='{"v":"old","x":1}'))
        db.session.commit()
    after = get(case, DIST, scope=scope).json
    assert after["totals"] == before["totals"] and after["by_grid"] == before["by_grid"]
    with app.app_context():
        text = db.session.scalar(select(StatsDay.partial).where(StatsDay.unit_id == dataset["district"],
                                                                StatsDay.day == day))
        assert Partial.readable(text) and '"tallies"' in text


def test_deadlines_ahead_when_counted_are_judged_when_asked(app, dataset, built):  # noqa: F811
    """Counted as of before any deadline of the set (every unanswered clock waiting) and judged now,
    the figures equal counting now: the deadlines come back from SQL and are judged in Python alike."""
    place = {"unit": dataset["district"]}
    with app.app_context():
        now = utcnow()
        window = place | {"start": now - timedelta(days=30), "end": now}
        early = queries.run("district", window | {"as_of": now - timedelta(days=6)})
        assert early.dues, "some clock of the set waits for an answer"
        assert _figures(early, now) == _figures(queries.run("district", window | {"as_of": now}), now)


def test_a_change_forgets_its_day_for_every_scope(case, app, dataset, built):  # noqa: F811
    """The refresh that recomputes a report forgets its filing day's kept counts for every scope
    (a reassignment can move a case between grids); days whose reports' facts did not move stay
    kept, though the overlap recomputes those reports again."""
    # F, still open, moved to 70 h ago: a whole Beijing day at any hour (its own 20 h ago is today's
    # part-day edge, never kept, from 20:00 to 24:00 Beijing time)
    set_clocks(app, dataset["F"], 50, [grid_stint(50)], overdue=True)
    for scope in (f"district:{dataset['district']}", f"community:{dataset['community']}"):
        assert get(case, DIST, scope=scope).status_code == 200
    with app.app_context():
        day = facts.beijing_day(db.session.get(Report, dataset["F"]).created_at)
        before = db.session.execute(select(StatsDay.unit_id, StatsDay.day)).all()
        assert {unit for unit, d in before if d == day} == {dataset["district"], dataset["community"]}
    with app.app_context():  # a change the facts do not show: recomputed, nothing forgotten
        db.session.execute(update(Report).where(Report.id == dataset["F"]).values(address="北门"))
        db.session.commit()
        assert facts.refresh() >= 1
        assert set(db.session.execute(select(StatsDay.unit_id, StatsDay.day)).all()) == set(before)
    assert case.step(GM, dataset["F"], "accept").status_code == 200
    with app.app_context():
        assert facts.refresh() >= 1
        after = db.session.execute(select(StatsDay.unit_id, StatsDay.day)).all()
        quiet = facts.beijing_day(utcnow() - timedelta(days=20))  # no report of the set was filed then
        assert set(after) < set(before) and day not in {d for _, d in after}
        assert {(dataset["district"], quiet), (dataset["community"], quiet)} <= set(after)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("first_build", [True, False])
def test_concurrent_refreshes_queue_on_the_mark(case, app, dataset, first_build):  # noqa: F811
    """Eight threads refreshing at once (the first build, or after a change) all succeed and leave
    exactly the facts a rebuild gives; the first to hold the mark does the work."""
    if not first_build:
        assert get(case, DIST, scope=f"district:{dataset['district']}").status_code == 200
        assert case.step(GM, dataset["G"], "accept").status_code == 200
    outcomes = at_once(app, facts.refresh)
    assert all(isinstance(n, int) for n in outcomes), outcomes
    assert max(outcomes) >= 1
    with app.app_context():
        refreshed = snapshot()
        facts.rebuild()
        assert snapshot() == refreshed


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_summaries_keep_each_day_once(app, dataset, built):  # noqa: F811
    """Eight threads asking for the same window with no day kept yet all get the same figures; each
    day is counted and kept once (a second keeper would break the primary key)."""
    place, unit = {"unit": dataset["district"]}, dataset["district"]
    with app.app_context():
        db.session.execute(delete(StatsDay))
        db.session.commit()
        now = utcnow()
    outcomes = at_once(app, lambda: _figures(days.partial("district", unit, place, now - timedelta(days=30),
                                                         now, now), now))
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert all(o == outcomes[0] for o in outcomes) and outcomes[0]["rows"][("total", None)]["cases"] > 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatsDay)) == 29
