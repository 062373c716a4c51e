"""Where photo bytes live: one small contract, a local-disk and an S3-compatible implementation."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from suishoupai.errors import UpstreamUnavailable

_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
_TMP_PREFIX = "."  # valid keys never have a segment starting with a dot, so temp files can't clash
#: files written inside `deferred_sync`, synced once when it ends (None: sync each write)
_unsynced: ContextVar[set[Path] | None] = ContextVar("unsynced", default=None)


class StorageError(UpstreamUnavailable):
    """The storage backend failed or could not be reached; vendor detail stays in __cause__."""

    code = "media.storage_unavailable"
    message = "图片存储暂时不可用，请稍后重试"


@runtime_checkable
class Storage(Protocol):
    """What the app needs from a blob store; keys are "/"-separated relative names."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store the whole object atomically: readers see the old object or the new, never half."""

    def touch(self, key: str) -> bool:
        """Make an existing object count as just written (`modified` is now); False when it is
        missing or the backend cannot do this cheaply (the caller then puts it)."""

    def get(self, key: str) -> bytes:
        """Return the object's bytes; raise FileNotFoundError when it does not exist."""

    def exists(self, key: str) -> bool:
        """Tell whether the object exists."""

    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Yield every key starting with `prefix` (for orphan garbage collection)."""

    def modified(self, key: str) -> datetime:
        """When the object was last written (UTC); FileNotFoundError when missing."""

    def presigned_url(self, key: str, expires: int) -> str | None:
        """Return a time-limited direct download URL, or None when the app must serve it."""


def check_key(key: str) -> str:
    """Return the key if every segment is a plain name; raise ValueError otherwise."""
    if not isinstance(key, str) or not all(_SEGMENT.fullmatch(s) for s in key.split("/")):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


class LocalStorage:
    """Objects as files under a root directory (development and single-host deployments)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        """Use (and create) `root` as the top directory."""
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        """Map a key to its file, refusing anything that would land outside the root."""
        path = (self.root / check_key(key)).resolve()
        # segments are already plain names; this also catches symlinked directories
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key escapes the root: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write a temp file beside the target, fsync it, then rename it over the target."""
        path = self._path(key)
        unsynced = _unsynced.get()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_TMP_PREFIX, suffix=".part")
        except OSError as exc:
            raise StorageError() from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                # mkstemp creates 0600; the files are meant to be served, maybe by a web server
                os.fchmod(fh.fileno(), 0o644)
                if unsynced is None:
                    os.fsync(fh.fileno())
            os.replace(tmp, path)
            if unsynced is None:
                _fsync_dir(path.parent)
            else:
                unsynced.add(path)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)  # gone already if the rename happened
            if isinstance(exc, OSError):
                raise StorageError() from exc
            raise

    def touch(self, key: str) -> bool:
        """Set the file's modification time to now (a rewrite of the same bytes would, dearer)."""
        try:
            os.utime(self._path(key))
        except (FileNotFoundError, NotADirectoryError):
            return False
        except OSError as exc:
            raise StorageError() from exc
        return True

    def get(self, key: str) -> bytes:
        """Read the whole file."""
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise FileNotFoundError(key) from exc
        except OSError as exc:
            raise StorageError() from exc

    def exists(self, key: str) -> bool:
        """Tell whether a regular file exists for the key."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the file if present."""
        try:
            self._path(key).unlink(missing_ok=True)
        except (IsADirectoryError, NotADirectoryError):
            return
        except OSError as exc:
            raise StorageError() from exc

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Walk only the directory the prefix points into, yielding matching keys in order."""
        directory = prefix.rpartition("/")[0]
        start = self._path(directory) if directory else self.root
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(_TMP_PREFIX))
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in sorted(filenames):
                key = name if rel == "." else f"{rel}/{name}"
                if not name.startswith(_TMP_PREFIX) and key.startswith(prefix):
                    yield key

    def modified(self, key: str) -> datetime:
        """The file's modification time."""
        try:
            return datetime.fromtimestamp(self._path(key).stat().st_mtime, UTC)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise FileNotFoundError(key) from exc

    def presigned_url(self, key: str, expires: int) -> str | None:
        """Local files have no direct URL: the app serves them itself."""
        return None


@contextmanager
def deferred_sync() -> Iterator[None]:
    """Local files written inside the block reach the disk once, when it ends, instead of at each
    write: a bulk load (the demo history) rewrites the same few photos thousands of times, and two
    fsyncs a write were most of its wall time. Readers see every write at once either way."""
    token = _unsynced.set(set())
    try:
        yield
    finally:
        written = _unsynced.get()
        _unsynced.reset(token)
        for path in sorted(written):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:  # deleted since (gc): nothing to keep
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        for directory in sorted({path.parent for path in written}):
            _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    """Persist a rename by syncing its directory (POSIX only; elsewhere a no-op)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Aliyun OSS, Tencent COS, ...)."""

    def __init__(self, bucket: str, prefix: str = "", region: str | None = None,
                 endpoint_url: str | None = None, access_key: str | None = None,
                 secret_key: str | None = None, addressing_style: str | None = None,
                 config: Config | None = None) -> None:
        """Build a client; `config` is merged over our timeouts (tests make them short)."""
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        base = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": addressing_style} if addressing_style else None,
            # presigned URLs would otherwise use the legacy SigV2 that AWS is retiring
            signature_version="s3v4",
            # botocore's default CRC headers are refused by several S3-compatible vendors;
            # put() sends Content-MD5 instead, which every one of them verifies
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # a private session: boto3's default session is not safe to share across threads
        self._client = boto3.session.Session().client(
            "s3",
            region_name=region,
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            config=base.merge(config) if config else base,
        )

    def _key(self, key: str) -> str:
        """Prepend the configured prefix to a checked key."""
        return self.prefix + check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload in a single PUT, which S3 makes visible all at once or not at all."""
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        with _translated(key):
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                                    ContentType=content_type, ContentMD5=md5)

    def touch(self, key: str) -> bool:
        """S3 has no cheap way to renew an object's age (a copy onto itself costs what a put of a
        small variant does): the caller puts it again."""
        return False

    def get(self, key: str) -> bytes:
        """Download the whole object."""
        with _translated(key):
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            with response["Body"] as body:
                return body.read()

    def exists(self, key: str) -> bool:
        """HEAD the object."""
        try:
            with _translated(key):
                self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete the object; S3 answers success for missing keys too."""
        with _translated(key):
            self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        """List page by page, yielding keys without the configured prefix."""
        paginator = self._client.get_paginator("list_objects_v2")
        with _translated(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    yield item["Key"][len(self.prefix):]

    def modified(self, key: str) -> datetime:
        """The object's LastModified, from a HEAD."""
        with _translated(key):
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        return head["LastModified"].astimezone(UTC)

    def presigned_url(self, key: str, expires: int) -> str | None:
        """Sign a GET for the object locally (no request is made)."""
        with _translated(key):
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._key(key)},
                ExpiresIn=expires)


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """Turn botocore failures into FileNotFoundError (missing object) or StorageError."""
    try:
        yield
    except ClientError as exc:
        # by code, not by status: a missing bucket is a 404 too, but a configuration fault
        if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
            raise FileNotFoundError(key) from exc
        raise StorageError() from exc
    except BotoCoreError as exc:
        raise StorageError() from exc
