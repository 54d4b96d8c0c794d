"""PDF and video evidence in public: a PDF only as a redacted image-only copy, a video never."""

import io
import shutil
from collections.abc import Callable

import pypdfium2 as pdfium
import pytesseract
import pytest
from django.test import Client
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.evidence import prepare_file
from tousu.complaints.models import Complaint, Evidence
from tousu.privacy import ocr
from tousu.privacy.models import CopyState, EvidenceCopy, Redaction

pytestmark = pytest.mark.django_db
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr"
)

PHONE = "13812345678"


def pdf_with_phone() -> bytes:
    """A born-digital PDF (text layer, metadata with a name) with a mobile number on page 1."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setAuthor("Wang Xiaoming")
    c.setFont("Helvetica", 20)
    c.drawString(72, 720, "Refund request")
    c.drawString(72, 680, f"Mobile {PHONE}")
    c.drawString(72, 640, "Order shipped late, item damaged")
    c.showPage()
    c.setFont("Helvetica", 20)
    c.drawString(72, 720, "Page two without personal data")
    c.save()
    return buf.getvalue()


def mp4_bytes() -> bytes:
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08mdat"


@pytest.fixture
def file_with(
    consumer: User, company: Company, moderator: User
) -> Callable[[bytes, str], tuple[Complaint, Evidence]]:
    def file(data: bytes, name: str) -> tuple[Complaint, Evidence]:
        complaint, _created = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title="退款迟迟不到账",
                details="申请退款一个月了商家一直拖延，附上聊天记录和视频。",
                company_id=company.pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
                amount="299",
            ),
            files=[prepare_file(data, name)],
        )
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
        complaint.refresh_from_db()
        return complaint, complaint.evidence.get()

    return file


def _url(complaint: Complaint, evidence: Evidence) -> str:
    return f"/complaints/{complaint.public_number}/evidence/{evidence.pk}"


def _body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _pages(data: bytes) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [pdf[i].render(scale=150 / 72).to_pil().convert("RGB") for i in range(len(pdf))]
    finally:
        pdf.close()


def _ocr_digits(img: Image.Image) -> str:
    text = pytesseract.image_to_string(img, lang="eng", config="--psm 6")
    return "".join(ch for ch in text if ch.isdigit())


@needs_tesseract
def test_pdf_public_copy_is_an_image_pdf_with_the_phone_blacked_out(
    file_with: Callable[[bytes, str], tuple[Complaint, Evidence]],
    consumer: User,
    merchant: User,
    moderator: User,
) -> None:
    original = pdf_with_phone()
    complaint, evidence = file_with(original, "chat.pdf")
    assert evidence.kind == "pdf"
    url = _url(complaint, evidence)
    # before the worker ran: nothing for the public, never the original
    before = Client().get(url)
    assert before.status_code == 404 and "处理中" in before.content.decode()
    api = Client().get(f"/api/v1{url}")
    assert api.status_code == 404 and api.json()["code"] == "evidence_processing"

    copy = ocr.redact_evidence(evidence.pk)
    assert copy is not None and copy.state == CopyState.DONE
    assert copy.file.name.endswith(".public.pdf")
    # the number is on the original page (the test can fail) …
    assert PHONE in _ocr_digits(_pages(original)[0])
    rows = list(Redaction.objects.filter(evidence=evidence, kind="mobile"))
    assert len(rows) == 1 and rows[0].original.replace(" ", "") == PHONE
    x, y, w, h, page = rows[0].box
    assert page == 0

    public = Client().get(url)
    assert public.status_code == 200 and public["Content-Type"] == "application/pdf"
    served = _body(public)
    assert served != original
    pages = _pages(served)
    assert len(pages) == 2
    # … and not on the public copy: the region is black, OCR reads no number
    # (the copy's pages are JPEG-compressed: the outermost pixels of the box may ring)
    region = pages[0].crop((x + 2, y + 2, x + w - 2, y + h - 2)).convert("L").tobytes()
    assert max(region) < 48  # black, give or take JPEG noise
    assert PHONE not in _ocr_digits(pages[0])
    assert "Refund" in pytesseract.image_to_string(pages[0], lang="eng")
    # no text layer, no metadata of the upload
    reader = PdfReader(io.BytesIO(served))
    assert all(not (p.extract_text() or "").strip() for p in reader.pages)
    assert "Wang" not in str(reader.metadata or {})
    api_public = Client().get(f"/api/v1{url}")
    assert api_public.status_code == 200 and _body(api_public) == served
    # the parties and staff still get the original, permission-checked
    for user in (consumer, merchant, moderator):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert _body(response) == original, user.role


@needs_tesseract
def test_staff_revert_on_a_pdf_redraws_the_page(
    file_with: Callable[[bytes, str], tuple[Complaint, Evidence]], moderator: User
) -> None:
    from tousu.privacy.services import redaction_revert

    complaint, evidence = file_with(pdf_with_phone(), "chat.pdf")
    ocr.redact_evidence(evidence.pk)
    row = Redaction.objects.get(evidence=evidence, kind="mobile")
    redaction_revert(complaint_id=complaint.pk, redaction_id=row.pk, actor=moderator)
    copy = EvidenceCopy.objects.get(evidence=evidence)
    with copy.file.open("rb") as fh:
        pages = _pages(fh.read())
    assert PHONE in _ocr_digits(pages[0])


def test_unreadable_pdf_stays_private(
    file_with: Callable[[bytes, str], tuple[Complaint, Evidence]],
) -> None:
    broken = b"%PDF-1.4\n" + b"\x00garbage" * 50
    complaint, evidence = file_with(broken, "broken.pdf")
    copy = ocr.redact_evidence(evidence.pk)
    assert copy is not None and copy.state == CopyState.UNAVAILABLE
    response = Client().get(_url(complaint, evidence))
    assert response.status_code == 404
    assert broken not in response.content


def test_video_is_never_served_in_public_but_to_the_parties(
    file_with: Callable[[bytes, str], tuple[Complaint, Evidence]],
    consumer: User,
    merchant: User,
    moderator: User,
) -> None:
    video = mp4_bytes()
    complaint, evidence = file_with(video, "clip.mp4")
    assert evidence.kind == "video"
    assert ocr.redact_evidence(evidence.pk) is None  # nothing to redact: no public copy
    assert not EvidenceCopy.objects.filter(evidence=evidence).exists()
    url = _url(complaint, evidence)
    web = Client().get(url)
    assert web.status_code == 404
    assert web.content.decode() == "为保护个人隐私，该附件不公开显示"
    api = Client().get(f"/api/v1{url}")
    assert api.status_code == 404 and api.json()["code"] == "evidence_not_public"
    # the public page says so and links nothing
    page = Client().get(f"/complaints/{complaint.public_number}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "为保护个人隐私，该附件不公开显示" in html and url not in html
    for user in (consumer, merchant, moderator):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user.role
        assert _body(response) == video
        assert client.get(f"/api/v1{url}").status_code == 200
        # a party's view of the page links the video
        assert url in client.get(f"/complaints/{complaint.public_number}/").content.decode()


def png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def three_kinds(
    consumer: User, company: Company, moderator: User
) -> tuple[Complaint, dict[str, Evidence]]:
    """An accepted complaint with an image, a PDF and a video."""
    complaint, _created = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="退款迟迟不到账",
            details="申请退款一个月了商家一直拖延，附上截图、合同和视频。",
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
            amount="299",
        ),
        files=[
            prepare_file(png_bytes(), "chat.png"),
            prepare_file(pdf_with_phone(), "contract.pdf"),
            prepare_file(mp4_bytes(), "clip.mp4"),
        ],
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    complaint.refresh_from_db()
    return complaint, {ev.kind: ev for ev in complaint.evidence.all()}


def _api_urls(complaint: Complaint, evidence: dict[str, Evidence]) -> dict[str, str]:
    return {kind: f"/api/v1{_url(complaint, ev)}" for kind, ev in evidence.items()}


@pytest.mark.parametrize("role", ["anonymous", "other_consumer", "other_merchant", "regulator"])
def test_public_api_detail_lists_a_video_without_a_link(
    three_kinds: tuple[Complaint, dict[str, Evidence]], role: str, request: pytest.FixtureRequest
) -> None:
    complaint, evidence = three_kinds
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    resp = client.get(f"/api/v1/complaints/{complaint.public_number}")
    assert resp.status_code == 200
    listed = {row["kind"]: row for row in resp.json()["evidence"]}
    urls = _api_urls(complaint, evidence)
    assert listed["video"]["url"] is None and listed["video"]["withheld"] is True
    assert listed["video"]["notice"] == "为保护个人隐私，该附件不公开显示"
    assert urls["video"] not in resp.content.decode()
    # images and PDFs are listed: their URL serves the redacted copy (404 until it is made)
    for kind in ("image", "pdf"):
        assert (listed[kind]["url"], listed[kind]["withheld"]) == (urls[kind], False)
    assert client.get(urls["video"]).status_code == 404


@pytest.mark.parametrize("role", ["consumer", "merchant", "moderator"])
def test_parties_api_detail_links_every_file(
    three_kinds: tuple[Complaint, dict[str, Evidence]], role: str, request: pytest.FixtureRequest
) -> None:
    complaint, evidence = three_kinds
    client = Client()
    client.force_login(request.getfixturevalue(role))
    body = client.get(f"/api/v1/complaints/{complaint.public_number}").json()
    urls = _api_urls(complaint, evidence)
    assert {row["kind"]: (row["url"], row["withheld"]) for row in body["evidence"]} == {
        kind: (url, False) for kind, url in urls.items()
    }
    assert client.get(urls["video"]).status_code == 200


def test_merchant_api_detail_links_the_video(
    three_kinds: tuple[Complaint, dict[str, Evidence]], merchant: User
) -> None:
    complaint, _evidence = three_kinds
    client = Client()
    client.force_login(merchant)
    body = client.get(f"/api/v1/merchant/complaints/{complaint.public_number}").json()
    video = next(row for row in body["evidence"] if row["kind"] == "video")
    assert video["url"] is not None and video["withheld"] is False


def test_public_web_page_lists_the_video_without_a_link(
    three_kinds: tuple[Complaint, dict[str, Evidence]],
) -> None:
    complaint, evidence = three_kinds
    html = Client().get(f"/complaints/{complaint.public_number}/").content.decode()
    assert "视频 3：为保护个人隐私，该附件不公开显示" in html
    assert _url(complaint, evidence["video"]) not in html
    assert _url(complaint, evidence["pdf"]) in html and _url(complaint, evidence["image"]) in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/complaints/",
        "/companies/{company}/",
        "/api/v1/complaints",
        "/api/v1/complaints/search?q=退款",
        "/api/v1/companies/{company}",
    ],
)
def test_public_lists_link_no_evidence(
    three_kinds: tuple[Complaint, dict[str, Evidence]], path: str
) -> None:
    complaint, evidence = three_kinds
    resp = Client().get(path.format(company=complaint.company_id))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert complaint.public_number in body or path.startswith("/api/v1/companies/")
    for ev in evidence.values():
        assert f"/evidence/{ev.pk}" not in body


def test_open_data_links_no_evidence(
    three_kinds: tuple[Complaint, dict[str, Evidence]], settings: object, tmp_path: object
) -> None:
    import gzip
    from datetime import date

    from tousu.opendata.export import release_build

    complaint, _evidence = three_kinds
    settings.OPEN_DATA_DIR = tmp_path / "od"  # type: ignore[attr-defined,operator]
    release = release_build(day=date(2026, 11, 28))
    raw = b"".join(
        gzip.decompress((release.path / name).read_bytes())
        for name in ("complaints.csv.gz", "complaints.jsonl.gz")
    ).decode("utf-8")
    assert complaint.public_number in raw
    assert "evidence" not in raw and "/evidence/" not in raw
