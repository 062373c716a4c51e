"""The stats facts the summary reads: refreshed on read from the reports that moved, equal to a rebuild
after every kind of change, and quiet when nothing moved."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Float, literal, select, union_all, update

from suishoupai.extensions import db
from suishoupai.reports.models import Report
from suishoupai.stats import definitions, facts
from suishoupai.stats.facts import StatsCase, StatsClock, StatsMark
from suishoupai.stats.sql import p90
from tests.api.test_reports import department_id
from tests.api.test_stats import DIST, GM, RES, get
from tests.api.test_stats import case as case  # noqa: F401 - fixtures shared with the summary tests
from tests.api.test_stats import dataset as dataset  # noqa: F401


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


def test_p90_aggregate_is_the_exact_nearest_rank_on_this_database(app):
    """The SQL p90 (PostgreSQL's percentile_disc, or the aggregate registered on SQLite) equals
    definitions.p90 for every sample size up to 200, repeats included, and is NULL on no rows."""
    values = [((i * 37) % 101) / 4 for i in range(1, 201)]  # shuffled, with repeats
    with app.app_context():
        for n in range(1, 201):
            sample = union_all(*(select(literal(v, Float).label("x")) for v in values[:n])).subquery()
            assert db.session.scalar(select(p90(sample.c.x))) == definitions.p90(values[:n]), n
        empty = select(literal(1.0, Float).label("x")).where(literal(False)).subquery()
        assert db.session.scalar(select(p90(empty.c.x))) is None


@pytest.mark.parametrize("first_build", [True, False])
def test_concurrent_refreshes_queue_on_the_mark(case, app, dataset, is_postgres, first_build):  # noqa: F811
    """Eight threads refreshing at once (the first build, or after a change) all succeed and leave
    exactly the facts a rebuild gives; the first to hold the mark does the work."""
    if not is_postgres:
        pytest.skip("real concurrency needs PostgreSQL")
    if not first_build:
        assert get(case, DIST, scope=f"district:{dataset['district']}").status_code == 200
        assert case.step(GM, dataset["G"], "accept").status_code == 200
    barrier, outcomes = threading.Barrier(8), []

    def refresh():
        """One refresh in its own session and connection."""
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(facts.refresh())
            except Exception as exc:  # noqa: BLE001 - the assertion below names it
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(n, int) for n in outcomes), outcomes
    assert max(outcomes) >= 1
    with app.app_context():
        refreshed = snapshot()
        facts.rebuild()
        assert snapshot() == refreshed
