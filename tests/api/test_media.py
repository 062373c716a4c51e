"""Uploading photos over HTTP: formats, limits, dedupe, serving, privacy, S3, orphan collection."""

import io
import os
import time
from datetime import timedelta

import pytest
import requests
from PIL import Image
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from suishoupai.database import utcnow
from suishoupai.extensions import db
from suishoupai.media import storage
from suishoupai.media.models import Media
from tests.helpers.media import UPLOAD, fetch, photo, post


def rows(app):
    """How many media rows exist."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Media))


def stored_keys(app):
    """Every key in the app's storage."""
    with app.app_context():
        return sorted(storage().keys())


def test_upload_answers_variants_and_serves_them(client, auth, app):
    """201 with id, urls and size; the signed URL serves a clean JPEG with safe headers."""
    headers = auth.headers("u1")
    resp = post(client, headers, photo(4000, 3000, gps=True), purpose="report")
    assert resp.status_code == 201, resp.json
    body = resp.json
    # the size of what `url` serves, not of the 4000 × 3000 source
    assert (body["width"], body["height"]) == (1600, 1200)
    assert body["purpose"] == "report"
    assert resp.headers["Location"].endswith(f"/api/v1/media/{body['id']}")
    assert "gps" not in str(body).lower() and "sha" not in str(body)
    image = fetch(client, body["url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in image.headers["Cache-Control"] and image.headers["ETag"]
    served = Image.open(io.BytesIO(image.data))
    assert served.size == (body["width"], body["height"])
    assert not served.getexif() and "icc_profile" not in served.info
    assert b"Exif" not in image.data[:2000]
    thumb = Image.open(io.BytesIO(fetch(client, body["thumb_url"]).data))
    assert max(thumb.size) == 360
    again = client.get(image.request.path, query_string=image.request.args,
                       headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304
    with app.app_context():
        media = db.session.get(Media, body["id"])
        # kept sealed at rest, like phone numbers
        assert media.gps == pytest.approx((30.2722, 120.1639), abs=1e-3)
        assert "30.27" not in media.gps_enc


def test_orientation_applied(client, auth):
    """A landscape sensor image tagged orientation 6 is answered (and served) portrait."""
    resp = post(client, auth.headers("u1"), photo(1200, 900, orientation=6))
    assert (resp.json["width"], resp.json["height"]) == (900, 1200)
    served = Image.open(io.BytesIO(fetch(client, resp.json["url"]).data))
    assert served.size[1] > served.size[0]
    # the dark block, top-left of the sensor image, is top-right once turned upright
    w, h = served.size
    assert sum(served.getpixel((w - 10, 10))) < 150 and sum(served.getpixel((10, 10))) > 150


def bomb_png():
    """A PNG whose header declares 30000×30000 pixels."""
    im = Image.new("1", (30000, 30000))
    out = io.BytesIO()
    im.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"", 422, "media.empty"),
    (photo()[:5000], 422, "media.broken_image"),
    (b"this is a text file pretending to be a photo", 415, "media.unsupported_type"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 415,
     "media.unsupported_type"),
    (photo(fmt="GIF"), 415, "media.unsupported_type"),
    (photo(fmt="TIFF"), 415, "media.unsupported_type"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", 415, "media.unsupported_type"),
    (bomb_png(), 413, "media.too_many_pixels"),
])
def test_bad_files_are_refused_and_leave_nothing(client, auth, app, data, status, code):
    """Every refused file → its 4xx in the envelope, no row, no stored object."""
    started = time.perf_counter()
    resp = post(client, auth.headers("u1"), data)
    assert resp.status_code == status, resp.json
    assert resp.json["error"]["code"] == code
    assert time.perf_counter() - started < 2
    assert rows(app) == 0 and stored_keys(app) == []


def test_missing_or_fake_file_field(client, auth, app):
    """No `file`, or `file` sent as text → 422 naming the field."""
    headers = auth.headers("u1")
    resp = client.post(UPLOAD, data={"purpose": "report"}, content_type="multipart/form-data",
                       headers=headers)
    assert resp.status_code == 422 and "file" in resp.json["error"]["details"]["fields"]
    resp = client.post(UPLOAD, data={"file": "not a file"}, content_type="multipart/form-data",
                       headers=headers)
    assert resp.status_code == 422 and "file" in resp.json["error"]["details"]["fields"]
    resp = post(client, headers, photo(), purpose="selfie")
    assert resp.status_code == 422 and "purpose" in resp.json["error"]["details"]["fields"]
    assert client.post(UPLOAD, data={"file": (io.BytesIO(photo()), "a.jpg")},
                       content_type="multipart/form-data").status_code == 401
    assert rows(app) == 0


def test_body_over_limit_is_413(app_factory, auth):
    """A body over MAX_CONTENT_LENGTH → 413 envelope before any decoding."""
    app = app_factory(MAX_CONTENT_LENGTH=50_000)
    client = app.test_client()
    token = client.post("/api/v1/auth/dev-login", json={"openid": "big"}).json["token"]
    resp = post(client, {"Authorization": f"Bearer {token}"}, os.urandom(80_000))
    assert resp.status_code == 413 and resp.json["error"]["code"] == "payload_too_large"


def test_heic_accepted(client, auth):
    """An iPhone HEIC upload is re-encoded to JPEG."""
    import pillow_heif

    heif = pillow_heif.from_pillow(Image.new("RGB", (640, 480), (10, 120, 200)))
    out = io.BytesIO()
    heif.save(out, quality=60)
    resp = post(client, auth.headers("u1"), out.getvalue(), name="IMG_1234.HEIC")
    assert resp.status_code == 201, resp.json
    assert Image.open(io.BytesIO(fetch(client, resp.json["url"]).data)).format == "JPEG"


def test_same_bytes_stored_once(client, auth, app):
    """The same photo twice → one row per user, one pair of stored objects for everyone."""
    data = photo()
    first = post(client, auth.headers("u1"), data).json
    second = post(client, auth.headers("u1"), data).json
    other = post(client, auth.headers("u2"), data).json
    assert first["id"] == second["id"] != other["id"]
    assert rows(app) == 2
    assert len(stored_keys(app)) == 2  # display + thumb, once


def test_same_bytes_again_are_processed_once_and_renew_the_stored_objects(client, auth, app, monkeypatch):
    """The same bytes again (another user, a retry) reuse the pipeline's answer and only renew the
    stored objects' age, so gc cannot take them from under the new row; the rows agree."""
    from suishoupai.media import service

    processed = []
    real = service.process_image
    monkeypatch.setattr(service, "process_image", lambda data, **kw: processed.append(1) or real(data, **kw))
    data = photo(color=(7, 8, 9))
    first = post(client, auth.headers("u1"), data).json
    with app.app_context():
        keys = list(storage().keys())
        for key in keys:
            os.utime(storage()._path(key), (1_000_000_000, 1_000_000_000))
    other = post(client, auth.headers("u2"), data).json
    assert len(processed) == 1 and first["id"] != other["id"]
    assert (first["width"], first["height"]) == (other["width"], other["height"])
    with app.app_context():
        assert sorted(storage().keys()) == sorted(keys)
        assert all(storage().modified(key).year > 2001 for key in keys)
        a, b = db.session.get(Media, first["id"]), db.session.get(Media, other["id"])
        assert (a.sha256, a.phash, a.size_bytes) == (b.sha256, b.phash, b.size_bytes)
    assert post(client, auth.headers("u3"), photo(color=(90, 80, 9))).status_code == 201
    assert len(processed) == 2  # other bytes: the pipeline again


def test_idempotent_upload_replays(client, auth, app):
    """A retried upload with the same Idempotency-Key replays the first answer."""
    headers = auth.headers("u1")
    data = photo(color=(1, 2, 3))
    first = post(client, headers, data, extra_headers={"Idempotency-Key": "up-1"})
    again = post(client, headers, data, name="other-name.jpg",
                 extra_headers={"Idempotency-Key": "up-1"})
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    other = post(client, headers, photo(color=(9, 9, 9)), extra_headers={"Idempotency-Key": "up-1"})
    assert other.status_code == 422 and other.json["error"]["code"] == "idempotency.key_reused"


def test_private_upload_is_not_fetchable_by_others(client, auth):
    """Another resident gets 404 for the record, and the file needs the owner's signed URL."""
    body = post(client, auth.headers("owner"), photo()).json
    other = auth.headers("stranger")
    assert client.get(f"/api/v1/media/{body['id']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/media/{body['id']}",
                      headers=auth.headers("owner")).json["id"] == body["id"]
    path = "/" + body["url"].split("://", 1)[1].split("/", 1)[1]
    bare = path.split("?")[0]
    assert client.get(bare).status_code == 404
    tampered = path.replace("s=", "s=0")
    assert client.get(tampered).status_code == 404
    expired = f"{bare}?e={int(time.time()) - 5}&s={'0' * 32}"
    assert client.get(expired).status_code == 404
    assert client.get("/media/display/../../etc/passwd").status_code == 404


def test_public_media_served_without_signature(client, auth, app):
    """Once attached publicly, the bare URL works and is cached long."""
    body = post(client, auth.headers("owner"), photo()).json
    with app.app_context():
        from suishoupai.media.service import attach

        media = db.session.get(Media, body["id"])
        attach(media.owner_id, [media.id], "report", public=True)
        db.session.commit()
        key = media.display_key
    resp = client.get(f"/media/{key}")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "public, max-age=86400"


def test_attach_refuses_foreign_and_used_media(client, auth, app):
    """Other domains can only take the owner's unattached uploads."""
    from suishoupai.errors import InvalidInput
    from suishoupai.media.service import attach

    mine = post(client, auth.headers("owner"), photo()).json["id"]
    theirs = post(client, auth.headers("stranger"), photo(color=(5, 5, 5))).json["id"]
    with app.app_context():
        owner = db.session.get(Media, mine).owner_id
        with pytest.raises(InvalidInput) as err:
            attach(owner, [mine, theirs], "report")
        assert err.value.code == "media.not_owned" and err.value.details["fields"]["media_ids"] == [theirs]
        db.session.rollback()
        attach(owner, [mine], "report")
        db.session.commit()
        with pytest.raises(InvalidInput) as err:
            attach(owner, [mine], "wish")
        assert err.value.code == "media.already_attached"


def test_gc_removes_orphans_and_rowless_objects(client, auth, app):
    """Old unattached rows go with their objects; a crash's rowless object goes; young ones stay."""
    kept = post(client, auth.headers("u1"), photo(color=(1, 1, 1))).json["id"]
    orphan = post(client, auth.headers("u1"), photo(color=(2, 2, 2))).json["id"]
    with app.app_context():
        from suishoupai.media import service
        from suishoupai.org.actor import Actor

        service.attach(db.session.get(Media, kept).owner_id, [kept], "report")
        db.session.execute(update(Media).where(Media.id == orphan)
                           .values(created_at=utcnow() - timedelta(hours=30)))
        db.session.commit()
        # a crash between storing the objects and committing the row
        owner = db.session.get(Media, kept).owner_id
        service.upload(Actor(user_id=owner, role="resident"), photo(color=(3, 3, 3)), "report")
        db.session.rollback()
        assert len(list(storage().keys())) == 6
        # rowless objects younger than the grace period stay: an upload may be committing
        assert service.delete_orphan_rows(orphan_hours=24) == 1
        db.session.commit()
        assert service.delete_rowless_objects(grace_minutes=60) == 0
        assert len(list(storage().keys())) == 6
    result = app.test_cli_runner().invoke(args=["media", "gc", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert "无记录的存储对象 4 个" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Media)) == 1
        keys = list(storage().keys())
        sha = db.session.get(Media, kept).sha256
    assert len(keys) == 2 and all(sha in k for k in keys)


def test_s3_backend_round_trip(app_factory, moto_endpoint):
    """With MEDIA_BACKEND=s3 the upload lands in the bucket and the presigned URL serves it."""
    app = app_factory(MEDIA_BACKEND="s3", S3_BUCKET="suishoupai-test", S3_PREFIX="apitest",
                      S3_ENDPOINT_URL=moto_endpoint, S3_REGION="us-east-1",
                      S3_ACCESS_KEY="testing", S3_SECRET_KEY="testing", S3_ADDRESSING_STYLE="path")
    client = app.test_client()
    token = client.post("/api/v1/auth/dev-login", json={"openid": "s3user"}).json["token"]
    resp = post(client, {"Authorization": f"Bearer {token}"}, photo(2000, 1500))
    assert resp.status_code == 201, resp.json
    assert resp.json["url"].startswith(moto_endpoint)
    got = requests.get(resp.json["url"], timeout=5)
    assert got.status_code == 200
    assert Image.open(io.BytesIO(got.content)).size == (1600, 1200)
    with app.app_context():
        keys = sorted(storage().keys())
    assert len(keys) == 2 and keys[0].startswith("display/")


def test_fingerprint_of_two_file_parts(client, auth):
    """Two parts named `file` with an Idempotency-Key: a clear answer, never a 500."""
    form = MultiDict([("file", FileStorage(io.BytesIO(photo()), filename="a.jpg")),
                      ("file", FileStorage(io.BytesIO(photo(color=(0, 0, 0))), filename="b.jpg"))])
    boundary, body = encode_multipart(form)
    resp = client.post(UPLOAD, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       headers=auth.headers("u1") | {"Idempotency-Key": "two"})
    assert resp.status_code == 201


def test_full_decode_formats_have_a_lower_pixel_cap(client, auth, app):
    """A 30 MP PNG (decoded at full size) is refused where a 30 MP JPEG header would pass the cap."""
    out = io.BytesIO()
    Image.new("1", (6000, 5000)).save(out, "PNG")
    resp = post(client, auth.headers("u1"), out.getvalue())
    assert resp.status_code == 413 and resp.json["error"]["code"] == "media.too_many_pixels"
    assert rows(app) == 0
