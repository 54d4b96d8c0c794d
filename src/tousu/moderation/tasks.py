"""Background tasks of moderation (run by ``tousu worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def screen_complaint(complaint_id: int) -> str:
    """Screen a submitted complaint after its submission committed
    (``TOUSU_SCREEN_IN_BACKGROUND``; docs/adr/0026-intake-path.md)."""
    from .listeners import screen_indexed

    return "screened" if screen_indexed(complaint_id) is not None else "nothing to do"
