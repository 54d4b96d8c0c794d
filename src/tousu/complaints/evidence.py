"""Evidence files: type decided by content, limits, images re-encoded without EXIF."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageOps

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


# Pillow format names of the allowed image types: a file is decoded only as what it claims to be.
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def _too_large(name: str) -> ValidationFailed:
    return ValidationFailed(
        f"图片「{name}」尺寸过大（最多{MAX_IMAGE_PIXELS // 10_000}万像素）",
        code="image_too_large",
        details={"field": "evidence", "file": name, "max_pixels": MAX_IMAGE_PIXELS},
    )


def _reencode_image(data: bytes, content_type: str, name: str) -> tuple[bytes, int, int]:
    """Decode and re-encode the pixels only: drops EXIF (GPS), XMP, ICC, comments and trailing
    bytes. Anything Pillow cannot decode cleanly is refused as a damaged image."""
    formats = [PIL_FORMATS[content_type]]
    try:
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data), formats=formats) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise _too_large(name)
            img.load()
            try:
                pixels = ImageOps.exif_transpose(img) or img.copy()
            except Exception:  # unreadable EXIF: keep the pixels as they are
                pixels = img.copy()
            if content_type == "image/jpeg":
                pixels = pixels.convert("RGB")
            # Pillow carries some metadata over from ``info`` (a JPEG's comment, a PNG's ICC
            # profile): keep nothing but a PNG's or WebP's transparency.
            keep = () if content_type == "image/jpeg" else ("transparency",)
            pixels.info = {k: v for k, v in pixels.info.items() if k in keep}
            out = io.BytesIO()
            if content_type == "image/jpeg":
                pixels.save(out, "JPEG", quality=88, optimize=True)
            elif content_type == "image/png":
                pixels.save(out, "PNG", optimize=True)
            else:
                pixels.save(out, "WEBP", quality=88)
            return out.getvalue(), pixels.width, pixels.height
    except ValidationFailed:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_large(name) from exc
    except Exception as exc:  # any decoder failure on untrusted bytes means a damaged file
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
    ``tousu.common.jobs.job_evidence_orphans`` deletes; a committed row always has its file:
    each file is flushed to disk (``fsync``) before its row is written, so not even a power cut
    after the commit can leave a row without its file.
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
        _sync_to_disk(evidence.file.storage, evidence.file.name)
        evidence.save()


def _sync_to_disk(storage: Storage, name: str) -> None:
    """fsync a stored file and the directories above it up to ``MEDIA_ROOT``.

    Storages without local paths (object stores) make their own writes durable.
    """
    try:
        path = Path(storage.path(name)).resolve()
    except NotImplementedError:
        return
    root = Path(getattr(storage, "location", settings.MEDIA_ROOT)).resolve()
    targets = [path, *(p for p in path.parents if p.is_relative_to(root))]
    for target in targets:
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
