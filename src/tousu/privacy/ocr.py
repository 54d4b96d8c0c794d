"""Personal data in images: OCR with Debian's Tesseract, the text detectors, black boxes.

``find_boxes(image)`` runs Tesseract (``chi_sim+eng``, ``image_to_data`` for word boxes),
rebuilds each line's text with a character → box map, runs ``detectors.detect`` on the whole
page (lines joined by newlines, so a name on the line after 收件人 is still found) and returns
one padded pixel rectangle per detected span and line. ``redact_evidence`` makes the public
copy of an evidence image (stored next to the private original, which is never touched) and
records each box as a ``Redaction`` row. It runs in the worker (``tasks.redact_evidence``).

A PDF is rendered page by page with PDFium (``pypdfium2``, 150 dpi), each page OCRed and
blacked out like an image, and the public copy is a new PDF made of the page images only: no
text layer, metadata, annotations, attachments or scripts of the upload survive in it, even
when nothing was found. A box on a PDF is ``[x, y, w, h, page]``.

If Tesseract is missing or fails, the copy is marked ``unavailable`` and the image stays
private: the original is never the fallback.
"""

from __future__ import annotations

import io
import logging
import re
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageOps

from . import detectors
from .models import REDACTABLE_KINDS, CopyState, EvidenceCopy, Field, Redaction

logger = logging.getLogger(__name__)

LANG = "chi_sim+eng"
PAD = 4  # pixels around every box (at the image's own resolution)
MIN_WIDTH = 1000  # smaller images are upscaled before OCR (phone screenshots saved small)
IMAGE_MASK = "■"
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF_DPI = 150
MAX_PDF_PAGES = 30  # more pages: the copy is "unavailable" and the PDF stays private
MAX_PAGE_PIXELS = 40_000_000  # a huge page is rendered at a lower resolution


OCR_COLONS = str.maketrans({";": "：", "；": "：", "|": "：", "¦": "："})
# grey → Otsu black/white before OCR: measured worse on the screenshot set (recall 0.917 against
# 0.938 without, docs/privacy.md), so off; kept for scans, where it may help (not measured)
BINARISE = False


class UnreadableFile(Exception):
    """A PDF PDFium cannot open (damaged, encrypted) or with too many pages."""


class OcrUnavailable(Exception):
    """Tesseract is not installed (or its language data is missing) or failed on the image."""


@dataclass(frozen=True)
class Box:
    kind: str
    text: str
    x: int
    y: int
    w: int
    h: int

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


Rect = tuple[int, int, int, int]  # x0, y0, x1, y1


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _char_width(ch: str) -> float:
    """A character's advance in em: CJK and full-width forms are square, Latin letters, digits
    and ASCII punctuation about half as wide (Noto Sans CJK, the fonts phones use)."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


# a one-character non-CJK "word" more than this many times the page's median word height is an
# icon, not text (a chat avatar read as `a`, glued to the bubble's line: `订单a号:4491950`)
ICON_HEIGHT = 2.0


def page_text(data: dict[str, list[object]], scale: float = 1.0) -> tuple[str, list[Rect | None]]:
    """The page text from ``image_to_data`` output, and for every character its box (``None``
    for the newlines between lines and the spaces between Latin words). A word's box ends where
    the next word on its line begins and is shared among its characters by their width (a digit
    run inside a CJK word is narrow); icons read as a letter are left out."""
    lines: dict[tuple[int, int, int], list[tuple[str, Rect]]] = {}
    words = [
        i
        for i, raw in enumerate(data["text"])
        if str(raw).strip() and int(str(data["level"][i])) == 5
    ]
    heights = sorted(int(str(data["height"][i])) for i in words)
    median = heights[len(heights) // 2] if heights else 0
    for i in words:
        word = str(data["text"][i]).strip()
        key = (
            int(str(data["block_num"][i])),
            int(str(data["par_num"][i])),
            int(str(data["line_num"][i])),
        )
        x, y = int(str(data["left"][i])), int(str(data["top"][i]))
        w, h = int(str(data["width"][i])), int(str(data["height"][i]))
        if len(word) == 1 and _char_width(word) < 1 and h > ICON_HEIGHT * median:
            continue
        lines.setdefault(key, []).append((word, (x, y, x + w, y + h)))
    text: list[str] = []
    boxes: list[Rect | None] = []
    for n, key in enumerate(sorted(lines)):
        if n:
            text.append("\n")
            boxes.append(None)
        prev = ""
        words_on_line = lines[key]
        for n_word, (word, (x0, y0, x1, y1)) in enumerate(words_on_line):
            # Tesseract sometimes stretches a word over the words after it (`0594-2817777,`
            # 657 px wide, over the next six characters): a word ends where the next begins
            if n_word + 1 < len(words_on_line):
                next_x0 = words_on_line[n_word + 1][1][0]
                if x0 < next_x0 < x1:
                    x1 = next_x0
            if prev and _is_ascii_word(prev) and _is_ascii_word(word[0]):
                text.append(" ")
                boxes.append(None)
            widths = [_char_width(ch) for ch in word]
            unit = (x1 - x0) / sum(widths)
            left = float(x0)
            for ch, em in zip(word, widths, strict=True):
                text.append(ch)
                boxes.append(
                    (
                        int(left / scale),
                        int(y0 / scale),
                        int((left + em * unit) / scale + 0.999),
                        int(y1 / scale + 0.999),
                    )
                )
                left += em * unit
            prev = word[-1]
    return "".join(text), boxes


# Screenshot layouts the text rules do not cover (tousu.privacy.detectors reads prose):
# - whatever follows a name marker and its colon is the name, even when OCR misread it
#   (`联系人:FSR`: Tesseract's English model took the characters for Latin letters);
_MARKER_TOKEN = re.compile(
    r"(?:收件人|收货人|联系人|寄件人|姓名|持卡人|户名)[:：]\s*([^\s:：\d]{1,4})"
)
# - a name right before a mobile number on an order page (`王建华 150 6966 7962`, its
#   收件人 marker misread as `WEA:`);
_NAME_BEFORE_MOBILE = re.compile(
    r"(?:^|(?<=[\s:：]))([\u4e00-\u9fff]{2,3}) ?(?=1[3-9]\d(?:[ -]?\d){8}(?![\d]))", re.M
)
# - an address line ends with its house number: a street found on a line takes the rest of
#   that line when it is short and has a digit (`文三路259号` + `5峡802室`, 幢 misread).
_LINE_TAIL = 12


def layout_spans(
    text: str, found: dict[tuple[int, int], detectors.Span]
) -> list[tuple[int, int, str]]:
    """Extra (start, end, kind) spans of ``text`` for screenshot layouts, not overlapping
    what the detectors found (an address may grow to the end of its line)."""

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in found)

    out: list[tuple[int, int, str]] = []
    for m in _MARKER_TOKEN.finditer(text):
        if free(m.start(1), m.end(1)):
            out.append((m.start(1), m.end(1), detectors.NAME))
    for m in _NAME_BEFORE_MOBILE.finditer(text):
        name = m.group(1)
        if (name[0] in detectors._SURNAMES or name[:2] in detectors._COMPOUND_SURNAMES) and free(
            m.start(1), m.end(1)
        ):
            out.append((m.start(1), m.end(1), detectors.NAME))
    for (start, end), span in list(found.items()):
        if span.kind != detectors.ADDRESS:
            continue
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        tail = text[end:line_end]
        if tail and len(tail) <= _LINE_TAIL and any(c.isdigit() for c in tail):
            del found[(start, end)]
            found[(start, line_end)] = detectors.Span(
                start, line_end, span.kind, text[start:line_end], span.mask
            )
    return out


def spans_to_boxes(
    text: str, char_boxes: Sequence[Rect | None], size: tuple[int, int], pad: int = PAD
) -> list[Box]:
    """Detect personal data in ``text`` and turn each span into one box per line it covers."""
    width, height = size
    out: list[Box] = []
    # Tesseract reads the colon after 联系人/收件人 as ";" or "|": detect on a copy with those
    # read as colons (one character for one, so offsets and boxes stay aligned)
    text = text.translate(OCR_COLONS)
    # a second pass over the lines joined without breaks finds what a layout wrapped (an
    # address continued on the next line of a chat bubble); spans map back to the page text
    joined_at = [i for i, ch in enumerate(text) if ch != "\n"]
    joined = "".join(text[i] for i in joined_at)
    found: dict[tuple[int, int], detectors.Span] = {}
    for span in detectors.detect(text):
        found[(span.start, span.end)] = span
    for span in detectors.detect(joined):
        start, end = joined_at[span.start], joined_at[span.end - 1] + 1
        overlapping = [(s, e) for s, e in found if s < end and start < e]
        extra = sum(
            1
            for i in range(start, end)
            if text[i] != "\n" and not any(s <= i < e for s, e in overlapping)
        )
        # a new item, or one the line pass found only in part (≥ 3 more characters: not an
        # avatar read as a letter next to a number)
        if not overlapping or extra >= 3:
            found[(start, end)] = span
    for start, end, kind in layout_spans(text, found):
        found[(start, end)] = detectors.Span(start, end, kind, text[start:end], IMAGE_MASK)
    for (start, end), span in sorted(found.items()):
        current: list[Rect] = []
        groups: list[list[Rect]] = []
        for i in range(start, end):
            if text[i] == "\n":
                if current:
                    groups.append(current)
                current = []
                continue
            rect = char_boxes[i]
            if rect is not None:
                current.append(rect)
        if current:
            groups.append(current)
        for group in groups:
            x0 = max(0, min(r[0] for r in group) - pad)
            y0 = max(0, min(r[1] for r in group) - pad)
            x1 = min(width, max(r[2] for r in group) + pad)
            y1 = min(height, max(r[3] for r in group) + pad)
            out.append(Box(span.kind, span.original, x0, y0, x1 - x0, y1 - y0))
    return out


def ocr_data(image: Image.Image) -> tuple[dict[str, list[object]], float]:
    """Tesseract's word boxes for ``image`` (grey, upscaled when small) and the scale used."""
    import pytesseract

    grey = ImageOps.grayscale(image.convert("RGB"))
    scale = 1.0
    if grey.width < MIN_WIDTH:
        scale = MIN_WIDTH / grey.width
        grey = grey.resize((MIN_WIDTH, round(grey.height * scale)), Image.Resampling.LANCZOS)
    if BINARISE:
        grey = binarise(grey)
    try:
        data = pytesseract.image_to_data(
            grey, lang=LANG, config="--psm 3", output_type=pytesseract.Output.DICT
        )
    except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError, OSError) as exc:
        raise OcrUnavailable(str(exc)[:200]) from exc
    return data, scale


def otsu_threshold(histogram: Sequence[int]) -> int:
    """The grey level that best splits a 256-bin histogram into two classes (Otsu, 1979)."""
    total = sum(histogram)
    weighted = sum(i * h for i, h in enumerate(histogram))
    below = below_sum = 0.0
    best, threshold = -1.0, 127
    for level, count in enumerate(histogram):
        below += count
        if not below:
            continue
        above = total - below
        if not above:
            break
        below_sum += level * count
        mean_below, mean_above = below_sum / below, (weighted - below_sum) / above
        between = below * above * (mean_below - mean_above) ** 2
        if between > best:
            best, threshold = between, level
    return threshold


def binarise(grey: Image.Image) -> Image.Image:
    """Black text on white: autocontrast, then Otsu's threshold (text on coloured bubbles and
    grey cards, and JPEG ringing, otherwise reach Tesseract as shades of grey)."""
    grey = ImageOps.autocontrast(grey)
    threshold = otsu_threshold(grey.histogram())
    return grey.point(lambda v: 255 if v > threshold else 0)


def find_boxes(image: Image.Image) -> tuple[list[Box], str]:
    """The boxes of personal data in ``image`` and the text OCR read."""
    data, scale = ocr_data(image)
    text, char_boxes = page_text(data, scale)
    return spans_to_boxes(text, char_boxes, image.size), text


def black_out(image: Image.Image, rects: Iterable[Sequence[int]]) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    fill: int | tuple[int, ...] = 0
    if out.mode in ("RGB", "RGBA", "P", "LA"):
        out = out.convert("RGBA" if out.mode in ("RGBA", "LA", "P") else "RGB")
        draw = ImageDraw.Draw(out)
        fill = (0, 0, 0, 255) if out.mode == "RGBA" else (0, 0, 0)
    for x, y, w, h, *_page in rects:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=fill)
    return out


def _encode(image: Image.Image, content_type: str) -> bytes:
    buf = io.BytesIO()
    fmt = PIL_FORMATS.get(content_type, "PNG")
    if fmt == "JPEG":
        image.convert("RGB").save(buf, "JPEG", quality=88)
    elif fmt == "WEBP":
        image.save(buf, "WEBP", quality=88)
    else:
        image.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def pdf_pages(data: bytes) -> list[Image.Image]:
    """Every page of a PDF as an RGB image at ``PDF_DPI`` (lower for a huge page)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"PDFium cannot open the PDF: {exc}"[:200]) from exc
    try:
        if len(pdf) > MAX_PDF_PAGES:
            raise UnreadableFile(f"{len(pdf)} pages (at most {MAX_PDF_PAGES} are redacted)")
        pages = []
        for i in range(len(pdf)):
            page = pdf[i]
            width, height = page.get_size()  # points (1/72 inch)
            scale = min(PDF_DPI / 72, (MAX_PAGE_PIXELS / max(1.0, width * height)) ** 0.5)
            pages.append(page.render(scale=scale).to_pil().convert("RGB"))
            page.close()
        return pages
    except pdfium.PdfiumError as exc:
        raise UnreadableFile(f"PDFium cannot render the PDF: {exc}"[:200]) from exc
    finally:
        pdf.close()


def pdf_bytes(pages: Sequence[Image.Image]) -> bytes:
    """A PDF made of the page images only."""
    buf = io.BytesIO()
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(buf, "PDF", save_all=True, append_images=rest, resolution=PDF_DPI)
    return buf.getvalue()


def _copy_for(evidence_id: int) -> EvidenceCopy:
    copy, _created = EvidenceCopy.objects.get_or_create(evidence_id=evidence_id)
    return copy


def active_boxes(evidence_id: int) -> list[list[int]]:
    return [
        list(r.box)
        for r in Redaction.objects.filter(
            evidence_id=evidence_id, reverted_at__isnull=True, superseded_at__isnull=True
        )
        if r.box
    ]


def write_copy(copy: EvidenceCopy) -> None:
    """(Re)draw the public copy from the active box redactions. No boxes: a byte-for-byte copy
    of the original."""
    evidence = copy.evidence
    with evidence.file.open("rb") as fh:
        original = fh.read()
    rects = active_boxes(evidence.pk)
    if evidence.kind == "pdf":
        pages = pdf_pages(original)
        content = pdf_bytes(
            [
                black_out(page, [r for r in rects if (r[4] if len(r) > 4 else 0) == n])
                for n, page in enumerate(pages)
            ]
        )
    elif rects:
        with Image.open(io.BytesIO(original)) as img:
            img.load()
            content = _encode(black_out(img, rects), evidence.content_type)
    else:
        content = original
    old = copy.file.name if copy.file else ""
    if old:
        copy.file.storage.delete(old)
    copy.file.save("public", ContentFile(content), save=False)
    copy.state = CopyState.DONE
    copy.error = ""
    copy.updated_at = timezone.now()
    copy.save()


def redact_evidence(evidence_id: int) -> EvidenceCopy | None:
    """OCR an image or PDF evidence file, record its boxes, write the public copy. Idempotent:
    a file already processed is left alone (its copy may carry staff reverts)."""
    from tousu.complaints.models import Evidence

    evidence = Evidence.objects.filter(pk=evidence_id).select_related("complaint").first()
    if evidence is None or evidence.kind not in REDACTABLE_KINDS:
        return None
    copy = _copy_for(evidence.pk)
    if copy.state == CopyState.DONE:
        return copy
    started = time.perf_counter()
    found: list[tuple[int, Box]] = []
    texts: list[str] = []
    try:
        with evidence.file.open("rb") as fh:
            data = fh.read()
        if evidence.kind == "pdf":
            pages = pdf_pages(data)
        else:
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                pages = [img.copy()]
        for n, page in enumerate(pages):
            page_boxes, page_text = find_boxes(page)
            found += [(n, b) for b in page_boxes]
            texts.append(page_text)
    except OcrUnavailable as exc:
        logger.warning(
            "OCR unavailable for evidence %s (kept private, no public copy): %s", evidence.pk, exc
        )
        copy.state, copy.error, copy.updated_at = (
            CopyState.UNAVAILABLE,
            str(exc)[:200],
            timezone.now(),
        )
        copy.save(update_fields=["state", "error", "updated_at"])
        return copy
    except (OSError, Image.DecompressionBombError, UnreadableFile) as exc:
        logger.warning("evidence %s cannot be read for redaction: %s", evidence.pk, exc)
        copy.state, copy.error, copy.updated_at = (
            CopyState.UNAVAILABLE,
            str(exc)[:200],
            timezone.now(),
        )
        copy.save(update_fields=["state", "error", "updated_at"])
        return copy
    elapsed = round((time.perf_counter() - started) * 1000)
    now = timezone.now()
    with transaction.atomic():
        Redaction.objects.bulk_create(
            [
                Redaction(
                    complaint_id=evidence.complaint_id,
                    evidence=evidence,
                    field=Field.IMAGE,
                    start=0,
                    end=0,
                    box=b.as_list() + ([n] if evidence.kind == "pdf" else []),
                    kind=b.kind,
                    rule=f"auto:ocr:{b.kind}",
                    original=b.text,
                    mask=IMAGE_MASK,
                    automatic=True,
                    created_at=now,
                )
                for n, b in found
            ]
        )
        copy.ocr_text = "\f".join(texts)
        copy.ocr_ms = elapsed
        write_copy(copy)
    return copy
