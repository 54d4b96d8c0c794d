"""A server-side cache of anonymous public pages (docs/adr/0028-public-page-cache.md).

An anonymous GET of a cached page costs one indexed query (the versions of what the page was
rendered from) instead of the page's queries and its rendering. The rules:

- **Versions live in the database** (``PageVersion``), shared by every worker; the rendered pages
  live in the ``pages`` cache (a bounded per-worker locmem cache, or Redis with ``REDIS_URL``).
- **A change bumps on commit**: ``bump()`` writes new random values after the transaction that
  changed the data commits (never before: a reader must not cache the old page under the new
  version). The signals in ``tousu.pagecache.signals`` and the complaint-event hook call it.
- **A miss reads the versions before the data** it renders, so a page is never stored under a
  version newer than its data; if a change commits in between, the page is stored under the old
  version, which no longer matches, and is rendered again at the next request.
- **Only anonymous visitors**, only GET/HEAD, never while a one-time message waits, never a
  response other than 200. The page key holds the language, the local day, the scheme, host and
  full path; an entry also expires at the next SLA deadline the page shows (``expires_at``).
- **The CSRF token is a hole**: a page being filled renders a placeholder where the token goes
  (``tousu.web.context.site``); every response, cached or not, gets the visitor's own token
  substituted, and ``get_token`` sets their CSRF cookie as usual.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

PRIMARY = "default"
CACHE_ALIAS = "pages"
# with a shared page store (Redis): each worker's own copies of the pages it served, in front
LOCAL_ALIAS = "pages-local"
GLOBAL = "g"  # every page: bulk writers, rankings, a manual flush
LISTS = "l"  # the public complaint lists and the home page
# headers of a rendered page that are kept with it (Set-Cookie never is)
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Vary", "Content-Language")
# the placeholder rendered where a CSRF token goes: 64 characters like a masked token, secret
CSRF_HOLE = (
    "csrfhole"
    + hmac.new(
        settings.SECRET_KEY.encode(), b"tousu page cache csrf hole", hashlib.sha256
    ).hexdigest()[:56]
)
_HOLE_BYTES = CSRF_HOLE.encode()


def enabled() -> bool:
    return bool(settings.TOUSU.get("PAGE_CACHE"))


def complaint_key(pk: int) -> str:
    return f"c:{pk}"


def company_key(pk: int) -> str:
    """The company's profile: name, badges, region, website, description, brands, aliases."""
    return f"p:{pk}"


def figures_key(pk: int) -> str:
    """The company's figures: metrics, problem types, weekly chart, recent complaints."""
    return f"m:{pk}"


def user_key(pk: int) -> str:
    """A consumer's public name (nickname, pseudonym) on their complaints."""
    return f"u:{pk}"


# --- versions ---------------------------------------------------------------------------------


class PendingBumps:
    """Keys to bump when the transaction commits (a class, not a lambda, so that tests counting
    on-commit callbacks can tell the page cache's apart)."""

    def __init__(self, keys: set[str]) -> None:
        self.keys = keys

    def __call__(self) -> None:
        _write(sorted(self.keys))


def bump(*keys: str | None) -> None:
    """New versions for ``keys`` once the current transaction commits (at once outside one)."""
    wanted = {k for k in keys if k}
    if wanted:
        transaction.on_commit(PendingBumps(wanted), using=PRIMARY, robust=True)


def _write(keys: list[str]) -> None:
    from .models import PageVersion

    now = timezone.now()
    PageVersion.objects.using(PRIMARY).bulk_create(
        [PageVersion(key=k, value=secrets.randbits(62) + 1, bumped_at=now) for k in keys],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["value", "bumped_at"],
    )


def _lifetime() -> int:
    return int(settings.TOUSU.get("PAGE_CACHE_SECONDS") or 600)


def prune(now: datetime | None = None) -> int:
    """Delete the versions not bumped for an hour longer than a kept page lives (one row per
    complaint ever changed would otherwise pile up). Safe: a deleted key reads 0 again, and
    a page kept under 0 before the key's last bump expired before the row was old enough to go.
    """
    from .models import PageVersion

    cutoff = (now or timezone.now()) - timedelta(seconds=_lifetime() + 3600)
    deleted, _ = PageVersion.objects.using(PRIMARY).filter(bumped_at__lt=cutoff).delete()
    return deleted


def flush() -> None:
    """Invalidate every cached page (bulk writers, ranking publication)."""
    bump(GLOBAL)


def read_versions(keys: Iterable[str]) -> dict[str, int]:
    """Current versions (0 for a key never bumped), always from the primary: a replica that lags
    could show an old version beside data the page was rendered from on the primary."""
    keys = list(keys)
    if not keys:
        return {}
    # plain SQL: this query is most of what a hit costs, and the ORM's compiling of it took
    # twice as long as running it (bench/read_costs.py)
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute(_versions_sql(len(keys)), keys)
        found = dict(cursor.fetchall())
    return {k: found.get(k, 0) for k in keys}


_VERSIONS_SQL: dict[int, str] = {}


def _versions_sql(n: int) -> str:
    sql = _VERSIONS_SQL.get(n)
    if sql is None:
        from .models import PageVersion

        table = connections[PRIMARY].ops.quote_name(PageVersion._meta.db_table)
        marks = ", ".join(["%s"] * n)
        # only the table's name and n placeholders are formatted in; the keys are parameters
        sql = f'SELECT "key", "value" FROM {table} WHERE "key" IN ({marks})'  # noqa: S608
        _VERSIONS_SQL[n] = sql
    return sql


# --- pages ------------------------------------------------------------------------------------


@dataclass
class Fill:
    """Set on a request whose page is being rendered for the cache."""

    expires: float


def filling(request: HttpRequest) -> bool:
    return getattr(request, "_page_cache_fill", None) is not None


def expires_at(request: HttpRequest, when: datetime | None) -> None:
    """The page changes by itself at ``when`` (an SLA deadline): keep it no longer."""
    fill: Fill | None = getattr(request, "_page_cache_fill", None)
    if fill is not None and when is not None:
        fill.expires = min(fill.expires, when.timestamp())


def _anonymous(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def cacheable(request: HttpRequest) -> bool:
    return (
        enabled()
        and request.method in ("GET", "HEAD")
        and _anonymous(request)
        and not len(get_messages(request))
    )


def page_key(request: HttpRequest, name: str) -> str:
    parts = (
        name,
        get_language() or "",
        timezone.localdate().isoformat(),
        request.scheme or "",
        request.get_host(),
        request.get_full_path(),
        "htmx" if request.headers.get("HX-Request") else "",
    )
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"tousu:page:{digest}"


def _next_midnight() -> float:
    today = timezone.localdate()
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
    return timezone.make_aware(tomorrow).timestamp()


def serve(
    request: HttpRequest,
    name: str,
    render: Callable[[], HttpResponse],
    deps: Callable[[], list[str] | None],
    max_seconds: int | None = None,
) -> HttpResponse:
    """The page from the cache when its versions are current; otherwise rendered and kept.
    ``deps()`` names what the page depends on (cheaply: it runs before the page's queries, and
    again after them: a page whose dependencies moved meanwhile is not kept), or None when the
    page should not be kept (it does not exist)."""
    if not cacheable(request):
        return render()
    key = page_key(request, name)
    now = time.time()
    entry = _kept(key, now)
    if entry is not None:
        return _respond(request, entry, "hit")
    from tousu.common.dbrouter import routing_state

    state = routing_state()
    if state is not None:
        state.replica_reads = False  # a miss reads the primary, where the versions are read
    names = deps()
    if names is None:
        return render()
    versions = read_versions([GLOBAL, *names])  # before the data
    ttl = min(int(max_seconds or _lifetime()), _lifetime())
    fill = Fill(expires=min(now + ttl, _next_midnight()))
    request._page_cache_fill = fill  # type: ignore[attr-defined]
    try:
        response = render()
    finally:
        del request._page_cache_fill  # type: ignore[attr-defined]
    if response.status_code != 200 or response.streaming or response.cookies:
        return _fill_hole(request, response)
    if deps() != names:
        # what the page depends on moved while it was rendered (a company merge): its page may
        # name keys it no longer depends on; serve it, keep it not
        return _fill_hole(request, response)
    content = response.content
    entry = {
        "versions": versions,
        "expires": fill.expires,
        "status": response.status_code,
        "headers": [(h, response[h]) for h in KEPT_HEADERS if response.has_header(h)],
        # weak: the same page differs in its CSRF token between visitors
        "etag": f'W/"{hashlib.sha256(content).hexdigest()[:32]}"',
        "body": zlib.compress(content, 1),
    }
    timeout = int(fill.expires - now)
    max_bytes = int(settings.TOUSU.get("PAGE_CACHE_MAX_BYTES") or 0)
    if timeout > 0 and (not max_bytes or len(entry["body"]) <= max_bytes):
        caches[CACHE_ALIAS].set(key, entry, timeout)
        if LOCAL_ALIAS in settings.CACHES:
            caches[LOCAL_ALIAS].set(key, entry, timeout)
    return _respond(request, entry, "miss")


def _current(entry: dict | None, now: float) -> bool:
    return (
        entry is not None
        and entry["expires"] > now
        and read_versions(entry["versions"]) == entry["versions"]
    )


def _kept(key: str, now: float) -> dict | None:
    """The kept entry of ``key`` if its versions are current. With a shared store (Redis) a
    worker first looks in its own small copy (``pages-local``, no round trip), then in the
    shared one (whose entry may be newer: another worker rendered it after a change), and
    copies what it found there. Any copy is safe: every entry is served only after its
    versions are read from the database and found unchanged."""
    local = caches[LOCAL_ALIAS] if LOCAL_ALIAS in settings.CACHES else None
    if local is not None:
        entry = local.get(key)
        if _current(entry, now):
            return entry
    entry = caches[CACHE_ALIAS].get(key)
    if not _current(entry, now):
        return None
    assert entry is not None
    if local is not None:
        local.set(key, entry, max(1, int(entry["expires"] - now)))
    return entry


def _fill_hole(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not response.streaming and _HOLE_BYTES in response.content:
        response.content = response.content.replace(_HOLE_BYTES, get_token(request).encode())
    return response


def _respond(request: HttpRequest, entry: dict, how: str) -> HttpResponse:
    etag = entry["etag"]
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = zlib.decompress(entry["body"])
        if _HOLE_BYTES in body:
            body = body.replace(_HOLE_BYTES, get_token(request).encode())
        response = HttpResponse(body, status=entry["status"])
    for header, value in entry["headers"]:
        response[header] = value
    response["ETag"] = etag
    response["X-Page-Cache"] = how
    return response
