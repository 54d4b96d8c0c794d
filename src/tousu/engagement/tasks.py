"""Background tasks run by ``tousu worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def notify_event(event_id: int) -> int:
    from .services import notify_for_event

    return notify_for_event(event_id)
