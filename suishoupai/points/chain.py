"""The hash chain, as pure functions: canonical content of a transaction and its link hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from json.encoder import encode_basestring

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
    legs = ",".join(f"[{account},{amount}]" for account, amount in sorted(postings))
    # the compact JSON array [seq, kind, …, [[account, amount], …]], spelled out: the auditor
    # recomputes a million of these and json.dumps costs five times as much
    return (f"[{seq},{_text(kind)},{_num(community_id)},{_text(source_type)},{source_id},{_text(memo)},"
            f"{_num(reverses_id)},{_num(actor_id)},{_text(at)},[{legs}]]").encode()


#: JSON string literal (as json.dumps with ensure_ascii=False writes it)
_text = encode_basestring


def _num(value: int | None) -> str:
    """JSON integer or null."""
    return "null" if value is None else str(value)


def link(prev_hash: str, content: bytes) -> str:
    """sha256(previous hash ‖ canonical content), hex."""
    return hashlib.sha256(prev_hash.encode() + content).hexdigest()
