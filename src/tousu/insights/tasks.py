"""Background tasks run by ``tousu worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_warnings(alert_id: int) -> int:
    from .warnings import warnings_deliver

    return warnings_deliver(alert_id)
