"""The peak day's reckoning: what the clients got against what the database, the outbox, the fake
WeChat and the bucket hold; then the figures."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlparse

from sqlalchemy import func, select

from bench.harness import ROOT, Stats, mark, say
from bench.peak_parts import SUISHOUPAI

#: a cap on waiting for the workers to finish what the day left them (not a timing the checks need)
SETTLE = 120
FLOORS = ("floor /healthz", "floor /me")


def _due(app) -> tuple[int, int]:
    """Outbox rows and content checks not yet final."""
    from suishoupai.extensions import db
    from suishoupai.moderation.models import ModerationCheck
    from suishoupai.notify.models import Notification

    with app.app_context():
        open_rows = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.state.in_(("pending", "sending"))))
        checks = db.session.scalar(select(func.count()).select_from(ModerationCheck).where(
            ModerationCheck.status == "pending"))
        db.session.remove()
    return open_rows, checks


def settle_and_check(day, app, wechat, s3, env) -> list[tuple[str, bool]]:
    """Wait for the workers and WeChat's pushes to finish, then check everything."""
    from suishoupai.auth.models import User
    from suishoupai.extensions import db
    from suishoupai.media.models import Media
    from suishoupai.media.service import KEY_PATTERN
    from suishoupai.moderation.models import ModerationCheck
    from suishoupai.notify.models import Notification
    from suishoupai.reports.models import Report, ReportEvent, ReportFollow
    from suishoupai.wishes.models import Wish

    started = time.monotonic()
    while any(_due(app)) and time.monotonic() < started + SETTLE:
        time.sleep(1)
    day.settle_seconds = time.monotonic() - started
    day.settled = True
    day.left_open = _due(app)
    checks: list[tuple[str, bool]] = []
    answers = [a for a in day.answers if a.kind not in FLOORS]
    five = [a for a in answers if a.status >= 500]
    lost = [a for a in answers if a.status == 0]
    day.failures = Counter((a.kind, a.status) for a in answers if a.status >= 400 or a.status == 0)
    checks.append((f"no 5xx ({len(five)})", not five))
    checks.append((f"no request without an answer from either instance ({len(lost)})", not lost))
    with app.app_context():
        gm = db.session.scalar(select(User.id).where(User.openid == "demo-grid-member"))
        reports = set(db.session.scalars(select(Report.id)))
        checks.append((f"every 201 filing has its row and no row more ({len(day.made['report'])} filed, "
                       f"{len(reports)} rows)", reports == day.made["report"]))
        follows = db.session.scalar(select(func.count()).select_from(ReportFollow))
        checks.append((f"every follow has its row ({len(day.made['follow'])} answered, {follows} rows)",
                       follows == len(day.made["follow"])))
        for action in ("accept", "resolve", "transfer"):
            rows = set(db.session.scalars(select(ReportEvent.report_id).where(
                ReportEvent.action == action, ReportEvent.actor_id == gm)))
            checks.append((f"every {action} has its event, once ({len(day.made[action])} answered, "
                           f"{len(rows)} cases)", rows == day.made[action]))
        wishes = set(db.session.scalars(select(Wish.id)))
        checks.append((f"every 201 wish has its row ({len(day.made['wish'])} filed, {len(wishes)} rows; "
                       f"{len(day.made['wish confirm'])} confirmed)", wishes == day.made["wish"]))
        unrouted = db.session.scalar(select(func.count()).select_from(Report).where(Report.grid_id.is_(None)))
        checks.append((f"no case unrouted ({unrouted})", unrouted == 0))
        states = dict(db.session.execute(select(Notification.state, func.count()).group_by(
            Notification.state)).all())
        bodies = Counter(json.dumps(b, sort_keys=True, ensure_ascii=False) for b in wechat.delivered)
        twice = sum(n - 1 for n in bodies.values() if n > 1)
        sent = states.get("sent", 0)
        day.outbox = states
        checks.append((f"outbox: every row final ({states}), {len(wechat.delivered)} delivered for "
                       f"{sent} sent + {states.get('unconfirmed', 0)} unconfirmed",
                       day.left_open[0] == 0 and sent <= len(wechat.delivered)
                       <= sent + states.get("unconfirmed", 0)))
        checks.append((f"outbox: no message delivered twice across the two workers ({twice})", twice == 0))
        texts = Counter((c.get("openid"), c.get("content")) for c in wechat.sec_calls
                        if c["path"].endswith("msg_sec_check"))
        photos = Counter(urlparse(c.get("media_url", "")).path for c in wechat.sec_calls
                         if c["path"].endswith("media_check_async"))
        again = sum(n - 1 for n in texts.values() if n > 1) + sum(n - 1 for n in photos.values() if n > 1)
        pending = dict(db.session.execute(select(
            ModerationCheck.subject_type + "." + ModerationCheck.field + ":" + ModerationCheck.kind,
            func.count()).where(ModerationCheck.status == "pending").group_by(
            ModerationCheck.subject_type, ModerationCheck.field, ModerationCheck.kind)).all())
        day.moderation = (sum(texts.values()), sum(photos.values()), pending)
        # a creation whose instance died after asking WeChat but before committing is asked again by
        # its retry: the first verdict was never stored, so the second check is not a repeat of it
        died = day.retried_creations if day.args.faults else 0
        checks.append((f"no content check made twice ({sum(texts.values())} texts, {sum(photos.values())} "
                       f"photos, {again} asked again, of {died} creations retried after a kill; "
                       f"{pending} still pending)", again <= died))
        rows = set(db.session.scalars(select(Media.sha256)))
        unattached = db.session.scalar(select(func.count()).select_from(Media).where(
            Media.attached_at.is_(None)))
        stored = defaultdict(set)
        for key in s3.keys():  # noqa: SIM118 - S3.keys() lists the bucket, it is no dict
            if m := KEY_PATTERN.match(key):
                stored[m.group(1)].add(m.group(2))
        missing = len(rows - stored["display"]) + len(rows - stored["thumb"])
        rowless = len((stored["display"] | stored["thumb"]) - rows)
        checks.append((f"photos: {len(rows)} rows, each with its objects ({missing} missing), no object "
                       f"without a row ({rowless}), every upload attached ({unattached} not)",
                       missing == 0 and rowless == 0 and unattached == 0))
        raw = dict(db.session.execute(select(Report.status, func.count()).group_by(Report.status)).all())
        db.session.remove()
    client = app.test_client()
    token = client.post("/api/v1/auth/dev-login", json={"openid": "demo-district-admin"}).json["token"]
    with app.app_context():
        from suishoupai.org.models import OrgUnit

        district = db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "DEMO-D"))
        db.session.remove()
    # the summary's default window ends at the current minute: the day's last cases are inside this one
    end = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    window = urlencode({"scope": f"district:{district}", "from": (end - timedelta(days=1)).isoformat(),
                        "to": end.isoformat()})
    answer = client.get(f"/api/v1/stats/summary?{window}",
                        headers={"Authorization": f"Bearer {token}"})
    summary = answer.json if answer.status_code == 200 else {"by_status": []}
    counted = {row["status"]: row["count"] for row in summary.get("by_status", []) if row["count"]}
    checks.append((f"stats summary equals a recount of the rows ({counted} vs {raw})", counted == raw))
    if counted != raw:
        _explain_stats(app)
    verify = subprocess.run([*SUISHOUPAI, "points", "verify"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    checks.append((f"suishoupai points verify: {verify.stdout.strip().splitlines()[-1:]}",
                   verify.returncode == 0))
    return checks


def _explain_stats(app) -> None:
    """Which reports the facts missed or hold out of date, against the refresh mark."""
    from suishoupai.extensions import db
    from suishoupai.reports.models import Report
    from suishoupai.stats.facts import StatsCase, StatsMark

    with app.app_context():
        mark = db.session.scalar(select(StatsMark.seen))
        facts = dict(db.session.execute(select(StatsCase.report_id, StatsCase.status)).all())
        for r in db.session.execute(select(Report.id, Report.status, Report.created_at, Report.updated_at)):
            if facts.get(r.id) != r.status:
                print(f"  stats: report {r.id} {r.status} (facts: {facts.get(r.id)}), created "
                      f"{r.created_at:%H:%M:%S.%f}, updated {r.updated_at:%H:%M:%S.%f}; "
                      f"mark {mark:%H:%M:%S.%f}")
        db.session.remove()


def report(day, checks, cpu: dict[str, float], sweeps, args) -> None:
    """Print the figures and the checks."""
    kinds = defaultdict(list)
    for a in day.answers:
        if 200 <= a.status < 300 and a.kind != "wechat push":
            kinds[a.kind].append(a.ms)
    me = Stats(kinds["floor /me"]).p95 if kinds["floor /me"] else 0
    print(f"\n== peak day, scale {args.scale:g} ({day.filings:,} filings of a city's 27,000), "
          f"{args.day_seconds:g} s day, {args.clients} clients{', faults' if args.faults else ''} ==")
    served = sum(len(v) for k, v in kinds.items() if k not in FLOORS)
    print(f"  {served:,} requests answered 2xx in {day.elapsed:.1f} s: {served / day.elapsed:.1f} req/s "
          f"over the day (schedule finished at {day.progress:.0%} of it)")
    print(f"  {'kind':16} {'n':>6} {'req/s':>7}   p50 / p95 ms     p95 ÷ /me floor p95")
    for kind in sorted(kinds, key=lambda k: (k not in FLOORS, -len(kinds[k]))):
        st = Stats(kinds[kind])
        rate = len(st.samples) / day.elapsed if kind not in FLOORS else 0
        print(f"  {kind:16} {len(st.samples):6} {rate:7.1f}   {st.p50:6.1f} / {st.p95:6.1f}   "
              f"{st.p95 / me if me else 0:5.1f}×")
    if day.failures:
        failures = sorted(day.failures.items())
        print("  non-2xx answers: " + ", ".join(f"{k} {s}: {n}" for (k, s), n in failures))
    total = sum(cpu.values())
    print(f"  CPU seconds per part ({total:.0f} s over {day.elapsed:.0f} s of day on this box):")
    for part, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(f"    {part:48} {seconds:7.1f} s  ({seconds / day.elapsed:4.2f} cores)")
    skipped = sum(1 for _, _, out in sweeps.outputs if "本次跳过" in out)
    failed = sum(1 for _, rc, _ in sweeps.outputs if rc)
    print(f"  sweeps: {len(sweeps.outputs)} started on two nodes at once, {skipped} stood aside for the "
          f"other node's run, {failed} failed; cadence {sweeps.cadence:g} s")
    checks.append((f"sweeps: none failed; {skipped} of {len(sweeps.outputs) // 2} pairs met the other node's "
                   "lock (the rest ran one after the other)", failed == 0))
    print(f"  after the day the workers finished what was left in {day.settle_seconds:.1f} s")
    if getattr(day, "fault_log", None):
        print("  faults: " + "; ".join(f"{name} at {t} s" for t, name in day.fault_log))
    for name, passed in checks:
        print(f"  {mark(passed)} {name}")
    say("done")
