"""The submitting client's address and device, for mass-filing checks.

Middleware keeps the address and the device of the request being served in context variables,
so the in-transaction screening listener (which only sees the timeline event) can store them
with the complaint's text signature. Outside a request (commands, jobs, tests without a client)
both are None.

**The device** is a first-party cookie, not a fingerprint: ``tousu_device`` holds a random id
(128 bits) signed with Django's signing (``set_signed_cookie``, its own salt), HttpOnly,
SameSite=Lax, Secure where the session cookie is, for two years. A cookie whose signature does
not verify is ignored (and replaced): nobody can write someone else's id into it. API clients
that keep no cookies may send ``X-Device-Id``; it is self-asserted, so it is used only when no
valid cookie came with the request, and in a namespace of its own (a header can never claim a
cookie's id). Only a keyed hash of the id (HMAC-SHA256 under ``SECRET_KEY``, ``device_hash``)
is ever stored; the raw id never leaves the request. docs/moderation.md, "Mass filing".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re
from django.utils.crypto import salted_hmac

from tousu.common.ratelimit import client_ip

_client_ip: ContextVar[str | None] = ContextVar("tousu_client_ip", default=None)
_device_hash: ContextVar[str | None] = ContextVar("tousu_device_hash", default=None)

DEVICE_COOKIE = "tousu_device"
DEVICE_HEADER = "HTTP_X_DEVICE_ID"  # X-Device-Id
_DEVICE_SALT = "tousu.moderation.device"  # of the cookie's signature
_HASH_SALT = "tousu.moderation.device-hash"  # of the stored hash
DEVICE_COOKIE_MAX_AGE = 2 * 365 * 24 * 3600
MAX_HEADER_LENGTH = 200  # a longer X-Device-Id is ignored
HASH_LENGTH = 32  # hex characters stored (128 bits)
SHORT_HASH_LENGTH = 10  # hex characters shown to moderators


def current_client_ip() -> str | None:
    return _client_ip.get()


def current_device_hash() -> str | None:
    """The keyed hash of the device the request being served came from (None outside one)."""
    return _device_hash.get()


def device_hash(device_id: str) -> str:
    """The stored form of a device id: HMAC-SHA256 keyed with ``SECRET_KEY``, so the stored
    value can be neither reversed nor recomputed from a guessed id without the key."""
    return salted_hmac(_HASH_SALT, device_id, algorithm="sha256").hexdigest()[:HASH_LENGTH]


def short_device_hash(hashed: str) -> str:
    """What moderators see of a device: the start of its hash (never the id itself)."""
    return hashed[:SHORT_HASH_LENGTH]


def cookie_device_id(request: HttpRequest) -> str | None:
    """The id in the request's device cookie, if its signature verifies (else None)."""
    value = request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=_DEVICE_SALT)
    return value or None


def header_device_id(request: HttpRequest) -> str | None:
    """The ``X-Device-Id`` an API client sent, namespaced apart from cookie ids (None if absent,
    blank or too long)."""
    raw = request.META.get(DEVICE_HEADER, "").strip()
    if not raw or len(raw) > MAX_HEADER_LENGTH:
        return None
    return f"header:{raw}"


def _publicly_cacheable(response: HttpResponse) -> bool:
    # a response a shared cache may keep must not carry anyone's id (RFC 9111 lets a shared
    # cache store Set-Cookie): such pages set no device cookie
    directives = {d.strip().lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    return "public" in directives


class ClientAddressMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip(request) or None)
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


class DeviceCookieMiddleware:
    """Sets the device context of a request and gives a client without a valid device cookie
    one (on any response a shared cache may not keep). Precedence: a valid cookie, then the
    ``X-Device-Id`` header, then the id minted for this response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from_cookie = cookie_device_id(request)
        minted = None if from_cookie else secrets.token_urlsafe(16)
        device_id = from_cookie or header_device_id(request) or minted
        assert device_id is not None  # one of the three
        token = _device_hash.set(device_hash(device_id))
        try:
            response = self.get_response(request)
        finally:
            _device_hash.reset(token)
        if minted is not None and not _publicly_cacheable(response):
            response.set_signed_cookie(
                DEVICE_COOKIE,
                minted,
                salt=_DEVICE_SALT,
                max_age=DEVICE_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=bool(settings.SESSION_COOKIE_SECURE or request.is_secure()),
            )
        return response
