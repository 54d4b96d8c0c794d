"""Outbound HTTP for webhooks: httpx with timeouts, no redirects, no proxies from the environment,
and a guard against server-side request forgery (SSRF).

The guard sits where the connection is made (an httpcore network backend), not before the
request: the host name is resolved once, every address it resolves to must be public
(``is_global``, not multicast), and the socket connects to one of exactly those addresses. A
check before the request would let a name resolve to a public address for the check and to
127.0.0.1 or 169.254.169.254 for the connection (DNS rebinding). TLS still verifies the
certificate against the host name, which httpcore passes to ``start_tls`` separately.
``TOUSU["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"]`` turns the guard off for local development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings

from tousu.common.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# names that only ever mean "this machine" or the local network
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")


class AddressRefused(httpcore.ConnectError):
    """The receiver's host resolves to an address webhooks may not reach."""


def is_public_address(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def allow_private() -> bool:
    return bool(settings.TOUSU.get("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False))


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses non-public addresses, connects to a checked one."""

    def __init__(self, *, allow_private_addresses: bool) -> None:
        self.allow_private_addresses = allow_private_addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not self.allow_private_addresses:
            refused = [a for a in addresses if not is_public_address(ipaddress.ip_address(a))]
            if refused or not addresses:
                # one private answer refuses the name: a receiver has no business there
                raise AddressRefused(
                    f"refused: {host} resolves to a non-public address ({', '.join(refused)})"
                )
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}")


def webhook_client() -> httpx.Client:
    """A client for one delivery attempt (close it after use)."""
    conf = settings.TOUSU
    transport = httpx.HTTPTransport(trust_env=False, retries=0)
    # httpx has no public parameter for httpcore's network backend (encode/httpx#3749): replace
    # the transport's pool with one that connects through the guard
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=1,
        network_backend=GuardedBackend(allow_private_addresses=allow_private()),
    )
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(
            float(conf["WEBHOOK_TIMEOUT_SECONDS"]),
            connect=float(conf["WEBHOOK_CONNECT_TIMEOUT_SECONDS"]),
        ),
        follow_redirects=False,
        trust_env=False,
    )


def check_webhook_url(raw: str) -> str:
    """Validate a receiver URL when it is saved (the address check proper runs at connect)."""
    url = (raw or "").strip()
    field = {"field": "url"}
    if not url or len(url) > 500:
        raise ValidationFailed("请填写接收地址（最多500个字符）", code="invalid_url", details=field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationFailed("接收地址格式不正确", code="invalid_url", details=field) from exc
    allow_http = bool(settings.TOUSU.get("WEBHOOK_ALLOW_HTTP", False))
    if parts.scheme != "https" and not (allow_http and parts.scheme == "http"):
        raise ValidationFailed(
            "接收地址必须以 https:// 开头", code="webhook_https_required", details=field
        )
    host = (parts.hostname or "").rstrip(".")
    if not host or parts.username or parts.password or parts.fragment:
        raise ValidationFailed(
            "接收地址格式不正确（不能含用户名、密码或 # 片段）", code="invalid_url", details=field
        )
    if port == 0:
        raise ValidationFailed("接收地址的端口无效", code="invalid_url", details=field)
    if not allow_private():
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        local_name = host.lower() == "localhost" or host.lower().endswith(LOCAL_SUFFIXES)
        if local_name or (literal is not None and not is_public_address(literal)):
            raise ValidationFailed(
                "接收地址不能指向内网、本机或保留地址",
                code="webhook_private_address",
                details=field,
            )
    return url
