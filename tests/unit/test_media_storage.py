"""Both storage backends against the same contract; S3 against moto as a real HTTP server."""

from __future__ import annotations

import os
import socket
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from suishoupai.media.storage import LocalStorage, S3Storage, Storage, StorageError, check_key, deferred_sync

BUCKET = "suishoupai-test"  # created by the moto_endpoint fixture (conftest)
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region": "us-east-1"}


@pytest.fixture
def s3(moto_endpoint: str, request: pytest.FixtureRequest) -> S3Storage:
    """An S3Storage under a prefix unique to the test, so tests don't see each other's keys."""
    return S3Storage(BUCKET, prefix=f"t/{request.node.name}", endpoint_url=moto_endpoint,
                     addressing_style="path", **CREDENTIALS)


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    """A LocalStorage in a fresh directory."""
    return LocalStorage(tmp_path / "media")


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> Storage:
    """Each backend in turn, for the tests of the shared contract."""
    return request.getfixturevalue(request.param)


# --- the shared contract ----------------------------------------------------------------------


def test_implements_the_protocol(storage: Storage) -> None:
    assert isinstance(storage, Storage)


def test_round_trip_overwrite_and_delete(storage: Storage) -> None:
    assert not storage.exists("display/ab/photo.jpg")
    storage.put("display/ab/photo.jpg", b"\xff\xd8first", "image/jpeg")
    assert storage.exists("display/ab/photo.jpg")
    assert storage.get("display/ab/photo.jpg") == b"\xff\xd8first"
    storage.put("display/ab/photo.jpg", b"\xff\xd8second", "image/jpeg")
    assert storage.get("display/ab/photo.jpg") == b"\xff\xd8second"
    storage.delete("display/ab/photo.jpg")
    assert not storage.exists("display/ab/photo.jpg")
    storage.delete("display/ab/photo.jpg")  # missing is fine


def test_missing_key_is_file_not_found(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.get("display/nope.jpg")


def test_empty_object_round_trips(storage: Storage) -> None:
    storage.put("empty.bin", b"", "application/octet-stream")
    assert storage.get("empty.bin") == b""


def test_keys_lists_by_string_prefix(storage: Storage) -> None:
    for key in ("thumb/aa1.jpg", "display/aa1.jpg", "display/aa2.jpg", "display/b/c.jpg"):
        storage.put(key, b"x", "image/jpeg")
    assert sorted(storage.keys()) == [
        "display/aa1.jpg", "display/aa2.jpg", "display/b/c.jpg", "thumb/aa1.jpg"]
    assert sorted(storage.keys("display/")) == [
        "display/aa1.jpg", "display/aa2.jpg", "display/b/c.jpg"]
    assert sorted(storage.keys("display/aa")) == ["display/aa1.jpg", "display/aa2.jpg"]
    assert list(storage.keys("nothing/")) == []


@pytest.mark.parametrize("key", [
    "../escape.jpg", "a/../../escape.jpg", "/etc/passwd", "a//b.jpg", "a/./b.jpg", "", "a/",
    "a\\..\\b.jpg", "a\x00b.jpg", ".hidden", "a/.part",
])
def test_unsafe_keys_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        storage.put(key, b"x", "image/jpeg")
    with pytest.raises(ValueError):
        storage.get(key)


def test_large_object_round_trips(storage: Storage) -> None:
    data = os.urandom(3 * 2**20)
    storage.put("big.bin", data, "application/octet-stream")
    assert storage.get("big.bin") == data


# --- local specifics --------------------------------------------------------------------------


def test_local_put_leaves_no_temp_files_and_readable_mode(local: LocalStorage) -> None:
    for i in range(5):
        local.put("display/ab/photo.jpg", bytes([i]) * 1000, "image/jpeg")
    assert sorted(p.name for p in (local.root / "display/ab").iterdir()) == ["photo.jpg"]
    assert (local.root / "display/ab/photo.jpg").stat().st_mode & 0o777 == 0o644


def test_local_failed_write_keeps_the_old_object_and_cleans_up(
        local: LocalStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    local.put("photo.jpg", b"old", "image/jpeg")

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(StorageError) as caught:
        local.put("photo.jpg", b"new", "image/jpeg")
    assert caught.value.status == 503
    assert caught.value.code == "media.storage_unavailable"
    monkeypatch.undo()
    assert local.get("photo.jpg") == b"old"
    assert [p.name for p in local.root.iterdir()] == ["photo.jpg"]


def test_local_deferred_sync_writes_at_once_and_syncs_each_file_once_at_the_end(
        local: LocalStorage, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def noting_fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", noting_fsync)
    with deferred_sync():
        for i in range(3):
            local.put("display/ab/photo.jpg", bytes([i]) * 10, "image/jpeg")
        local.put("thumb/ab/photo.jpg", b"t", "image/jpeg")
        assert local.get("display/ab/photo.jpg") == bytes([2]) * 10  # readable before the sync
        assert synced == []
    assert sorted(synced) == sorted([str(local.root / "display/ab/photo.jpg"),
                                     str(local.root / "thumb/ab/photo.jpg"),
                                     str(local.root / "display/ab"), str(local.root / "thumb/ab")])
    synced.clear()
    local.put("photo.jpg", b"x", "image/jpeg")  # outside the block: synced at the write again
    assert len(synced) == 2 and synced[0].endswith(".part") and synced[1] == str(local.root)


def test_local_keys_skip_in_flight_temp_files(local: LocalStorage) -> None:
    local.put("display/a.jpg", b"x", "image/jpeg")
    (local.root / "display" / ".tmpabc.part").write_bytes(b"half")
    assert list(local.keys()) == ["display/a.jpg"]


def test_local_symlink_out_of_root_is_refused(local: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (local.root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError):
        local.put("link/evil.jpg", b"x", "image/jpeg")
    assert not (outside / "evil.jpg").exists()


def test_local_has_no_presigned_url(local: LocalStorage) -> None:
    local.put("a.jpg", b"x", "image/jpeg")
    assert local.presigned_url("a.jpg", 60) is None


def test_check_key_accepts_app_keys() -> None:
    assert check_key("display/3f/3fa9c0.jpg") == "display/3f/3fa9c0.jpg"


# --- S3 specifics -----------------------------------------------------------------------------


def test_s3_objects_live_under_the_prefix_with_their_content_type(
        s3: S3Storage, moto_endpoint: str) -> None:
    s3.put("display/a.jpg", b"\xff\xd8abc", "image/jpeg")
    raw = boto3.session.Session().client(
        "s3", endpoint_url=moto_endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing")
    head = raw.head_object(Bucket=BUCKET, Key=f"{s3.prefix}display/a.jpg")
    raw.close()
    assert head["ContentType"] == "image/jpeg"
    assert list(s3.keys()) == ["display/a.jpg"]


def test_s3_presigned_url_downloads_the_bytes(s3: S3Storage) -> None:
    data = b"\xff\xd8presigned-bytes"
    s3.put("display/p.jpg", data, "image/jpeg")
    url = s3.presigned_url("display/p.jpg", 300)
    assert url is not None
    assert "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == data
        assert response.headers["Content-Type"] == "image/jpeg"


def test_s3_missing_bucket_is_a_storage_error_not_a_missing_file(moto_endpoint: str) -> None:
    storage = S3Storage("no-such-bucket", endpoint_url=moto_endpoint, addressing_style="path",
                        **CREDENTIALS)
    with pytest.raises(StorageError):
        storage.get("a.jpg")
    with pytest.raises(StorageError):
        storage.put("a.jpg", b"x", "image/jpeg")


def _closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_s3_unreachable_endpoint_is_a_storage_error() -> None:
    """A store nobody answers at: every operation is a StorageError answered as 503, not a crash."""
    quick = Config(connect_timeout=0.5, read_timeout=0.5, retries={"max_attempts": 1})
    storage = S3Storage(BUCKET, endpoint_url=f"http://127.0.0.1:{_closed_port()}",
                        config=quick, **CREDENTIALS)
    for call in (lambda: storage.get("a.jpg"), lambda: storage.put("a.jpg", b"x", "image/jpeg"),
                 lambda: storage.exists("a.jpg"), lambda: storage.delete("a.jpg"),
                 lambda: list(storage.keys())):
        with pytest.raises(StorageError) as caught:
            call()
        assert caught.value.status == 503


def test_modified_is_recent_and_missing_is_file_not_found(storage: Storage) -> None:
    from datetime import UTC, datetime, timedelta

    storage.put("display/mod.jpg", b"x", "image/jpeg")
    written = storage.modified("display/mod.jpg")
    assert written.tzinfo is not None
    assert abs(datetime.now(UTC) - written) < timedelta(minutes=5)
    with pytest.raises(FileNotFoundError):
        storage.modified("display/none.jpg")


def test_local_touch_renews_an_existing_objects_age_only(local: LocalStorage) -> None:
    """A content-addressed variant stored again is only touched: its age restarts (gc measures it),
    its bytes stay; a missing one is not created."""
    assert local.touch("display/ab/photo.jpg") is False
    assert not local.exists("display/ab/photo.jpg")
    local.put("display/ab/photo.jpg", b"\xff\xd8same", "image/jpeg")
    path = local.root / "display/ab/photo.jpg"
    os.utime(path, (1_000_000_000, 1_000_000_000))
    assert local.modified("display/ab/photo.jpg").year == 2001
    assert local.touch("display/ab/photo.jpg") is True
    assert local.modified("display/ab/photo.jpg").year > 2001
    assert local.get("display/ab/photo.jpg") == b"\xff\xd8same"


def test_s3_touch_asks_for_a_put(s3: S3Storage) -> None:
    s3.put("display/ab/photo.jpg", b"x", "image/jpeg")
    assert s3.touch("display/ab/photo.jpg") is False
