"""Fetching a partner's media_url: http(s) only, public addresses only, bounded in bytes and time.

The host is resolved once, every address it resolves to is checked, and the connection goes to the
checked address (the name only rides along as Host and for TLS): a second resolution could answer a
private address (DNS rebinding). Redirects are refused rather than followed: each hop would need the
same checks, and a photo link that redirects is rare enough to send again."""

from __future__ import annotations

import ipaddress
import socket
import time

import urllib3
from flask import current_app
from urllib3.exceptions import HTTPError, LocationParseError

from suishoupai.errors import InvalidInput, PayloadTooLarge

CHUNK = 64 * 1024


class FetchRefused(InvalidInput):
    """The media_url cannot be fetched as a photo."""

    code = "open311.media_url"
    message = "media_url 无法获取"


def _allowed(address: str) -> bool:
    """Whether an address may be fetched from: public unicast only, unless private ones are allowed
    outside production (tests and development serve their photos from this machine)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return True
    config = current_app.config
    return (config["OPEN311_MEDIA_PRIVATE_HOSTS"] and config["ENV"] != "production"
            and not (ip.is_multicast or ip.is_unspecified))


def _resolve(host: str, port: int) -> str:
    """The one checked address to connect to; every address the name has must pass."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused("media_url 的主机名无法解析") from exc
    addresses = [info[4][0] for info in infos]
    if not addresses or not all(_allowed(a) for a in addresses):
        raise FetchRefused("media_url 须指向公网地址")
    return addresses[0]


def fetch(url: str) -> bytes:
    """The bytes at ``url``, at most OPEN311_MEDIA_MAX_BYTES, within OPEN311_MEDIA_TIMEOUT seconds."""
    config = current_app.config
    limit, seconds = config["OPEN311_MEDIA_MAX_BYTES"], config["OPEN311_MEDIA_TIMEOUT"]
    try:
        parts = urllib3.util.parse_url(url)
    except LocationParseError as exc:
        raise FetchRefused("media_url 不是有效的网址") from exc
    if parts.scheme not in ("http", "https") or not parts.host:
        raise FetchRefused("media_url 须为 http 或 https 网址")
    host = parts.host.strip("[]")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve(host, port)
    timeout = urllib3.Timeout(connect=seconds, read=seconds)
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False,
                                           server_hostname=host, assert_hostname=host)
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    deadline = time.monotonic() + seconds
    try:
        with pool:
            resp = pool.urlopen("GET", parts.request_uri, headers={"Host": parts.netloc, "Accept": "image/*"},
                                redirect=False, preload_content=False)
            try:
                return _read(resp, limit, deadline)
            finally:
                resp.release_conn()
    except HTTPError as exc:
        raise FetchRefused("media_url 无法获取：连接失败或超时") from exc


def _read(resp, limit: int, deadline: float) -> bytes:
    """The body of a 200, refused past ``limit`` bytes (declared or sent) or past the deadline."""
    if resp.status != 200:
        raise FetchRefused(f"media_url 无法获取：对方答复 {resp.status}", details={"status": resp.status})
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"media_url 的照片超过 {limit // 1024} KB", code="open311.media_too_large")
    body = bytearray()
    for chunk in resp.stream(CHUNK):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"media_url 的照片超过 {limit // 1024} KB", code="open311.media_too_large")
        if time.monotonic() > deadline:
            raise FetchRefused("media_url 无法获取：下载超时")
    return bytes(body)
