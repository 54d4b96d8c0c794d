"""Personal data in evidence images: OCR (Debian's Tesseract) finds it, the public copy has it
blacked out, the original stays private, and the public never gets the original."""

from __future__ import annotations

import importlib.util
import io
import os
import random
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytesseract
import pytest
from django.test import Client
from PIL import Image, ImageDraw, ImageFont

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.evidence import prepare_file
from tousu.complaints.models import Complaint, Evidence
from tousu.privacy import ocr
from tousu.privacy import services as privacy_services
from tousu.privacy.models import CopyState, EvidenceCopy, Redaction

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs Debian's tesseract-ocr"),
]

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
PHONE = "13812345678"
NAME = "王小明"
# where each line is drawn (x, y) and the text; the PII sits on the first two lines
LINES = [
    ((20, 30), f"收件人：{NAME}"),
    ((20, 110), f"电话 {PHONE}"),
    ((20, 190), "商品已发货，请查收"),
]


def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, 36)


def render(lines: list[tuple[tuple[int, int], str]]) -> tuple[bytes, dict[str, tuple[int, ...]]]:
    """A PNG with ``lines`` and the glyph boxes of the name and the phone number."""
    img = Image.new("RGB", (720, 280), "white")
    draw = ImageDraw.Draw(img)
    font = _font()
    boxes: dict[str, tuple[int, ...]] = {}
    for (x, y), text in lines:
        draw.text((x, y), text, font=font, fill="black")
        for secret in (NAME, PHONE):
            at = text.find(secret)
            if at >= 0:
                left = x + draw.textlength(text[:at], font=font)
                bbox = draw.textbbox((left, y), secret, font=font)
                boxes[secret] = tuple(int(v) for v in bbox)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue(), boxes


@pytest.fixture
def file_with_image(
    consumer: User, company: Company, moderator: User
) -> Callable[[bytes], tuple[Complaint, Evidence]]:
    def file(png: bytes) -> tuple[Complaint, Evidence]:
        complaint, _created = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title="快递丢件，商家拒绝退款",
                details="我在该店铺买的手机快递丢了，商家一直拒绝退款，截图见附件。",
                company_id=company.pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
                amount="1999",
            ),
            files=[prepare_file(png, "shot.png")],
        )
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
        complaint.refresh_from_db()
        return complaint, complaint.evidence.get()

    return file


def stored(png: bytes) -> bytes:
    """The bytes kept as the private original (uploads are re-encoded without metadata)."""
    return prepare_file(png, "shot.png").content


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("RGB")


def _url(complaint: Complaint, evidence: Evidence) -> str:
    return f"/complaints/{complaint.public_number}/evidence/{evidence.pk}"


def _body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _dark_share(img: Image.Image, box: tuple[int, ...]) -> float:
    x0, y0, x1, y1 = box
    region = img.crop((x0, y0, x1, y1)).convert("L")
    pixels = region.tobytes()
    return sum(1 for p in pixels if p < 10) / len(pixels)


def test_public_copy_blacks_out_phone_and_name_only(
    file_with_image: Callable[[bytes], tuple[Complaint, Evidence]],
) -> None:
    png, glyphs = render(LINES)
    complaint, evidence = file_with_image(png)
    copy = ocr.redact_evidence(evidence.pk)
    assert copy is not None and copy.state == CopyState.DONE
    with copy.file.open("rb") as fh:
        public = _open(fh.read())
    # the phone number and the name are fully black
    assert _dark_share(public, glyphs[PHONE]) == 1.0
    assert _dark_share(public, glyphs[NAME]) == 1.0
    # the rest is as it was: the marker word, the last line, the blank margin
    original = _open(png)
    for x, y in [(25, 200), (300, 200), (30, 45), (700, 270), (600, 130), (10, 10)]:
        assert public.getpixel((x, y)) == original.getpixel((x, y)), (x, y)
    # the private original is untouched and a different file next to it
    with evidence.file.open("rb") as fh:
        assert fh.read() == stored(png)
    assert Path(copy.file.path).parent == Path(evidence.file.path).parent
    assert copy.file.name.endswith(".public.png")
    rows = list(Redaction.objects.filter(evidence=evidence))
    kinds = {r.kind: r for r in rows}
    assert {"mobile", "name"} <= set(kinds)
    assert kinds["mobile"].original == PHONE and kinds["name"].original == NAME
    assert all(r.automatic and r.rule.startswith("auto:ocr:") and r.box for r in rows)
    assert all(r.complaint_id == complaint.pk and r.field == "image" for r in rows)


def test_public_view_serves_the_copy_private_viewers_the_original(
    file_with_image: Callable[[bytes], tuple[Complaint, Evidence]],
    consumer: User,
    merchant: User,
    moderator: User,
) -> None:
    png, glyphs = render(LINES)
    complaint, evidence = file_with_image(png)
    url = _url(complaint, evidence)
    # before the worker ran: the public gets a "processing" 404, never the original
    before = Client().get(url)
    assert before.status_code == 404
    assert "处理中" in before.content.decode()
    api = Client().get(f"/api/v1{url}")
    assert api.status_code == 404
    ocr.redact_evidence(evidence.pk)
    public = Client().get(url)
    assert public.status_code == 200
    served = _body(public)
    assert served != stored(png)
    assert _dark_share(_open(served), glyphs[PHONE]) == 1.0
    for user in (consumer, merchant, moderator):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert _body(response) == stored(png), user.role


def test_image_without_pii_gets_an_identical_copy(
    file_with_image: Callable[[bytes], tuple[Complaint, Evidence]],
) -> None:
    png, _ = render([((20, 60), "商品质量有问题"), ((20, 150), "客服一直不回复")])
    complaint, evidence = file_with_image(png)
    copy = ocr.redact_evidence(evidence.pk)
    assert copy is not None and copy.state == CopyState.DONE
    assert not Redaction.objects.filter(evidence=evidence).exists()
    with evidence.file.open("rb") as fh:
        original = fh.read()
    with copy.file.open("rb") as fh:
        assert _open(fh.read()).tobytes() == _open(original).tobytes()
    assert Client().get(_url(complaint, evidence)).status_code == 200


def test_tesseract_missing_keeps_the_image_private(
    file_with_image: Callable[[bytes], tuple[Complaint, Evidence]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    consumer: User,
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    png, _ = render(LINES)
    complaint, evidence = file_with_image(png)
    copy = ocr.redact_evidence(evidence.pk)
    assert copy is not None and copy.state == CopyState.UNAVAILABLE
    assert not copy.file
    assert "OCR unavailable" in caplog.text
    assert Client().get(_url(complaint, evidence)).status_code == 404
    owner = Client()
    owner.force_login(consumer)
    assert _body(owner.get(_url(complaint, evidence))) == stored(png)


def test_staff_revert_redraws_the_copy(
    file_with_image: Callable[[bytes], tuple[Complaint, Evidence]], moderator: User
) -> None:
    png, glyphs = render(LINES)
    complaint, evidence = file_with_image(png)
    ocr.redact_evidence(evidence.pk)
    name_row = Redaction.objects.get(evidence=evidence, kind="name")
    privacy_services.redaction_revert(
        complaint_id=complaint.pk, redaction_id=name_row.pk, actor=moderator
    )
    name_row.refresh_from_db()
    assert name_row.reverted_by == moderator
    public = _open(_body(Client().get(_url(complaint, evidence))))
    assert _dark_share(public, glyphs[NAME]) < 0.5  # shown again
    assert _dark_share(public, glyphs[PHONE]) == 1.0  # still hidden
    # the text of the complaint was not touched by the image rows
    complaint.refresh_from_db()
    assert complaint.public_details == complaint.details


def test_submission_enqueues_ocr_on_commit(
    consumer: User,
    company: Company,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    from django_tasks_db.models import DBTaskResult

    png, _ = render(LINES)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title="快递丢件",
                details="快递丢了，商家拒绝退款，截图见附件。",
                company_id=company.pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
                amount="99",
            ),
            files=[prepare_file(png, "a.png")],
        )
    evidence = Evidence.objects.get()
    task = DBTaskResult.objects.get(task_path="tousu.privacy.tasks.redact_evidence")
    assert task.args_kwargs["args"] == [evidence.pk]
    assert not EvidenceCopy.objects.exists()  # nothing ran in the request


# --- the real-text screenshot evaluation (scripts/ocr_eval.py --real) renders and scores ----


@pytest.fixture(scope="module")
def ocr_eval() -> Iterator[Any]:
    """scripts/ocr_eval.py as a module (its import-time environment defaults are undone)."""
    path = Path(__file__).resolve().parents[2] / "scripts" / "ocr_eval.py"
    spec = importlib.util.spec_from_file_location("ocr_eval", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    saved = dict(os.environ)
    sys.modules["ocr_eval"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    yield module
    del sys.modules["ocr_eval"]


# made-up text in the shape of a labelled snippet (the real texts are never in the repository)
TEXT = "客服让我等，我叫王小明，手机号13812345678，地址文三路259号5幢802室，联系电话0571-87654321。"


def _span(text: str, value: str, kind: str) -> tuple[int, int, str, bool]:
    start = TEXT.find(value)
    return start, start + len(value), kind, False


def _snippet(ocr_eval: Any, kinds: tuple[str, ...] | None = None) -> Any:
    spans = [
        _span(TEXT, "王小明", "name"),
        _span(TEXT, "13812345678", "mobile"),
        _span(TEXT, "文三路259号5幢802室", "address"),
        ocr_eval.scope(TEXT, *_span(TEXT, "0571-87654321", "landline")),
    ]
    return ocr_eval.Snippet(TEXT, spans, kinds, "test")


def test_real_text_windows_cut_at_sentence_marks_and_keep_spans(ocr_eval: Any) -> None:
    text = (
        "没有个人信息。" * 5
        + "客服让我等，我叫王小明，电话一直打不通也没人回复。"
        + "后面一句不相干的话，" * 4
    )
    start = text.find("王小明")
    (window,) = ocr_eval.windows(text, [(start, start + 3, "name", False)])
    at = text.find(window.text)
    assert text[at - 1] == "。" and window.text.endswith("没人回复。")  # cut at sentence marks
    s, e, kind, _out = window.spans[0]
    assert window.text[s:e] == "王小明" and kind == "name"
    # a landline's area code stays public (the detectors' scope): the item is the local number
    s, e, *_ = _snippet(ocr_eval).spans[3]
    assert TEXT[s:e] == "87654321"


def test_real_text_rendering_maps_spans_to_glyphs_and_scores_boxes(ocr_eval: Any) -> None:
    shot = ocr_eval.real_chat([_snippet(ocr_eval)], random.Random(1))
    assert len(shot.text) == len(shot.char_boxes)
    assert [i.text for i in shot.items] == [
        "王小明",
        "13812345678",
        "文三路259号5幢802室",
        "87654321",
    ]
    assert len(shot.items[2].parts) == 2  # the bubble wraps the address over two lines
    grey = shot.image.convert("L")
    for item in shot.items:
        for x0, y0, x1, y1 in item.parts:  # every part of an item is drawn text
            assert min(grey.crop((x0, y0, x1, y1)).tobytes()) < 80
    # the pipeline on the exact rendered text (no OCR) covers the mobile; a box on the header
    # is false; a box on an unlabelled kind in a set that labels only some kinds is unscored
    boxes = ocr.spans_to_boxes(shot.text, shot.char_boxes, shot.image.size)
    scored = ocr_eval.score_boxes(shot, boxes)
    assert scored["hits"][1] and scored["false"] == []
    header = ocr.Box("mobile", "x", 40, 30, 100, 40)  # on the status bar's clock
    assert ocr_eval.score_boxes(shot, [header])["false"] == [header]
    contacts = ocr_eval.real_page([_snippet(ocr_eval, ("mobile",))], random.Random(1))
    assert contacts.items[1].text == "13812345678"
    x0, y0, x1, y1 = contacts.regions[0][0][0]
    stray = ocr.Box("name", "客服", x0, y0, 40, y1 - y0)  # on the snippet, on no item
    assert ocr_eval.score_boxes(contacts, [stray])["unscored"] == 1
    assert ocr_eval.score_boxes(contacts, [])["hits"] == [False] * 4


def test_real_text_chat_screenshot_through_ocr(ocr_eval: Any) -> None:
    shot = ocr_eval.degrade_real(
        ocr_eval.real_page([_snippet(ocr_eval)], random.Random(1)), 720, None
    )
    boxes, text = ocr.find_boxes(shot.image)
    scored = ocr_eval.score_boxes(shot, boxes)
    by_kind = dict(zip([i.kind for i in shot.items], scored["hits"], strict=True))
    assert by_kind["mobile"] and by_kind["landline"], text
