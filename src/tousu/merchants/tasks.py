"""Background tasks run by ``tousu worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int, token: str) -> str:
    """One attempt of a claimed webhook delivery (see ``webhooks.webhook_send``)."""
    from .webhooks import webhook_send

    return webhook_send(delivery_id, token)
