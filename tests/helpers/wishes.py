"""微心愿 helpers: submitting and moving wishes over the test client."""

from __future__ import annotations

import io
import random

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart


class Wishes:
    """HTTP helpers over the demo district."""

    def __init__(self, client, auth):
        self.client, self.auth, self.tokens = client, auth, {}

    def h(self, openid):
        """Headers for a user (one login per test)."""
        if openid not in self.tokens:
            self.tokens[openid] = self.auth.headers(openid)
        return self.tokens[openid]

    def photo(self, openid):
        """Upload a distinct photo."""
        out = io.BytesIO()
        Image.frombytes("RGB", (64, 48), random.Random(next(_seed)).randbytes(64 * 48 * 3)).save(out, "JPEG")
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(out.getvalue()), filename="a.jpg")})
        resp = self.client.post("/api/v1/media", data=body, headers=self.h(openid),
                                content_type=f"multipart/form-data; boundary={boundary}")
        return resp.json["id"]

    def submit(self, openid="demo-resident", **extra):
        """POST a wish."""
        body = {"category": "养老", "title": "想要一副老花镜",
                "description": "视力下降，看报纸很吃力"} | extra
        return self.client.post("/api/v1/wishes", json=body, headers=self.h(openid))

    def on_behalf(self, **extra):
        """A grid member enters a wish for an elderly resident without a phone."""
        return self.submit("demo-grid-member", title="轮椅需要修理",
                           description="左轮刹车失灵，老人出门不方便",
                           beneficiary={"name": SECRET_NAME, "contact": SECRET_PHONE,
                                        "address": SECRET_ADDRESS}, **extra)

    def post(self, openid, wish_id, step, **body):
        """A step on a wish."""
        return self.client.post(f"/api/v1/wishes/{wish_id}/{step}", json=body, headers=self.h(openid))

    def published(self, maker=None):
        """A wish already on the board."""
        wish_id = (maker or self.submit)().json["id"]
        assert self.post("demo-grid-member", wish_id, "review", decision="publish").status_code == 200
        return wish_id


_seed = iter(range(100_000, 200_000))


SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS = "刘秀英", "13912340000", "环西新村7幢302"
