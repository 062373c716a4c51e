"""The 微心愿 tests' helpers: HTTP as the demo district's accounts, wishes walked to a given step."""

import io
import random

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

_seed = iter(range(100_000, 200_000))


class Wishes:
    """HTTP helpers over the demo district."""

    #: the beneficiary of the wish a grid member enters on someone's behalf
    SECRET_NAME, SECRET_PHONE, SECRET_ADDRESS = "刘秀英", "13912340000", "环西新村7幢302"

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
                           beneficiary={"name": self.SECRET_NAME, "contact": self.SECRET_PHONE,
                                        "address": self.SECRET_ADDRESS}, **extra)

    def post(self, openid, wish_id, step, **body):
        """A step on a wish."""
        return self.client.post(f"/api/v1/wishes/{wish_id}/{step}", json=body, headers=self.h(openid))

    def published(self, maker=None):
        """A wish already on the board."""
        wish_id = (maker or self.submit)().json["id"]
        assert self.post("demo-grid-member", wish_id, "review", decision="publish").status_code == 200
        return wish_id

    def shows_in_full(self, resp) -> bool:
        """Whether any piece of the beneficiary's identity is in a response in full."""
        text = resp.get_data(as_text=True)
        return any(s in text for s in (self.SECRET_NAME, self.SECRET_PHONE, self.SECRET_ADDRESS))

    def shows_masked(self, resp) -> bool:
        """Whether the beneficiary's surname and masked phone are in a response."""
        text = resp.get_data(as_text=True)
        return "刘**" in text and "139*****0000" not in text and "139****0000" in text


@pytest.fixture
def w(client, auth, demo):
    """Helpers over the seeded demo district."""
    return Wishes(client, auth)
