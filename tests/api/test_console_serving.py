"""The console's files at /console/: assets as built, routes to its index, a Chinese page unbuilt."""

from __future__ import annotations

import pytest


@pytest.fixture
def built(tmp_path):
    """A tiny stand-in for console/dist: an index and one hashed asset."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text('<!doctype html><div id="app"></div>'
                                     '<script type="module" src="/console/assets/index-abc123.js"></script>')
    (root / "assets" / "index-abc123.js").write_text("console.log('指挥中心')")
    (root / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    return root


class Reader:
    """A test client whose answers are read whole and closed (files are streamed)."""

    def __init__(self, client):
        self.client = client

    def get(self, path: str):
        """GET, with the body read and the file behind it closed."""
        resp = self.client.get(path)
        resp.get_data()
        resp.close()
        return resp


@pytest.fixture
def console(app_factory, built):
    """A client of an app serving the stand-in."""
    return Reader(app_factory(CONSOLE_DIST=str(built)).test_client())


def test_the_index_is_served_and_never_cached_stale(console):
    """/console/ answers the index, revalidated every time, with the page's policy."""
    resp = console.get("/console/")
    assert resp.status_code == 200 and b'id="app"' in resp.data
    assert resp.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_hashed_assets_are_cached_for_a_year(console):
    """A file under assets/ is kept immutable; other files revalidate."""
    resp = console.get("/console/assets/index-abc123.js")
    assert resp.status_code == 200 and "指挥中心".encode() in resp.data
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert resp.mimetype in ("text/javascript", "application/javascript")
    assert console.get("/console/favicon.ico").headers["Cache-Control"] == "no-cache"


def test_console_routes_fall_back_to_the_index(console):
    """A route of the console (history mode) answers the index, deep ones too."""
    for path in ("/console/queue", "/console/cases/12", "/console/map?grid=3"):
        resp = console.get(path)
        assert resp.status_code == 200 and b'id="app"' in resp.data, path
    assert console.get("/console").status_code == 308


def test_a_missing_asset_is_404_not_the_index(console):
    """A script that is not there is not answered with HTML."""
    assert console.get("/console/assets/gone-000.js").status_code == 404


def test_no_path_leaves_the_dist_folder(console, built):
    """Paths climbing out of the folder answer the index, never the file outside."""
    (built.parent / "secret.txt").write_text("secret")
    for path in ("/console/../secret.txt", "/console/%2e%2e/secret.txt", "/console/assets/../../secret.txt"):
        assert b"secret" not in console.get(path).data, path


def test_an_unbuilt_console_says_how_to_build_it(app_factory, tmp_path):
    """Without console/dist: 503 and a Chinese page naming make run and Node.js."""
    client = Reader(app_factory(CONSOLE_DIST=str(tmp_path / "nothing")).test_client())
    for path in ("/console/", "/console/queue"):
        resp = client.get(path)
        assert resp.status_code == 503 and resp.mimetype == "text/html"
        assert "make run" in resp.text and "Node.js" in resp.text and "尚未构建" in resp.text


def test_a_built_gzip_twin_is_sent_to_browsers_that_take_gzip(app_factory, built):
    """With assets/x.js.gz beside it, a browser sending Accept-Encoding: gzip gets the twin's bytes,
    labelled as JavaScript in gzip; one that does not gets the plain file; both vary on the header."""
    import gzip

    plain = (built / "assets" / "index-abc123.js").read_bytes()
    (built / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(plain))
    client = app_factory(CONSOLE_DIST=str(built)).test_client()
    zipped = client.get("/console/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    body = zipped.get_data()
    zipped.close()
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.mimetype in ("text/javascript", "application/javascript") and gzip.decompress(body) == plain
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    bare = client.get("/console/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert bare.get_data() == plain and "Content-Encoding" not in bare.headers
    assert "Accept-Encoding" in bare.headers["Vary"]
    bare.close()
    twin = client.get("/console/assets/index-abc123.js.gz")  # the twin itself, as a file
    assert twin.status_code == 200 and gzip.decompress(twin.get_data()) == plain
    twin.close()
