"""The migration that seals photo positions converts the rows already stored (on a fresh SQLite file)."""

from flask_migrate import upgrade
from sqlalchemy import text

from suishoupai.extensions import db
from suishoupai.media.models import Media
from tests.helpers.app import make_app


def test_positions_stored_in_the_clear_are_sealed_by_the_migration(tmp_path, wechat):
    """A photo stored with plain EXIF GPS before the migration reads back the same position, encrypted."""
    app = make_app("sqlite:///" + str(tmp_path / "old.db"), tmp_path, wechat.url)
    with app.app_context():
        upgrade(revision="0014_stats_days")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO users (id, openid, role, token_version, created_at) "
                              "VALUES (1, 'o-old', 'resident', 0, '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO media (id, owner_id, sha256, phash, source_format, width, height, size_bytes, "
                "purpose, gps_lat, gps_lng, public, created_at) VALUES "
                "(1, 1, :sha, 'ffffffffffffffff', 'JPEG', 10, 10, 100, 'report', 30.2722, 120.1639, 0, "
                "'2026-01-01 00:00:00'), (2, 1, :sha, 'ffffffffffffffff', 'JPEG', 10, 10, 100, 'report', "
                "NULL, NULL, 0, '2026-01-01 00:00:00')"), {"sha": "a" * 64})
        upgrade()
        sealed, bare = db.session.get(Media, 1), db.session.get(Media, 2)
        assert sealed.gps == (30.2722, 120.1639) and "30.27" not in sealed.gps_enc
        assert bare.gps is None and bare.gps_enc is None
        db.session.remove()
        db.engine.dispose()
