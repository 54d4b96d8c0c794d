"""Background tasks run by ``tousu worker``."""

from __future__ import annotations

from django_tasks import task


@task()
def redact_evidence(evidence_id: int) -> str:
    """OCR one evidence image and write its public copy (never in a request: seconds of CPU)."""
    from .ocr import redact_evidence as run

    copy = run(evidence_id)
    return copy.state if copy is not None else "skipped"
