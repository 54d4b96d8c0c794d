"""Evidence files through the API: what is accepted, what is refused, what is kept private."""

from __future__ import annotations

import hashlib
import io
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import filetype
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client
from PIL import ExifTags, Image

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, Evidence
from tousu.privacy.ocr import redact_evidence

pytestmark = pytest.mark.django_db


# --- byte fixtures -------------------------------------------------------------------------


def image_bytes(fmt: str, size: tuple[int, int] = (40, 20), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **save)
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "SecretPhone 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 14.0, 3.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 9.25),
    }
    return exif


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes() -> bytes:
    """An ISO base media file: ``ftyp`` (brand isom, compatible mp41) and an empty ``mdat``."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41")
    return ftyp + _box(b"free", b"") + _box(b"mdat", b"\x00" * 32)


def pdf_bytes() -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_with_size(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` × ``height`` (a decompression bomb when huge)."""
    raw = image_bytes("PNG", (1, 1))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    start = 8  # after the signature
    old_len = struct.unpack(">I", raw[start : start + 4])[0]
    end = start + 8 + old_len + 4
    return (
        raw[:start]
        + struct.pack(">I", 13)
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + raw[end:]
    )


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1"/></svg>'


def upload(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def owner_client(client_for: Any, consumer: User) -> Client:
    result: Client = client_for(consumer)
    return result


def submit(
    client: Client, form: dict[str, Any], company: Company, files: list[io.BytesIO], **extra: Any
) -> Any:
    return client.post(
        "/api/v1/complaints", {**form, "company_id": company.pk, "evidence": files, **extra}
    )


def media_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def world_state() -> dict[str, Any]:
    rows = {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in ("companies", "complaints", "engagement", "django_tasks_database")
        for model in apps.get_app_config(label).get_models()
    }
    return {"rows": rows, "files": media_files()}


def stored_bytes(evidence: Evidence) -> bytes:
    with evidence.file.open("rb") as f:
        return f.read()


# --- accepted types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "content_type", "kind", "ext"),
    [
        ("photo.jpg", lambda: image_bytes("JPEG"), "image/jpeg", "image", "jpg"),
        ("screen.png", lambda: image_bytes("PNG"), "image/png", "image", "png"),
        ("chat.webp", lambda: image_bytes("WEBP"), "image/webp", "image", "webp"),
        ("invoice.pdf", pdf_bytes, "application/pdf", "pdf", "pdf"),
        ("unboxing.mp4", mp4_bytes, "video/mp4", "video", "mp4"),
    ],
)
def test_allowed_types_are_stored(
    owner_client: Client,
    complaint_form: dict[str, Any],
    company: Company,
    name: str,
    make: Any,
    content_type: str,
    kind: str,
    ext: str,
) -> None:
    data = make()
    assert filetype.guess_mime(data) == content_type  # the fixture is what it claims to be
    resp = submit(owner_client, complaint_form, company, [upload(data, name)])
    assert resp.status_code == 201, resp.content
    [out] = resp.json()["evidence"]
    assert (out["content_type"], out["kind"]) == (content_type, kind)
    evidence = Evidence.objects.get(pk=out["id"])
    assert (evidence.content_type, evidence.ext, evidence.original_name) == (
        content_type,
        ext,
        name,
    )
    content = stored_bytes(evidence)
    assert hashlib.sha256(content).hexdigest() == evidence.sha256
    assert evidence.size == len(content) == out["size"]
    assert evidence.file.name.endswith(f".{ext}")
    if kind == "image":
        assert (out["width"], out["height"]) == (40, 20)
        assert Image.open(io.BytesIO(content)).format == {"jpg": "JPEG"}.get(ext, ext.upper())
    else:
        assert content == data  # PDF and video are kept byte for byte


def test_several_files_in_one_submission(
    owner_client: Client, complaint_form: dict[str, Any], company: Company
) -> None:
    files = [
        upload(image_bytes("JPEG"), "1.jpg"),
        upload(pdf_bytes(), "2.pdf"),
        upload(mp4_bytes(), "3.mp4"),
    ]
    resp = submit(owner_client, complaint_form, company, files)
    assert resp.status_code == 201, resp.content
    kinds = [e["kind"] for e in resp.json()["evidence"]]
    assert kinds == ["image", "pdf", "video"]
    assert Evidence.objects.count() == 3 and len(media_files()) == 3


def test_type_is_decided_by_content_not_name(
    owner_client: Client, complaint_form: dict[str, Any], company: Company
) -> None:
    resp = submit(owner_client, complaint_form, company, [upload(image_bytes("PNG"), "合同.pdf")])
    assert resp.status_code == 201, resp.content
    evidence = Evidence.objects.get()
    assert (evidence.content_type, evidence.kind, evidence.ext) == ("image/png", "image", "png")
    assert evidence.file.name.endswith(".png")
    assert Image.open(io.BytesIO(stored_bytes(evidence))).format == "PNG"


# --- refused files: 422, a Chinese message, and nothing created ------------------------------


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (HTML, "photo.jpg", "unsupported_file_type"),
        (EXE, "photo.jpg", "unsupported_file_type"),
        (SVG, "photo.png", "unsupported_file_type"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "video.mp4", "unsupported_file_type"),
        (image_bytes("GIF"), "anim.gif", "unsupported_file_type"),
        (b"", "empty.jpg", "empty_file"),
        # corrupted images: right magic number, broken body
        (image_bytes("JPEG")[:60], "truncated.jpg", "invalid_image"),
        (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "garbage.jpg", "invalid_image"),
        (image_bytes("PNG")[:-30] + b"\x00" * 30, "broken.png", "invalid_image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x01" * 64, "broken.webp", "invalid_image"),
        # a header claiming 100 000 × 100 000 pixels must not be decoded at all
        (png_with_size(100_000, 100_000), "bomb.png", "image_too_large"),
        (png_with_size(8_000, 8_000), "huge.png", "image_too_large"),
    ],
    ids=[
        "html-as-jpg",
        "exe-as-jpg",
        "svg-as-png",
        "elf-as-mp4",
        "gif",
        "empty",
        "truncated-jpeg",
        "garbage-jpeg",
        "broken-png",
        "broken-webp",
        "png-bomb",
        "png-too-many-pixels",
    ],
)
@pytest.mark.parametrize("new_company", [False, True], ids=["known-company", "typed-company"])
def test_refused_files_create_nothing(
    owner_client: Client,
    complaint_form: dict[str, Any],
    company: Company,
    data: bytes,
    name: str,
    code: str,
    new_company: bool,
) -> None:
    before = world_state()
    files = [upload(image_bytes("JPEG"), "fine.jpg"), upload(data, name)]
    if new_company:  # a company typed by name must not be created either
        form = {**complaint_form, "company_name": "从未出现过的小店", "evidence": files}
        resp = owner_client.post("/api/v1/complaints", form)
    else:
        resp = submit(owner_client, complaint_form, company, files)
    assert resp.status_code == 422, resp.content
    body = resp.json()
    assert body["code"] == code
    assert name in body["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # Chinese
    assert body["details"]["field"] == "evidence"
    assert world_state() == before


def test_file_size_limits(
    owner_client: Client, complaint_form: dict[str, Any], company: Company, settings: Any
) -> None:
    settings.TOUSU = {
        **settings.TOUSU,
        "EVIDENCE_MAX_IMAGE_BYTES": 2000,
        "EVIDENCE_MAX_PDF_BYTES": 400,
        "EVIDENCE_MAX_VIDEO_BYTES": 100_000,
    }
    before = world_state()
    noisy = Image.effect_noise((200, 200), 100).convert("RGB")
    buf = io.BytesIO()
    noisy.save(buf, "PNG")
    cases = [
        (buf.getvalue(), "big.png", "10"),
        (pdf_bytes() + b"%" + b"x" * 500 + b"\n", "big.pdf", "400"),
        (mp4_bytes() + b"\x00" * 100_001, "big.mp4", "0"),
    ]
    for data, name, _ in cases:
        resp = submit(owner_client, complaint_form, company, [upload(data, name)])
        assert resp.status_code == 422, (name, resp.content)
        body = resp.json()
        assert body["code"] == "file_too_large"
        assert name in body["message"] and (
            "大小限制" in body["message"] or "过大" in body["message"]
        )
    assert world_state() == before
    # just under the limit is fine
    resp = submit(owner_client, complaint_form, company, [upload(pdf_bytes(), "ok.pdf")])
    assert resp.status_code == 201, resp.content


def test_file_size_limit_message_names_the_limit(
    owner_client: Client, complaint_form: dict[str, Any], company: Company, settings: Any
) -> None:
    settings.TOUSU = {**settings.TOUSU, "EVIDENCE_MAX_PDF_BYTES": 1024 * 1024}
    big = pdf_bytes() + b"%" + b"x" * (1024 * 1024) + b"\n"
    resp = submit(owner_client, complaint_form, company, [upload(big, "扫描件.pdf")])
    assert resp.status_code == 422
    assert resp.json()["message"] == "文件「扫描件.pdf」超过 1 MB 的大小限制"


def test_file_count_limit(
    owner_client: Client, complaint_form: dict[str, Any], company: Company
) -> None:
    limit = django_settings.TOUSU["EVIDENCE_MAX_FILES"]
    before = world_state()

    def files(n: int) -> list[io.BytesIO]:
        return [upload(image_bytes("PNG", (4 + i, 4)), f"{i}.png") for i in range(n)]

    resp = submit(owner_client, complaint_form, company, files(limit + 1))
    assert resp.status_code == 422
    assert resp.json()["code"] == "too_many_files"
    assert resp.json()["message"] == f"最多上传{limit}个证据文件"
    assert world_state() == before
    resp = submit(owner_client, complaint_form, company, files(limit))
    assert resp.status_code == 201, resp.content
    assert len(resp.json()["evidence"]) == limit


# --- metadata is removed -----------------------------------------------------------------------


def _fetch(client: Client, number: str, evidence_id: int) -> bytes:
    resp = client.get(f"/api/v1/complaints/{number}/evidence/{evidence_id}")
    assert resp.status_code == 200
    return b"".join(resp.streaming_content)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_exif_is_removed(
    owner_client: Client, complaint_form: dict[str, Any], company: Company, fmt: str
) -> None:
    original = image_bytes(fmt, exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    resp = submit(owner_client, complaint_form, company, [upload(original, f"x.{fmt.lower()}")])
    assert resp.status_code == 201, resp.content
    [out] = resp.json()["evidence"]
    served = _fetch(owner_client, resp.json()["public_number"], out["id"])
    image = Image.open(io.BytesIO(served))
    assert image.format == fmt
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    for needle in (b"Exif\x00\x00", b"SecretPhone", b"PhoneMaker"):
        assert needle not in served


def test_jpeg_orientation_applied_and_all_metadata_dropped(
    owner_client: Client, complaint_form: dict[str, Any], company: Company
) -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><r>GPS 31.2304N 121.4737E</r></x:xmpmeta>'
    original = image_bytes(
        "JPEG", exif=gps_exif(orientation=6), xmp=xmp, comment=b"shot at No. 8 Home Street"
    )
    original += b"TRAILING-PAYLOAD"
    resp = submit(owner_client, complaint_form, company, [upload(original, "IMG_0001.JPG")])
    assert resp.status_code == 201, resp.content
    [out] = resp.json()["evidence"]
    assert (out["width"], out["height"]) == (20, 40)  # rotated by the orientation tag
    served = _fetch(owner_client, resp.json()["public_number"], out["id"])
    image = Image.open(io.BytesIO(served))
    assert image.size == (20, 40)
    assert dict(image.getexif()) == {}
    assert set(image.info) <= {
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "progressive",
        "progression",
    }
    for needle in (b"Exif", b"xmpmeta", b"Home Street", b"TRAILING", b"ICC_PROFILE"):
        assert needle not in served


# --- files are private until review ----------------------------------------------------------


def test_evidence_private_until_accepted(
    client_for: Any,
    owner_client: Client,
    complaint_form: dict[str, Any],
    company: Company,
    other_consumer: User,
    merchant: User,
    moderator: User,
) -> None:
    resp = submit(owner_client, complaint_form, company, [upload(pdf_bytes(), "发票.pdf")])
    number = resp.json()["public_number"]
    url = resp.json()["evidence"][0]["url"]
    assert url.startswith(f"/api/v1/complaints/{number}/evidence/")
    anonymous = Client()
    # under review: only the consumer and moderators
    for client in (anonymous, client_for(other_consumer), client_for(merchant)):
        denied = client.get(url)
        assert denied.status_code == 404
        assert denied.json()["code"] == "complaint_not_found"
    assert owner_client.get(url).status_code == 200
    assert client_for(moderator).get(url).status_code == 200
    # accepted: public once the worker has made the redacted copy (a PDF is never public as
    # uploaded), with the detected type and nosniff
    complaint = Complaint.objects.get(public_number=number)
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    processing = anonymous.get(url)
    assert processing.status_code == 404
    assert processing.json()["code"] == "evidence_processing"
    if shutil.which("tesseract") is None:
        return  # without Tesseract the PDF stays private (tests/privacy/test_evidence_kinds.py)
    redact_evidence(complaint.evidence.get().pk)
    public = anonymous.get(url)
    assert public.status_code == 200
    assert public["Content-Type"] == "application/pdf"
    assert public["X-Content-Type-Options"] == "nosniff"
    assert public["Content-Disposition"].startswith("inline")
    assert "发票" not in public["Content-Disposition"]  # the original name stays private
    served = b"".join(public.streaming_content)
    assert served.startswith(b"%PDF") and served != pdf_bytes()  # the page-image copy
    assert b"".join(owner_client.get(url).streaming_content) == pdf_bytes()
    # hidden by a moderator: private again
    services.complaint_hide(complaint_id=complaint.pk, actor=moderator, reason="privacy")
    assert anonymous.get(url).status_code == 404
    assert owner_client.get(url).status_code == 200


def test_evidence_of_another_complaint_is_not_reachable(
    owner_client: Client,
    complaint_form: dict[str, Any],
    company: Company,
    moderator: User,
) -> None:
    first = submit(owner_client, complaint_form, company, [upload(pdf_bytes(), "a.pdf")]).json()
    second = owner_client.post(
        "/api/v1/complaints",
        {
            **complaint_form,
            "title": "另一条投诉带着私密文件",
            "company_id": company.pk,
            "evidence": [upload(image_bytes("PNG"), "b.png")],
        },
    ).json()
    services.complaint_accept(
        complaint_id=Complaint.objects.get(public_number=first["public_number"]).pk, actor=moderator
    )
    foreign = second["evidence"][0]["id"]
    resp = Client().get(f"/api/v1/complaints/{first['public_number']}/evidence/{foreign}")
    assert resp.status_code == 404
    assert resp.json()["code"] == "evidence_not_found"


def test_missing_file_is_a_404_not_a_crash(
    owner_client: Client, complaint_form: dict[str, Any], company: Company
) -> None:
    resp = submit(owner_client, complaint_form, company, [upload(pdf_bytes(), "a.pdf")])
    evidence = Evidence.objects.get()
    Path(evidence.file.path).unlink()
    missing = owner_client.get(resp.json()["evidence"][0]["url"])
    assert missing.status_code == 404
    assert missing.json()["code"] == "evidence_not_found"
