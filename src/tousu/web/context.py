"""Context for every page: the visitor's role and unread notification count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    unread = 0
    role = None
    if user is not None and user.is_authenticated:
        from tousu.engagement.models import Notification

        role = user.role
        unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    context = {"nav_role": role, "unread_notifications": unread}
    if getattr(request, "_page_cache_fill", None) is not None:
        # a page rendered for the page cache carries a placeholder where the CSRF token goes:
        # each visitor gets their own token substituted (tousu.pagecache.cache)
        from tousu.pagecache.cache import CSRF_HOLE

        context["csrf_token"] = CSRF_HOLE
    return context
