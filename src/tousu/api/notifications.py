"""In-site notifications of the current user."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import CursorPagination, paginate

from tousu.engagement.models import Notification
from tousu.engagement.services import (
    notification_mark_read,
    notification_unread_count,
    notifications_for,
)

from .core import AUTH, current_user, router
from .schemas import ErrorOut, NotificationOut


class MarkReadIn(Schema):
    id: int | None = None


class UnreadOut(Schema):
    unread: int


@router.get(
    "/notifications",
    response={200: list[NotificationOut], 401: ErrorOut},
    tags=["notifications"],
    auth=AUTH,
)
@paginate(CursorPagination, ordering=("-id",), page_size=20, max_page_size=100)
def list_notifications(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    qs = notifications_for(current_user(request))
    return qs.filter(read_at__isnull=True) if unread else qs


@router.get(
    "/notifications/unread-count",
    response={200: UnreadOut, 401: ErrorOut},
    tags=["notifications"],
    auth=AUTH,
)
def unread_count(request: HttpRequest) -> dict[str, Any]:
    return {"unread": notification_unread_count(current_user(request))}


@router.post(
    "/notifications/read",
    response={200: UnreadOut, 401: ErrorOut, 404: ErrorOut},
    tags=["notifications"],
    auth=AUTH,
)
def mark_read(request: HttpRequest, body: MarkReadIn) -> dict[str, Any]:
    """Mark one notification (``id``) or all as read; returns the unread count left."""
    user = current_user(request)
    notification_mark_read(user=user, notification_id=body.id)
    return {"unread": notification_unread_count(user)}
