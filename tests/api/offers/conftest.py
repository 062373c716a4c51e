"""The offers tests' helpers: HTTP as demo staff and riders made on demand, over the demo district."""

import io
import random
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from suishoupai import crypto
from suishoupai.auth import tokens
from suishoupai.auth.models import User
from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.org.models import OrgUnit
from suishoupai.points import awards, ledger, rulebook
from suishoupai.points.models import Rider
from tests.helpers.concurrency import at_once

_seed = iter(range(300_000, 400_000))


def _race(client, path, headers):
    """One racer's POST: its status and error."""
    resp = client.post(path, json={}, headers=headers)
    return resp.status_code, resp.json.get("error", {})


class Offers:
    """HTTP helpers over the seeded demo district, with riders made on demand."""

    #: 凤起社区, the demo community, and 竹竿巷社区 of another street
    HOME, ELSEWHERE = "DEMO-S2-C2", "DEMO-S1-C1"

    def __init__(self, app, client, auth):
        """Bind to the test's app, client and login helper."""
        self.app, self.client, self.auth, self.tokens, self.ids = app, client, auth, {}, {}

    def h(self, who):
        """Headers for a demo account (dev-login) or a rider made here."""
        if who not in self.tokens:
            self.tokens[who] = self.auth.headers(who)
        return self.tokens[who]

    def unit(self, code):
        """An org unit id by code."""
        with self.app.app_context():
            return db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code))

    def rider(self, name, status="verified", community=None, points=0):
        """A rider account registered to a community, verified unless told, holding some points."""
        community_id = self.unit(community or self.HOME)
        with self.app.app_context():
            user = User(openid=f"rider-{name}", role="rider", real_name=name, org_unit_id=community_id)
            db.session.add(user)
            db.session.flush()
            db.session.add(Rider(user_id=user.id, platform="美团", courier_id=f"MT{user.id:06d}",
                                 phone_enc=crypto.encrypt("13700000000"), home_community_id=community_id,
                                 status=status))
            if points:
                admin = db.session.scalar(select(User.id).where(User.openid == "demo-community-admin"))
                awards.adjust(admin, user.id, community_id, points, "测试初始积分")
            db.session.commit()
            token = tokens.issue(user.id, 0, self.app.config["SECRET_KEY"], 3600)[0]
            self.ids[name] = user.id
        self.tokens[name] = {"Authorization": f"Bearer {token}"}
        return name

    def post(self, who, path, **body):
        """POST JSON as someone."""
        return self.client.post(f"/api/v1{path}", json=body, headers=self.h(who))

    def get(self, who, path):
        """GET as someone."""
        return self.client.get(f"/api/v1{path}", headers=self.h(who))

    def photo(self, who):
        """Upload a distinct photo as someone."""
        out = io.BytesIO()
        Image.frombytes("RGB", (64, 48), random.Random(next(_seed)).randbytes(64 * 48 * 3)).save(out, "JPEG")
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(out.getvalue()), filename="a.jpg")})
        resp = self.client.post("/api/v1/media", data=body, headers=self.h(who),
                                content_type=f"multipart/form-data; boundary={boundary}")
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def balance(self, name):
        """A rider's balance, read from the ledger."""
        with self.app.app_context():
            return ledger.balance(self.ids[name])

    def new_post(self, capacity=2, points=30, **extra):
        """A post published by the community admin."""
        resp = self.post("demo-community-admin", "/admin/posts", title="垃圾分类督导岗",
                         duties="早晚高峰在分类投放点督导居民分类投放", capacity=capacity,
                         monthly_points=points, **extra)
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def new_bounty(self, max_takers=1, points=50, **extra):
        """A bounty published by the community admin, a week to go."""
        deadline = (utcnow() + timedelta(days=7)).isoformat()
        resp = self.post("demo-community-admin", "/admin/bounties", title="小区东门共享单车乱停整治",
                         description="协助整理东门共享单车，劝导规范停放，上传整治前后照片",
                         points=points, deadline=deadline, max_takers=max_takers, **extra)
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def new_reward(self, cost=120, stock=5, per_user_limit=2, **extra):
        """A reward in the demo community's shop."""
        resp = self.post("demo-community-admin", "/admin/rewards", name="洗衣液（2kg）", cost=cost,
                         stock=stock, per_user_limit=per_user_limit, **extra)
        assert resp.status_code == 201, resp.json
        return resp.json["id"]

    def race(self, path, names):
        """Everyone POSTs the same path at the same instant; their (status, error) answers."""
        return at_once(None, _race, args=[(self.client, path, self.tokens[n]) for n in names])

    def row(self, model, row_id):
        """A row as the database has it now."""
        with self.app.app_context():
            row = db.session.get(model, row_id)
            db.session.expunge(row)
            return row


@pytest.fixture
def o(app, client, auth, demo):
    """Helpers over the demo district with the rule book in place."""
    with app.app_context():
        rulebook.seed_rules()
        db.session.commit()
    return Offers(app, client, auth)
