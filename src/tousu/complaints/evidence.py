"""Evidence files: type decided by content, limits, images re-encoded without EXIF."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from tousu.common.errors import ValidationFailed

if TYPE_CHECKING:
    from tousu.accounts.models import User

    from .models import Complaint

# content type → (kind, extension, settings key of the size limit)
ALLOWED = {
    "image/jpeg": ("image", "jpg", "EVIDENCE_MAX_IMAGE_BYTES"),
    "image/png": ("image", "png", "EVIDENCE_MAX_IMAGE_BYTES"),
    "image/webp": ("image", "webp", "EVIDENCE_MAX_IMAGE_BYTES"),
    "application/pdf": ("pdf", "pdf", "EVIDENCE_MAX_PDF_BYTES"),
    "video/mp4": ("video", "mp4", "EVIDENCE_MAX_VIDEO_BYTES"),
}
MAX_IMAGE_PIXELS = 40_000_000


@dataclass
class PreparedFile:
    """A checked upload, ready to be stored inside the submission transaction."""

    content: bytes
    kind: str
    content_type: str
    ext: str
    original_name: str
    sha256: str
    width: int | None = None
    height: int | None = None


def _reencode_image(data: bytes, content_type: str, name: str) -> tuple[bytes, int, int]:
    """Decode and re-encode the pixels only: drops EXIF (GPS), comments and trailing bytes."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise ValidationFailed(
                    f"图片「{name}」尺寸过大",
                    code="image_too_large",
                    details={"field": "evidence", "file": name},
                )
            img = ImageOps.exif_transpose(img)  # type: ignore[assignment]
            out = io.BytesIO()
            if content_type == "image/jpeg":
                img.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            elif content_type == "image/png":
                img.save(out, "PNG", optimize=True)
            else:
                img.save(out, "WEBP", quality=88)
            return out.getvalue(), img.width, img.height
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(
            f"图片「{name}」已损坏或无法识别",
            code="invalid_image",
            details={"field": "evidence", "file": name},
        ) from exc


def prepare_file(data: bytes, original_name: str) -> PreparedFile:
    name = (original_name or "file")[-200:]
    if not data:
        raise ValidationFailed(
            f"文件「{name}」是空的", code="empty_file", details={"field": "evidence", "file": name}
        )
    guess = filetype.guess(data)
    content_type = guess.mime if guess else ""
    if content_type not in ALLOWED:
        raise ValidationFailed(
            f"文件「{name}」的类型不受支持，只能上传 JPEG、PNG、WebP 图片，PDF 或 MP4 视频",
            code="unsupported_file_type",
            details={"field": "evidence", "file": name, "detected": content_type or None},
        )
    kind, ext, limit_key = ALLOWED[content_type]
    limit = settings.TOUSU[limit_key]
    if len(data) > limit:
        raise ValidationFailed(
            f"文件「{name}」超过 {limit // (1024 * 1024)} MB 的大小限制",
            code="file_too_large",
            details={"field": "evidence", "file": name, "max_bytes": limit},
        )
    width = height = None
    if kind == "image":
        data, width, height = _reencode_image(data, content_type, name)
    return PreparedFile(
        content=data,
        kind=kind,
        content_type=content_type,
        ext=ext,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        width=width,
        height=height,
    )


def prepare_uploads(uploads: Iterable[Any]) -> list[PreparedFile]:
    """Check Django ``UploadedFile`` objects before any database write."""
    uploads = list(uploads)
    max_files = settings.TOUSU["EVIDENCE_MAX_FILES"]
    if len(uploads) > max_files:
        raise ValidationFailed(
            f"最多上传{max_files}个证据文件",
            code="too_many_files",
            details={"field": "evidence", "max": max_files},
        )
    prepared = []
    for upload in uploads:
        limit: int = settings.TOUSU["EVIDENCE_MAX_VIDEO_BYTES"]
        if upload.size and upload.size > limit:
            raise ValidationFailed(
                f"文件「{upload.name}」过大",
                code="file_too_large",
                details={"field": "evidence", "file": upload.name},
            )
        prepared.append(prepare_file(upload.read(), upload.name))
    return prepared


def store_evidence(
    *, complaint: Complaint, files: Sequence[PreparedFile], user: User | None
) -> None:
    """Write files and rows; called inside the submission transaction.

    If the transaction rolls back, rows vanish and the written files become orphans that
    ``evidence_sweep_orphans`` deletes; a committed row always has its file.
    """
    from .models import Evidence

    for prepared in files:
        evidence = Evidence(
            complaint=complaint,
            uploaded_by=user,
            kind=prepared.kind,
            content_type=prepared.content_type,
            ext=prepared.ext,
            size=len(prepared.content),
            sha256=prepared.sha256,
            original_name=prepared.original_name,
            width=prepared.width,
            height=prepared.height,
        )
        evidence.file.save(
            f"{prepared.sha256}.{prepared.ext}", ContentFile(prepared.content), save=False
        )
        evidence.save()
