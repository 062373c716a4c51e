"""The peak day's load: a schedule in the day's shape, client threads that follow it over both app
instances, the sweeps on both "nodes", WeChat's verdict pushes, and the faults of --faults."""

from __future__ import annotations

import heapq
import http.client
import itertools
import json
import random
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from bench.photos import multipart, tiny_jpeg
from tests.helpers.reports import CENTRE
from tests.helpers.wechat_server import FakeWeChat

#: filings per hour of the day, relative: the morning and evening peaks of a city's 随手拍
HOURS = [1, .6, .4, .3, .4, 1, 3, 7, 10, 8, 6, 5, 5, 5, 5, 6, 7, 9, 10, 8, 6, 4, 2, 1.2]
READS_PER_FILING = 10
FOLLOW_SHARE, ACCEPT_SHARE, TRANSFER_SHARE = 0.3, 0.85, 0.05
WISHES_PER_FILING = 1 / 25
#: seconds between WeChat accepting a photo check and pushing its verdict
PUSH_AFTER = 2.0


@dataclass
class Answer:
    """One request as the client saw it (status 0: no answer from either instance)."""

    kind: str
    status: int
    ms: float
    retried: bool
    body: bytes = b""


@dataclass
class Day:
    """The schedule and what the clients got."""

    servers: list
    args: object
    app: object
    heap: list = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    made: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    lock: threading.Condition = field(default_factory=threading.Condition)
    running: int = 0
    #: creations asked again after their first attempt died with an instance
    retried_creations: int = 0
    seq: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self):
        from suishoupai.extensions import db
        from suishoupai.org.models import Department

        self.filings = max(20, round(27_000 * self.args.scale))
        self.seconds = self.args.day_seconds
        self.rng = random.Random(20261208)
        self.residents = [f"peak-res-{n:04d}" for n in range(max(10, self.filings // 5))]
        self.tokens: dict[str, str] = {}
        with self.app.app_context():
            self.department = db.session.query(Department.id).filter_by(code="DEMO-CG").scalar()
        self.photo_seq = itertools.count(1)
        self.progress = 0.0

    # --- schedule ---
    def at(self, due: float, fn, *args) -> None:
        """Run fn(client, *args) at `due` seconds into the day."""
        with self.lock:
            heapq.heappush(self.heap, (due, next(self.seq), fn, args))
            self.lock.notify()

    def hour_moment(self) -> float:
        """A moment of the day, drawn with the day's shape."""
        hour = self.rng.choices(range(24), HOURS)[0]
        return (hour + self.rng.random()) / 24 * self.seconds

    def later(self, now: float, low: float, high: float) -> float:
        """now + a share of the day between low and high."""
        return now + self.rng.uniform(low, high) * self.seconds

    def run(self) -> None:
        """Schedule the day, log everyone in, and let the clients work until nothing is left."""
        probe = Client(self)
        listed = json.loads(probe.send("categories", "GET", "/api/v1/categories",
                                       probe.token("peak-res-0000")).body)
        self.codes = [c["code"] for c in (listed["items"] if isinstance(listed, dict) else listed)]
        self.floor(probe)
        for _ in range(self.filings):
            self.at(self.hour_moment(), file_case, self.rng.choice(self.residents))
        for _ in range(round(self.filings * WISHES_PER_FILING)):
            self.at(self.hour_moment(), make_wish, self.rng.choice(["demo-resident", "demo-resident-2"]))
        self.start = time.monotonic()
        threads = [threading.Thread(target=Client(self).work) for _ in range(self.args.clients)]
        pusher = threading.Thread(target=push_verdicts, args=(self,), daemon=True)
        pusher.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.elapsed = time.monotonic() - self.start
        self.done = True

    def floor(self, client: Client) -> None:
        """The floors of this run: GET /healthz and GET /api/v1/me, one client, before the day."""
        token = client.token("peak-res-0000")
        for _ in range(200):
            client.send("floor /healthz", "GET", "/healthz", None)
            client.send("floor /me", "GET", "/api/v1/me", token)

    def now(self) -> float:
        """Seconds into the day."""
        return time.monotonic() - self.start


class Client:
    """One client thread: keep-alive connections to both instances, round robin, failover."""

    def __init__(self, day: Day):
        self.day, self.conns, self.turn = day, {}, random.randrange(2)

    def token(self, openid: str) -> str:
        """A dev-login token, once per account."""
        for _ in range(3):
            if openid in self.day.tokens:
                break
            answer = self.send("login", "POST", "/api/v1/auth/dev-login", None, {"openid": openid})
            if answer.status == 200:
                self.day.tokens[openid] = json.loads(answer.body)["token"]
        return self.day.tokens.get(openid, "")  # never signed in: the request's 401 is counted

    def send(self, kind: str, method: str, path: str, token: str | None, payload=None, raw=None,
             ctype: str = "application/json", key: str | None = None) -> Answer:
        """One request to the next instance; no answer from it (refused, reset): the other, once."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else None)
        if body is not None:
            headers["Content-Type"] = ctype
        if key:
            headers["Idempotency-Key"] = key
        self.turn += 1
        started = time.perf_counter()
        answer = Answer(kind, 0, 0.0, False)
        for attempt in (0, 1):
            port = self.day.servers[(self.turn + attempt) % 2].port
            for _fresh in (False, True):
                conn = self.conns.get(port)
                reused = conn is not None
                if conn is None:
                    conn = self.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                try:
                    conn.request(method, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    answer = Answer(kind, resp.status, 0.0, attempt == 1, resp.read())
                    break
                except (OSError, http.client.HTTPException):
                    # a kept-alive connection the instance closed meanwhile (gunicorn's keepalive is
                    # 5 s) is tried once more fresh, as browsers and nginx do; then the other instance
                    conn.close()
                    self.conns.pop(port, None)
                    answer.retried = True
                    if not reused:
                        break
            if answer.status:
                break
        answer.ms = (time.perf_counter() - started) * 1000
        with self.day.lock:
            self.day.answers.append(answer)
        return answer

    def photo(self, openid: str, purpose: str) -> int | None:
        """Upload a distinct small JPEG; its media id."""
        raw, ctype = multipart(tiny_jpeg(10_000_000 + next(self.day.photo_seq)))
        raw = raw.replace(b"\r\nreport\r\n", f"\r\n{purpose}\r\n".encode())
        answer = self.send("upload photo", "POST", "/api/v1/media", self.token(openid), raw=raw, ctype=ctype)
        return json.loads(answer.body)["id"] if answer.status == 201 else None

    def work(self) -> None:
        """Take the next due task until none is left and none is running."""
        day = self.day
        while True:
            with day.lock:
                while True:
                    if day.heap:
                        wait = day.heap[0][0] - day.now()
                        if wait <= 0:
                            _, _, fn, args = heapq.heappop(day.heap)
                            day.running += 1
                            break
                        day.lock.wait(min(wait, 0.5))
                    elif day.running == 0:
                        day.lock.notify_all()
                        return
                    else:
                        day.lock.wait(0.5)
            try:
                fn(self, *args)
            except (ValueError, KeyError, TypeError) as exc:  # an answer not as expected: counted
                with day.lock:
                    day.answers.append(Answer(f"bench error {type(exc).__name__}", 0, 0.0, False))
            finally:
                with day.lock:
                    day.running -= 1
                    day.progress = max(day.progress, day.now() / day.seconds)
                    day.lock.notify_all()


def create(c: Client, kind: str, path: str, openid: str, payload: dict) -> Answer:
    """A creation with its Idempotency-Key: while a first attempt that died with its instance still
    holds the key (409 idempotency.in_progress, IDEMPOTENCY_LOCK_SECONDS), ask again, as the
    mini-program does."""
    key = uuid.uuid4().hex
    for _ in range(30):
        answer = c.send(kind, "POST", path, c.token(openid), payload, key=key)
        if answer.status != 409 or b"idempotency.in_progress" not in answer.body:
            break
        time.sleep(1)
    if answer.retried or _ > 0:
        with c.day.lock:
            c.day.retried_creations += 1
    return answer


def ok(answer: Answer, *expected: int) -> dict | None:
    """The answer's JSON when its status is one expected."""
    return json.loads(answer.body) if answer.status in expected else None


def file_case(c: Client, openid: str) -> None:
    """A resident photographs a problem and files it; the day's follow-ups are scheduled."""
    day, rng = c.day, c.day.rng
    media = c.photo(openid, "report")
    if media is None:
        return
    n = next(day.seq)
    spot = {"lat": CENTRE["lat"] + rng.uniform(-4e-4, 4e-4), "lng": CENTRE["lng"] + rng.uniform(-4e-4, 4e-4),
            "coord_type": "gcj02"}
    payload = {"category": rng.choice(day.codes), "description": f"第{n}号：路边垃圾堆放，请处理",
               "location": spot, "address": f"体育场路{n}号", "media_ids": [media], "public": True}
    made = ok(create(c, "file case", "/api/v1/reports", openid, payload), 201)
    if made is None:
        return
    rid, now = made["id"], day.now()
    day.made["report"].add(rid)
    for _ in range(READS_PER_FILING):
        day.at(day.later(now, 0, 0.3), read, openid, rid)
    if rng.random() < FOLLOW_SHARE:
        follower = rng.choice([r for r in day.residents[:50] if r != openid])
        day.at(day.later(now, 0.01, 0.1), follow, follower, rid)
    if made.get("status") != "assigned":
        return  # a category routed straight to its department: no grid member's step
    draw = rng.random()
    if draw < TRANSFER_SHARE:
        day.at(day.later(now, 0.01, 0.05), step, "transfer", rid, {"department_id": day.department})
    elif draw < ACCEPT_SHARE:
        day.at(day.later(now, 0.01, 0.05), step, "accept", rid, {})


def read(c: Client, openid: str, rid: int) -> None:
    """A list, a detail or the nearby board."""
    draw, token = c.day.rng.random(), c.token(openid)
    if draw < 0.4:
        c.send("list board", "GET", "/api/v1/reports?scope=public&limit=20", token)
    elif draw < 0.6:
        c.send("list mine", "GET", "/api/v1/reports?scope=mine&limit=20", token)
    elif draw < 0.9:
        c.send("case detail", "GET", f"/api/v1/reports/{rid}", token)
    else:
        c.send("nearby", "GET", f"/api/v1/reports/nearby?lat={CENTRE['lat']}&lng={CENTRE['lng']}"
               "&coord_type=gcj02", token)


def follow(c: Client, openid: str, rid: int) -> None:
    """附议: another resident follows the case (404 while its photo awaits WeChat's verdict)."""
    answer = c.send("follow", "POST", f"/api/v1/reports/{rid}/follow", c.token(openid))
    if answer.status in (200, 201):
        c.day.made["follow"].add((rid, openid))


def step(c: Client, action: str, rid: int, payload: dict) -> None:
    """The grid member takes a step; after accepting, the resolve (with an after-photo) follows."""
    day = c.day
    if action == "resolve":
        media = c.photo("demo-grid-member", "resolution")
        payload = {"media_ids": [media] if media else [], "note": "已清理"}
    answer = c.send(action, "POST", f"/api/v1/reports/{rid}/{action}", c.token("demo-grid-member"), payload)
    if answer.status == 200 or (answer.status == 409 and answer.retried):
        day.made[action].add(rid)
        if action == "accept":
            day.at(day.later(day.now(), 0.01, 0.08), step, "resolve", rid, {})


def make_wish(c: Client, openid: str) -> None:
    """微心愿: filed, published by the community, claimed, fulfilled with a photo, confirmed."""
    n = next(c.day.seq)
    made = ok(create(c, "wish", "/api/v1/wishes", openid, {
        "category": "生活物资", "title": f"心愿{n}", "description": f"第{n}个心愿：需要一袋米和一桶油",
        "address": "体育场路1号"}), 201)
    if made is None:
        return
    wid = made["id"]
    c.day.made["wish"].add(wid)
    chain = [("wish review", "demo-community-admin", "review", {"decision": "publish"}),
             ("wish claim", "demo-volunteer", "claim", {}),
             ("wish fulfil", "demo-volunteer", "fulfil", None),
             ("wish confirm", openid, "confirm", {})]
    for kind, who, action, payload in chain:
        if payload is None:
            media = c.photo(who, "fulfilment")
            payload = {"media_ids": [media], "hours": 1}
        answer = c.send(kind, "POST", f"/api/v1/wishes/{wid}/{action}", c.token(who), payload)
        if answer.status != 200 and not (answer.status == 409 and answer.retried):
            return
        c.day.made[kind].add(wid)


def push_verdicts(day: Day) -> None:
    """Play WeChat's side of the photo checks: push a pass verdict for every check it accepted, to
    either instance, as WeChat's push does, a moment after the check was asked for (pushed at once,
    it can arrive before the asking request has stored the trace id: the service then takes the
    verdict from a resubmission MODERATION_CALLBACK_WAIT_MINUTES later)."""
    from tests.helpers.wechat_server import FakeWeChat as Fake

    fake: FakeWeChat = day.wechat
    pushed: set[str] = set()
    seen: dict[str, float] = {}
    while not getattr(day, "settled", False):
        for trace in list(fake.media_checks):
            seen.setdefault(trace, time.monotonic())
        due = [t for t, at in seen.items() if t not in pushed and time.monotonic() - at >= PUSH_AFTER]
        for trace in due:
            status = 0
            for k in (0, 1):  # to either instance, as nginx in front of WeChat's push would
                port = day.servers[(len(pushed) + k) % 2].port
                try:
                    status = Fake.push(f"http://127.0.0.1:{port}/wechat/push", "benchpeaktoken42",
                                       Fake.media_event(trace, "pass")).status_code
                    break
                except OSError:
                    continue
            with day.lock:
                day.answers.append(Answer("wechat push", status, 0.0, False))
            if status == 200 or status >= 500:
                pushed.add(trace)
        time.sleep(0.3)
