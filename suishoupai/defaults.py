"""Every setting and its default; each is overridden by SUISHOUPAI_<NAME> in the environment."""

from __future__ import annotations

from typing import Any

DEFAULT_SECRET = "dev-only-secret-key-never-use-in-production"

DEFAULTS: dict[str, Any] = {
    #: development | testing | production; production unless asked (`make run` asks for development)
    "ENV": "production",
    #: production refusals waived for a trial, comma-separated (see WAIVABLE); each is logged as a WARNING
    "ALLOW_UNSAFE": "",
    #: serve the interactive API page /api/docs in production too (always served elsewhere)
    "API_DOCS": False,
    "SECRET_KEY": DEFAULT_SECRET,
    #: Fernet key for phone numbers at rest; derived from SECRET_KEY when empty (not in production)
    "FIELD_ENCRYPTION_KEY": "",
    #: seconds a request waits for a free pooled connection, and on SQLite for the write lock, before it fails
    "DATABASE_WAIT_SECONDS": 30.0,
    #: empty → SQLite file under the instance folder; DEV_LOGIN: sign in by openid (development only)
    "DATABASE_URL": "",
    "DEV_LOGIN": False,
    "TOKEN_TTL_SECONDS": 7 * 24 * 3600,
    "WECHAT_API_BASE": "https://api.weixin.qq.com",
    "WECHAT_APPID": "",
    "WECHAT_SECRET": "",
    "WECHAT_TIMEOUT": 5.0,
    #: developer | trial | formal: which build of the mini-program a subscribe message opens
    "WECHAT_MINIPROGRAM_STATE": "formal",
    #: JSON {kind: {"template_id": "…", "fields": {"thing1": "title", "time2": "created_at", …}}};
    #: kinds without a template are inbox only
    "NOTIFY_TEMPLATES": "",
    #: sends of one notification before it is given up as failed (transient errors only)
    "NOTIFY_MAX_ATTEMPTS": 8,
    #: rows one `flask notify run` batch claims
    "NOTIFY_BATCH": 100,
    #: a claimed row untouched this long is free for another worker (a worker died)
    "NOTIFY_LEASE_SECONDS": 300,
    #: content security: none (development: everything passes) | wechat (msg_sec_check, media_check_async)
    "MODERATION_PROVIDER": "none",
    #: seconds a text check may take inside a submission; slower → pending, the worker retries
    "MODERATION_SYNC_TIMEOUT": 2.0,
    #: the Token of the mini-program's message push (消息推送), which signs media-check callbacks
    "MODERATION_CALLBACK_TOKEN": "",
    #: the push's EncodingAESKey (43 characters): secure mode (安全模式), pushes encrypted and their
    #: signature covering the body; required in production, plain mode is for development only
    "MODERATION_CALLBACK_AES_KEY": "",
    #: a push further than this from our clock is refused; pushes taken are kept this long (no replay)
    "MODERATION_CALLBACK_WINDOW_SECONDS": 300,
    #: the base URL WeChat fetches photos from (local backend); empty: PUBLIC_BASE_URL
    "MODERATION_MEDIA_BASE_URL": "",
    #: lifetime of the signed photo URLs handed to WeChat
    "MODERATION_MEDIA_URL_TTL": 6 * 3600,
    #: a photo whose verdict has not arrived this long after submission is submitted again
    "MODERATION_CALLBACK_WAIT_MINUTES": 60,
    #: rows one `flask moderation run` batch claims; a claim untouched this long is free again
    "MODERATION_BATCH": 50,
    "MODERATION_LEASE_SECONDS": 300,
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    #: JSON bodies longer than this are refused (413) before a byte is read; uploads keep MAX_CONTENT_LENGTH
    "JSON_MAX_BYTES": 64 * 1024,
    #: JSON nested deeper than this (arrays and objects) is refused (400); a GeoJSON MultiPolygon needs 8
    "JSON_MAX_DEPTH": 32,
    #: an error's details keep at most this many entries per object or list, three times that in all …
    "ERROR_MAX_FIELDS": 10,
    #: … and cuts every text it echoes (messages, field names, values) to this many characters
    "ERROR_MAX_TEXT": 64,
    #: refuse before reading a body: no valid token (401), a role that never uses the operation (403),
    #: a JSON body over the caps; and cap what errors echo. Off only to measure the service without
    #: them (bench/hostile_requests.py's baseline); production refuses it off
    "REQUEST_GUARDS": True,
    #: where rate-limit counters live: redis://host:6379/0 in production (shared by every worker and
    #: machine); memory:// counts per process (development, tests)
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    #: prefix of every counter's key, so several services (or test runs) can share one Redis
    "RATELIMIT_STORAGE_PREFIX": "suishoupai",
    #: seconds to wait for the counter store before it counts as down
    "RATELIMIT_STORAGE_TIMEOUT": 0.5,
    #: the counter store is down: open (unlimited, a warning is logged) | refuse (503 ratelimit.unavailable)
    "RATELIMIT_ON_STORAGE_ERROR": "open",
    #: limits per action (suishoupai/limits.py), each a list like "10 per hour;30 per day": one per
    #: signed-in user (PER_USER) and one per client address (PER_IP, where mobile carriers put many
    #: phones behind one address, so it is higher); sign-in has no user yet, so only an address limit
    "LIMIT_LOGIN_PER_IP": "20 per minute;200 per hour",
    "LIMIT_UPLOAD_PER_USER": "60 per hour;200 per day",
    "LIMIT_UPLOAD_PER_IP": "600 per hour",
    "LIMIT_REPORT_PER_USER": "10 per hour;30 per day",
    "LIMIT_REPORT_PER_IP": "100 per hour",
    "LIMIT_FOLLOW_PER_USER": "60 per hour",
    "LIMIT_FOLLOW_PER_IP": "600 per hour",
    "LIMIT_WISH_PER_USER": "5 per hour;10 per day",
    "LIMIT_WISH_PER_IP": "50 per hour",
    "LIMIT_CLAIM_PER_USER": "30 per hour",
    "LIMIT_CLAIM_PER_IP": "300 per hour",
    "LIMIT_REDEEM_PER_USER": "10 per hour",
    "LIMIT_REDEEM_PER_IP": "100 per hour",
    "LIMIT_RIDER_PER_USER": "5 per day",
    "LIMIT_RIDER_PER_IP": "50 per hour",
    #: a running request holding an Idempotency-Key longer than this is presumed dead
    "IDEMPOTENCY_LOCK_SECONDS": 60,
    "ROUTING_POLICY": "least_loaded",
    #: local | s3
    "MEDIA_BACKEND": "local",
    #: local backend directory; empty → instance/media
    "MEDIA_ROOT": "",
    "MEDIA_MAX_PIXELS": 50_000_000,
    #: PNG, WebP and HEIC decode at full size (no draft mode): a lower cap bounds their memory
    "MEDIA_MAX_PIXELS_FULL_DECODE": 25_000_000,
    #: lifetime of signed URLs of photos that are not public
    "MEDIA_URL_TTL": 3600,
    #: uploads attached to nothing for this long are collected by `flask media gc`
    "MEDIA_ORPHAN_HOURS": 24,
    #: stored objects without a row are kept this long (an upload may be committing)
    "MEDIA_GC_GRACE_MINUTES": 60,
    #: a reporter may ask for a case to be redone this many days after it was resolved
    "REPORT_REOPEN_DAYS": 7,
    #: resolved cases the reporter does not answer are closed by the sweep after this many days
    "REPORT_AUTO_CLOSE_DAYS": 7,
    #: GET /reports/nearby: open reports of the category within this radius, filed in the last days
    "NEARBY_RADIUS_M": 100.0,
    "NEARBY_DAYS": 30,
    #: a repeat filing: the same account, the same category, within this many metres of one of its
    #: open reports filed in the last this many minutes → 409 report.repeat naming that report, so the
    #: grid member gets one case, not a copy per tap (0 minutes: off)
    "REPORT_REPEAT_RADIUS_M": 50.0,
    "REPORT_REPEAT_MINUTES": 10,
    #: suspected duplicates for staff: same category this close, filed this many days apart at most
    "DUPLICATE_RADIUS_M": 150.0,
    "DUPLICATE_DAYS": 14,
    #: photos whose 64-bit perceptual hashes differ in at most this many bits count as the same picture
    "PHOTO_MATCH_BITS": 8,
    #: an after-photo whose EXIF GPS lies farther than this from the report is flagged
    "AFTER_PHOTO_MAX_DISTANCE_M": 300.0,
    #: open claims one volunteer may hold at once
    "WISH_CLAIM_LIMIT": 3,
    #: a claim not fulfilled within this many days goes back to the board
    "WISH_CLAIM_DAYS": 14,
    #: fulfilments the wisher does not confirm are confirmed by the sweep after this many days
    "WISH_AUTO_CONFIRM_DAYS": 7,
    #: wishes whose beneficiary one claimant may reveal (name, phone, address) in any 24 hours;
    #: revealing the same wish again does not count twice
    "WISH_REVEAL_DAILY_LIMIT": 5,
    #: claims one claimant may give back in 7 days; beyond it they may not claim (429) until the
    #: oldest release is a week old
    "WISH_RELEASE_WEEKLY_LIMIT": 3,
    #: stats: a grid or department with fewer cases (or clocks) than this behind a rate is not ranked on it
    "STATS_MIN_SAMPLE": 30,
    #: stats: the longest window one summary or export may cover
    "STATS_MAX_DAYS": 366,
    #: stats: a computed summary is served again for this many seconds (per worker; 0: always count)
    "STATS_CACHE_SECONDS": 60,
    #: stats: whole days of the last this many days are kept once counted; older ones are counted on
    #: each ask (`flask stats prune` forgets them): covers a month compared with the same month last year
    "STATS_KEEP_DAYS": 400,
    #: stats facts: a refresh also recomputes reports stamped this long before its mark, so a
    #: transaction that committed after the last refresh is not missed (longer than any transaction)
    "STATS_REFRESH_OVERLAP_SECONDS": 60,
    #: personal data (`flask privacy retain`, published by GET /api/v1/privacy): a case closed this many
    #: months ago loses its reporter link, address and followers (the case stays on the public record)
    "PRIVACY_CASE_MONTHS": 24,
    #: a wish's beneficiary name, contact and address are erased this many months after it is confirmed
    "PRIVACY_WISH_MONTHS": 6,
    #: an after-photo's EXIF position and capture time (read by the after-photo check) are dropped this
    #: many days after its case closed; every other photo loses them when it is attached
    "PRIVACY_AFTER_PHOTO_EXIF_DAYS": 30,
    #: inbox messages (and their WeChat outbox rows) are deleted this many days after they were written
    "PRIVACY_NOTIFICATION_DAYS": 180,
    #: Idempotency-Keys and the answers they replay are deleted this many hours after their last use
    "PRIVACY_IDEMPOTENCY_HOURS": 72,
    "S3_BUCKET": "",
    "S3_PREFIX": "",
    "S3_REGION": "",
    "S3_ENDPOINT_URL": "",
    "S3_ACCESS_KEY": "",
    "S3_SECRET_KEY": "",
    #: Open311: GET requests' default days and most answers; media_url's bytes and seconds, public hosts
    #: only unless private ones are allowed (never in production: tests and development serve locally)
    "OPEN311_DAYS": 90,
    "OPEN311_MAX_REQUESTS": 1000,
    "OPEN311_MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    "OPEN311_MEDIA_TIMEOUT": 10.0,
    "OPEN311_MEDIA_PRIVATE_HOSTS": False,
    #: path for MinIO and most self-hosted stores; virtual for COS/OSS
    "S3_ADDRESSING_STYLE": "",
    "LOG_LEVEL": "INFO",
    #: reverse proxies in front whose X-Forwarded-For and X-Forwarded-Proto are trusted (0: none, e.g.
    #: `make run`); the client address is the one the outermost of them saw. X-Forwarded-Host never is
    "PROXY_HOPS": 0,
    #: the service's public address (https://ssp.example.gov.cn, with a path if it is mounted under
    #: one): every absolute URL handed out (photo URLs) starts with it; empty: the request's own host
    #: (development and tests)
    "PUBLIC_BASE_URL": "",
    #: the console's sign-in QR: wechat (getUnlimitedQRCode) | plain (a QR of the ticket) | empty: wechat
    #: in production, plain elsewhere; the mini-program page a scanned code opens; a ticket's seconds
    "CONSOLE_QR": "",
    "CONSOLE_QR_PAGE": "pages/console-login/index",
    "CONSOLE_TICKET_SECONDS": 120,
    #: the built console served at /console/; empty: console/dist next to the package
    "CONSOLE_DIST": "",
}
