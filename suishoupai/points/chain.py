"""The hash chain, as pure functions: canonical content of a transaction and its link hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

#: the chain's first link points at this
GENESIS = "0" * 64


def stamp(moment: datetime) -> str:
    """A timestamp as the chain spells it: UTC, microseconds, Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, kind: str, community_id: int | None, source_type: str, source_id: int,
              memo: str, reverses_id: int | None, actor_id: int | None, created_at: datetime | str,
              postings: Iterable[tuple[int, int]]) -> bytes:
    """The bytes a transaction's hash covers: its fields and its (account, amount) postings, sorted.

    ``created_at`` may come already stamped (the auditor reads it as text where the database has it so).
    """
    at = created_at if isinstance(created_at, str) else stamp(created_at)
    return _encode([seq, kind, community_id, source_type, source_id, memo, reverses_id, actor_id, at,
                    sorted(postings)]).encode()


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def link(prev_hash: str, content: bytes) -> str:
    """sha256(previous hash ‖ canonical content), hex."""
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()
