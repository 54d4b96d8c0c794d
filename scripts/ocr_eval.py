"""Evaluate screenshot redaction (``tousu.privacy.ocr``) on phone screenshots rendered here.

Renders chat screenshots (bubbles) and order pages with Noto Sans CJK, with mobile numbers,
ID-card numbers (valid GB 11643 check digit), names after 收件人/联系人, street addresses and
order numbers, at phone resolution (1080 and 720 wide, PNG) and degraded (540 wide, JPEG q=45).
Runs the OCR pipeline on each and reports, per kind, recall (an item counts as found when the
union of the boxes covers ≥ 80 % of its rendered glyph box), false boxes (a box that touches no
personal-data item) and OCR time per screenshot.

    TOUSU_LOCAL=1 .venv/bin/python scripts/ocr_eval.py [--n 24] [--json out.json]

``--real`` renders the screenshots from REAL labelled text instead: windows of the labelled texts
of ``bench/labels/privacy_fresh3.jsonl`` and ``privacy_contacts.jsonl`` (read from
../shared/data at run time; the labels hold offsets only), laid out as chat bubbles and
complaint-page cards, at the same three variants. The ground truth is the labelled spans, each
mapped to the glyph boxes of its characters on every line it was wrapped onto. Besides the OCR
figure it reports, on the same spans, the text detectors on the snippet text (no image) and the
whole screenshot pipeline on the exact rendered text (``spans_to_boxes`` without OCR), so OCR
loss, layout loss and detector misses are separable (docs/privacy.md, "Real text").

    TOUSU_LOCAL=1 .venv/bin/python scripts/ocr_eval.py --real [--pages 20] \
        [--json var/ocr_real.json] [--detail var/ocr_real_detail.json] [--save var/ocr_real]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
os.environ.setdefault("TOUSU_LOCAL", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import django

django.setup()

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from tousu.privacy import ocr  # noqa: E402

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "桂兰",
    "建华",
]
PLACES = [
    ("广东省深圳市南山区", "科技园路", "88号3栋1202室"),
    ("浙江省杭州市西湖区", "文三路", "259号5幢802室"),
    ("北京市朝阳区", "建国路", "93号院6号楼1单元501"),
    ("四川省成都市武侯区", "人民南路四段", "12号2栋3单元1104"),
    ("江苏省南京市鼓楼区", "中山北路", "30号15楼1503室"),
]
AREAS = ["110101", "310104", "440305", "330106", "510107", "320106"]
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random) -> str:
    body = (
        rng.choice(AREAS)
        + f"{rng.randint(1960, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


def mobile(rng: random.Random) -> str:
    # no 17x: the text detectors read 11 digits starting 17 without a phone word as a 黑猫
    # complaint number (docs/privacy.md)
    return rng.choice(["138", "139", "150", "186", "135", "158", "199"]) + "".join(
        rng.choice("0123456789") for _ in range(8)
    )


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


@dataclass
class Item:
    kind: str
    text: str
    box: tuple[int, int, int, int] = (0, 0, 0, 0)


@dataclass
class Shot:
    image: Image.Image
    items: list[Item] = field(default_factory=list)
    label: str = ""


class Canvas:
    """A phone screen at 1080 px wide; text lines with the glyph boxes of chosen substrings."""

    def __init__(self, height: int = 2340) -> None:
        self.img = Image.new("RGB", (1080, height), (237, 237, 237))
        self.draw = ImageDraw.Draw(self.img)
        self.font = ImageFont.truetype(FONT, 42)
        self.small = ImageFont.truetype(FONT, 34)
        self.items: list[Item] = []

    def status_bar(self, title: str) -> None:
        self.draw.rectangle((0, 0, 1080, 200), fill=(250, 250, 250))
        self.draw.text((40, 30), "9:41", font=self.small, fill="black")
        self.draw.text((900, 30), "5G 87%", font=self.small, fill="black")
        self.draw.text((540 - len(title) * 24, 110), title, font=self.font, fill="black")

    def text(self, x: int, y: int, line: str, secrets: list[Item], fill: str = "black") -> int:
        self.draw.text((x, y), line, font=self.font, fill=fill)
        for item in secrets:
            at = line.find(item.text)
            if at < 0:
                continue
            left = x + self.draw.textlength(line[:at], font=self.font)
            x0, y0, x1, y1 = self.draw.textbbox((left, y), item.text, font=self.font)
            item.box = (int(x0), int(y0), int(x1), int(y1))
            self.items.append(item)
        return y + 62

    def bubble(self, y: int, lines: list[str], secrets: list[Item], mine: bool) -> int:
        width = max(int(self.draw.textlength(s, font=self.font)) for s in lines) + 60
        height = 62 * len(lines) + 40
        x = 1080 - 150 - width if mine else 150
        colour = (149, 236, 105) if mine else (255, 255, 255)
        self.draw.rounded_rectangle((x, y, x + width, y + height), radius=18, fill=colour)
        avatar = 1080 - 130 if mine else 30
        self.draw.rounded_rectangle(
            (avatar, y, avatar + 100, y + 100), radius=12, fill=(90, 140, 200)
        )
        ty = y + 20
        for line in lines:
            ty = self.text(x + 30, ty, line, secrets)
        return y + height + 50


def chat(rng: random.Random) -> Shot:
    c = Canvas()
    c.status_bar("在线客服")
    phone, person, idn = mobile(rng), name(rng), id_number(rng)
    region, road, number = rng.choice(PLACES)
    address = f"{region}{road}{number}"
    order = "".join(rng.choice("0123456789") for _ in range(18))
    y = 260
    y = c.bubble(y, ["您好，请问有什么可以帮您？"], [], mine=False)
    y = c.bubble(
        y,
        ["我买的手机一直没发货，要求退款", f"订单号{order}"],
        [Item("order_number", order)],
        mine=True,
    )
    y = c.bubble(y, ["请提供下单人的联系方式"], [], mine=False)
    y = c.bubble(
        y,
        [f"联系人：{person}", f"手机号{phone}"],
        [Item("name", person), Item("mobile", phone)],
        mine=True,
    )
    y = c.bubble(y, ["为核实身份，请提供身份证号"], [], mine=False)
    y = c.bubble(y, [f"身份证号{idn}"], [Item("id_card", idn)], mine=True)
    y = c.bubble(y, ["请问收货地址是？"], [], mine=False)
    # a long address wraps in a bubble: the item is each rendered part
    split = len(region) + len(road)
    c.bubble(
        y,
        [f"地址：{address[:split]}", address[split:]],
        [Item("address", road), Item("address", number)],
        mine=True,
    )
    return Shot(c.img, c.items, "chat")


def order_page(rng: random.Random) -> Shot:
    c = Canvas()
    c.status_bar("订单详情")
    phone, person = mobile(rng), name(rng)
    region, road, number = rng.choice(PLACES)
    order = "".join(rng.choice("0123456789") for _ in range(19))
    c.draw.rounded_rectangle((30, 240, 1050, 760), radius=20, fill="white")
    y = c.text(70, 280, "等待卖家发货", [], fill="#e4393c")
    y = c.text(
        70,
        y + 20,
        f"收件人：{person}  {phone[:3]} {phone[3:7]} {phone[7:]}",
        [Item("name", person)],
    )
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    c.items.append(_locate(c, 70, y - 62, f"收件人：{person}  {spaced}", Item("mobile", spaced)))
    y = c.text(70, y + 10, f"{region}", [])
    c.text(70, y + 10, f"{road}{number}", [Item("address", f"{road}{number}")])
    c.draw.rounded_rectangle((30, 800, 1050, 1300), radius=20, fill="white")
    y = c.text(70, 840, "Apple iPhone 15 128GB 黑色", [])
    y = c.text(70, y + 10, "实付款 ¥5999.00", [])
    y = c.text(70, y + 10, f"订单编号：{order}", [Item("order_number", order)])
    c.text(70, y + 10, "下单时间：2024-03-18 21:04:33", [])
    c.draw.rounded_rectangle((30, 1340, 1050, 1560), radius=20, fill="white")
    c.text(70, 1380, "客服热线 400-820-8820", [])
    return Shot(c.img, c.items, "order")


def _locate(c: Canvas, x: int, y: int, line: str, item: Item) -> Item:
    at = line.find(item.text)
    left = x + c.draw.textlength(line[:at], font=c.font)
    x0, y0, x1, y1 = c.draw.textbbox((left, y), item.text, font=c.font)
    item.box = (int(x0), int(y0), int(x1), int(y1))
    return item


def _resized(image: Image.Image, width: int, jpeg: int | None) -> tuple[Image.Image, float, str]:
    """The screenshot at ``width`` (and through JPEG at quality ``jpeg``), the scale factor and
    the variant's label suffix."""
    scale = width / image.width
    img = image.resize((width, round(image.height * scale)), Image.Resampling.LANCZOS)
    if jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=jpeg)
        img = Image.open(io.BytesIO(buf.getvalue()))
        img.load()
    return img, scale, f"@{width}" + (f"/jpeg{jpeg}" if jpeg else "/png")


def degrade(shot: Shot, width: int, jpeg: int | None) -> Shot:
    img, scale, suffix = _resized(shot.image, width, jpeg)
    items = [
        Item(i.kind, i.text, tuple(round(v * scale) for v in i.box))  # type: ignore[arg-type]
        for i in shot.items
    ]
    return Shot(img, items, shot.label + suffix)


def coverage(box: tuple[int, int, int, int], rects: list[list[int]]) -> float:
    x0, y0, x1, y1 = box
    area = max(1, (x1 - x0) * (y1 - y0))
    covered = 0
    for y in range(y0, y1):
        spans = sorted(
            (max(x0, rx), min(x1, rx + rw))
            for rx, ry, rw, rh in rects
            if ry <= y < ry + rh and rx < x1 and rx + rw > x0
        )
        end = x0
        for a, b in spans:
            a = max(a, end)
            if b > a:
                covered += b - a
                end = b
    return covered / area


def touches(rect: list[int], box: tuple[int, int, int, int]) -> bool:
    rx, ry, rw, rh = rect
    return rx < box[2] and rx + rw > box[0] and ry < box[3] and ry + rh > box[1]


# --- screenshots rendered from real labelled text (--real) ------------------------------------

Rect = tuple[int, int, int, int]
ROOT = Path(__file__).resolve().parents[1]
# the sets the screenshots are drawn from; the OCR layout rules (ocr.layout_spans, the colon
# reading, the joined-lines pass) were written from the generated screenshots above and have
# never seen these texts. ``None``: every kind is labelled; a tuple: only those kinds are
REAL_SETS: dict[str, tuple[str, ...] | None] = {
    "privacy_fresh3.jsonl": None,
    "privacy_contacts.jsonl": ("mobile", "landline", "email", "qq", "order_number"),
}
REAL_SEED = 20261203
WINDOW = 24  # characters of context on each side of a group of labelled spans
GAP = 40  # spans closer than this share one window
SERVICE = [
    "您好，请问有什么可以帮您？",
    "好的，请您详细描述一下情况",
    "请稍等，正在为您核实",
    "已为您登记，会尽快处理",
    "收到，已反馈给相关部门",
    "还有其他需要补充的吗？",
]
CARD_LABELS = ["投诉内容", "补充说明", "处理进展", "留言"]
BUBBLE_TEXT = 720  # text width inside a chat bubble (1080 px screen)
CARD_TEXT = 940  # text width inside a page card
BOTTOM = 2300
NO_LINE_START = "，。：；！？、）》”,.:;!?)"


@dataclass
class Snippet:
    """A window of a real labelled text: its spans as (start, end, kind, out of scope)."""

    text: str
    spans: list[tuple[int, int, str, bool]]
    kinds: tuple[str, ...] | None = None
    source: str = ""


@dataclass
class RealItem:
    kind: str
    text: str
    parts: list[Rect]  # one glyph box per rendered line the span is on
    out: bool = False
    snippet: int = -1


@dataclass
class RealShot:
    image: Image.Image
    items: list[RealItem] = field(default_factory=list)
    # the area of each snippet on screen (one rect per line) and the kinds its set labels
    regions: list[tuple[list[Rect], tuple[str, ...] | None]] = field(default_factory=list)
    snippets: list[Snippet] = field(default_factory=list)
    text: str = ""  # the exact rendered text, lines joined by newlines
    char_boxes: list[Rect | None] = field(default_factory=list)
    label: str = ""


def windows(
    text: str,
    spans: list[tuple[int, int, str, bool]],
    kinds: tuple[str, ...] | None = None,
    source: str = "",
) -> list[Snippet]:
    """The labelled parts of ``text`` as snippets: spans closer than GAP share a window of WINDOW
    characters of context each side, cut at a sentence mark near its edge (never into a span)."""
    groups: list[list[tuple[int, int, str, bool]]] = []
    for span in sorted(spans):
        if groups and span[0] - max(s[1] for s in groups[-1]) <= GAP:
            groups[-1].append(span)
        else:
            groups.append([span])
    out: list[Snippet] = []
    for group in groups:
        first, last = min(s[0] for s in group), max(s[1] for s in group)
        start, end = max(0, first - WINDOW), min(len(text), last + WINDOW)
        # cut at the last sentence mark near either edge (never into a span)
        head = [i for i in range(start, min(start + 12, first)) if text[i] in "。！？；，"]
        if head:
            start = head[-1] + 1
        tail = [i for i in range(max(last, end - 12), end) if text[i] in "。！？；"]
        if tail:
            end = tail[0] + 1
        while start < first and text[start] == " ":
            start += 1
        while end > last and text[end - 1] == " ":
            end -= 1
        inside = [(s - start, e - start, k, o) for s, e, k, o in spans if s >= start and e <= end]
        out.append(Snippet(text[start:end], inside, kinds, source))
    return out


AREA_CODE = re.compile(r"[(（]?0\d{2,3}[)）]?[-—－ ]?(?=\d{7,8})")


def scope(text: str, start: int, end: int, kind: str, out: bool) -> tuple[int, int, str, bool]:
    """A labelled span as the item the image must hide, following the text detectors' scope
    (docs/privacy.md, "public shows"): a landline's area code stays public, so the item is the
    local number, as the street part is for an address."""
    if kind == "landline":
        m = AREA_CODE.match(text, start, end)
        if m:
            start = m.end()
    return start, end, kind, out


def load_real_snippets() -> list[Snippet]:
    """Every labelled window of the REAL_SETS, shuffled with a fixed seed (texts whose hash
    changed since labelling are skipped)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import privacy_fresh as fresh

    if not fresh.available():
        raise SystemExit(f"the real data is not at {fresh.DATA}")
    texts = fresh.texts_by_key()
    out: list[Snippet] = []
    for name, kinds in REAL_SETS.items():
        for line in (ROOT / "bench" / "labels" / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = texts.get((row["source"], row["record"]), "")
            if not row["spans"] or fresh.text_hash(text) != row["sha"]:
                continue
            spans = [scope(text, int(s[0]), int(s[1]), str(s[2]), len(s) > 3) for s in row["spans"]]
            out += windows(text, spans, kinds, f"{name}:{row['source']}:{row['record']}")
    random.Random(REAL_SEED).shuffle(out)
    return out


class Screen(Canvas):
    """A canvas that wraps text as a phone does and records what it drew."""

    def __init__(self) -> None:
        super().__init__()
        self.real: list[RealItem] = []
        self.regions: list[tuple[list[Rect], tuple[str, ...] | None]] = []
        self.snippets: list[Snippet] = []
        self.lines: list[tuple[str, list[Rect]]] = []

    def width_of(self, text: str) -> float:
        return self.draw.textlength(text, font=self.font)

    def wrap(self, text: str, width: int) -> list[tuple[int, int]]:
        """(start, end) of each line: as many characters as fit; a Latin word or digit run that
        fits on a line is not split (it moves to the next line whole); a comma or colon does
        not start a line."""
        lines: list[tuple[int, int]] = []
        start = 0
        while start < len(text):
            end = start + 1
            while end < len(text) and self.width_of(text[start : end + 1]) <= width:
                end += 1
            if (
                end < len(text)
                and ocr._is_ascii_word(text[end])
                and ocr._is_ascii_word(text[end - 1])
            ):
                run_start, run_end = end, end
                while run_start > start and ocr._is_ascii_word(text[run_start - 1]):
                    run_start -= 1
                while run_end < len(text) and ocr._is_ascii_word(text[run_end]):
                    run_end += 1
                if run_start > start and self.width_of(text[run_start:run_end]) <= width:
                    end = run_start
            if end < len(text) and text[end] in NO_LINE_START:  # hangs at the line end
                end += 1
            lines.append((start, end))
            start = end
        return lines

    def line(self, x: int, y: int, line: str, fill: str = "black") -> list[Rect]:
        """Draw one line; the box of each character."""
        self.draw.text((x, y), line, font=self.font, fill=fill)
        _l, top, _r, bottom = self.draw.textbbox((x, y), "国", font=self.font)
        boxes = []
        for k in range(len(line)):
            left = x + self.width_of(line[:k])
            right = x + self.width_of(line[: k + 1])
            boxes.append((int(left), int(top), int(right + 0.999), int(bottom)))
        self.lines.append((line, boxes))
        return boxes

    def paragraph(self, x: int, y: int, snippet: Snippet | None, text: str, width: int) -> int:
        """Draw ``text`` wrapped to ``width``; a snippet's spans become items."""
        index = len(self.snippets)
        if snippet is not None:
            self.snippets.append(snippet)
        parts: dict[int, list[Rect]] = {}
        area: list[Rect] = []
        for ls, le in self.wrap(text, width):
            boxes = self.line(x, y, text[ls:le])
            if boxes:
                area.append((boxes[0][0], boxes[0][1], boxes[-1][2], boxes[-1][3]))
            for n, (s, e, _k, _o) in enumerate(snippet.spans if snippet else []):
                a, b = max(s, ls), min(e, le)
                if a >= b or not text[a:b].strip():
                    continue
                x0, y0, x1, y1 = self.draw.textbbox(
                    (x + self.width_of(text[ls:a]), y), text[a:b], font=self.font
                )
                parts.setdefault(n, []).append((int(x0), int(y0), int(x1), int(y1)))
            y += 62
        if snippet is not None:
            self.regions.append((area, snippet.kinds))
            for n, (s, e, k, o) in enumerate(snippet.spans):
                if n in parts:
                    self.real.append(RealItem(k, text[s:e], parts[n], o, index))
        return y

    def bubble_height(self, text: str) -> int:
        return 62 * len(self.wrap(text, BUBBLE_TEXT)) + 40

    def real_bubble(self, y: int, snippet: Snippet | None, text: str, mine: bool) -> int:
        lines = self.wrap(text, BUBBLE_TEXT)
        width = max(int(self.width_of(text[s:e])) for s, e in lines) + 60
        height = 62 * len(lines) + 40
        x = 1080 - 150 - width if mine else 150
        colour = (149, 236, 105) if mine else (255, 255, 255)
        self.draw.rounded_rectangle((x, y, x + width, y + height), radius=18, fill=colour)
        avatar = 1080 - 130 if mine else 30
        self.draw.rounded_rectangle(
            (avatar, y, avatar + 100, y + 100), radius=12, fill=(90, 140, 200)
        )
        self.paragraph(x + 30, y + 20, snippet, text, BUBBLE_TEXT)
        return y + height + 50

    def shot(self, label: str) -> RealShot:
        text: list[str] = []
        boxes: list[Rect | None] = []
        for n, (line, line_boxes) in enumerate(self.lines):
            if n:
                text.append("\n")
                boxes.append(None)
            text.append(line)
            boxes += line_boxes or [None] * len(line)  # the title: no item on it
        return RealShot(
            self.img, self.real, self.regions, self.snippets, "".join(text), boxes, label
        )


def real_chat(queue: list[Snippet], rng: random.Random) -> RealShot:
    """A customer-service chat: the consumer's messages are real snippets."""
    c = Screen()
    c.status_bar("在线客服")
    c.lines.append(("在线客服", []))
    y = c.real_bubble(260, None, SERVICE[0], mine=False)
    while queue and y + c.bubble_height(queue[0].text) <= BOTTOM:
        snippet = queue.pop(0)
        y = c.real_bubble(y, snippet, snippet.text, mine=True)
        reply = rng.choice(SERVICE[1:])
        if rng.random() < 0.5 and y + c.bubble_height(reply) <= BOTTOM:
            y = c.real_bubble(y, None, reply, mine=False)
    return c.shot("chat")


def real_page(queue: list[Snippet], rng: random.Random) -> RealShot:
    """A complaint page: a fixed header card, then one card per real snippet."""
    c = Screen()
    c.status_bar("投诉详情")
    c.lines.append(("投诉详情", []))
    c.draw.rounded_rectangle((30, 240, 1050, 440), radius=20, fill="white")
    c.line(70, 270, "投诉进度：处理中", fill="#e4393c")
    c.line(70, 340, "投诉要求：退款、赔偿")
    y = 480
    while queue:
        lines = len(c.wrap(queue[0].text, CARD_TEXT))
        height = 62 * lines + 130
        if y + height > BOTTOM:
            break
        snippet = queue.pop(0)
        c.draw.rounded_rectangle((30, y, 1050, y + height - 20), radius=20, fill="white")
        c.draw.text((70, y + 25), rng.choice(CARD_LABELS), font=c.small, fill="#888888")
        c.paragraph(70, y + 85, snippet, snippet.text, CARD_TEXT)
        y += height
    return c.shot("page")


def real_shots(pages: int, snippets: list[Snippet] | None = None) -> list[RealShot]:
    """``pages`` base screenshots (chat and complaint page alternating) filled with snippets."""
    queue = list(load_real_snippets() if snippets is None else snippets)
    rng = random.Random(REAL_SEED)
    out: list[RealShot] = []
    while queue and len(out) < pages:
        make = real_chat if len(out) % 2 == 0 else real_page
        before = len(queue)
        shot = make(queue, rng)
        if len(queue) == before:  # a snippet too long for an empty screen
            queue.pop(0)
            continue
        shot.label = f"{shot.label}{len(out):02d}"
        out.append(shot)
    return out


def degrade_real(shot: RealShot, width: int, jpeg: int | None) -> RealShot:
    img, scale, suffix = _resized(shot.image, width, jpeg)

    def sc(r: Rect) -> Rect:
        return (round(r[0] * scale), round(r[1] * scale), round(r[2] * scale), round(r[3] * scale))

    items = [
        RealItem(i.kind, i.text, [sc(p) for p in i.parts], i.out, i.snippet) for i in shot.items
    ]
    regions = [([sc(r) for r in area], kinds) for area, kinds in shot.regions]
    return RealShot(
        img, items, regions, shot.snippets, shot.text, shot.char_boxes, shot.label + suffix
    )


def item_coverage(item: RealItem, rects: list[list[int]]) -> float:
    areas = [max(1, (p[2] - p[0]) * (p[3] - p[1])) for p in item.parts]
    covered = sum(coverage(p, rects) * a for p, a in zip(item.parts, areas, strict=True))
    return covered / sum(areas)


def score_boxes(shot: RealShot, boxes: list[ocr.Box]) -> dict[str, object]:
    """Which items the boxes cover (≥ 80 %), and how many boxes are false: touching no item
    and not a kind its snippet's set leaves unlabelled (those are 'unscored')."""
    rects = [b.as_list() for b in boxes]
    hits = [item_coverage(i, rects) >= 0.8 for i in shot.items]
    # the text evaluation's criterion: any box on the item (a name cut to two characters counts)
    touched = [any(touches(r, p) for r in rects for p in i.parts) for i in shot.items]
    false: list[ocr.Box] = []
    unscored = 0
    for box, rect in zip(boxes, rects, strict=True):
        if any(touches(rect, p) for i in shot.items for p in i.parts):
            continue
        region = next(
            (
                kinds
                for area, kinds in shot.regions
                if any(touches(rect, (r[0], r[1], r[2], r[3])) for r in area)
            ),
            None,
        )
        if region is not None and box.kind not in region:
            unscored += 1
        else:
            false.append(box)
    return {
        "hits": hits,
        "touched": touched,
        "false": false,
        "unscored": unscored,
        "boxes": len(boxes),
    }


def text_only(snippet: Snippet) -> list[bool]:
    """The text detectors on the snippet text itself: is each labelled span found (a detected
    span of its kind overlapping it)?"""
    from tousu.privacy import detectors

    found = [(s.start, s.end, s.kind) for s in detectors.detect(snippet.text)]
    return [
        any(fk == k and fs < e and s < fe for fs, fe, fk in found) for s, e, k, _o in snippet.spans
    ]


def _recall(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 3) if flags else None


def _key(item: RealItem) -> str:
    return item.kind + (" (out)" if item.out else "")


def _table(hits: dict[str, list[bool]], kinds: list[str]) -> dict[str, object]:
    in_scope = [h for k in kinds if not k.endswith("(out)") for h in hits.get(k, [])]
    return {**{k: _recall(hits.get(k, [])) for k in kinds}, "all (in scope)": _recall(in_scope)}


def real_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="ocr_eval.py --real")
    parser.add_argument("--pages", type=int, default=20, help="base screenshots (×3 variants)")
    parser.add_argument("--json", type=Path, help="the figures (no text)")
    parser.add_argument(
        "--detail", type=Path, help="every miss, box and the OCR text (real text: var/ only)"
    )
    parser.add_argument("--save", type=Path, help="rendered and redacted images (var/ only)")
    args = parser.parse_args(argv)
    bases = real_shots(args.pages)
    # the text detectors on each snippet, and the pipeline on the exact rendered text
    text_hits: dict[str, list[bool]] = {}
    exact: dict[str, dict[str, list[bool]]] = {"cover": {}, "touch": {}}
    exact_false = 0
    for base in bases:
        for snippet in base.snippets:
            for (_s, _e, kind, out), hit in zip(snippet.spans, text_only(snippet), strict=True):
                text_hits.setdefault(kind + (" (out)" if out else ""), []).append(hit)
        scored = score_boxes(base, ocr.spans_to_boxes(base.text, base.char_boxes, base.image.size))
        exact_false += len(scored["false"])  # type: ignore[arg-type]
        for n, item in enumerate(base.items):
            exact["cover"].setdefault(_key(item), []).append(scored["hits"][n])  # type: ignore[index]
            exact["touch"].setdefault(_key(item), []).append(scored["touched"][n])  # type: ignore[index]
    found: dict[str, dict[str, list[bool]]] = {"cover": {}, "touch": {}}
    by_variant: dict[str, list[bool]] = {}
    times: dict[str, list[float]] = {}
    boxes_total = false_total = unscored_total = 0
    detail: list[dict[str, object]] = []
    for base in bases:
        for width, jpeg in ((1080, None), (720, None), (540, 45)):
            shot = degrade_real(base, width, jpeg)
            started = time.perf_counter()
            boxes, text = ocr.find_boxes(shot.image)
            times.setdefault(str(width), []).append(time.perf_counter() - started)
            scored = score_boxes(shot, boxes)
            boxes_total += len(boxes)
            unscored_total += scored["unscored"]  # type: ignore[operator]
            false_total += len(scored["false"])  # type: ignore[arg-type]
            variant = shot.label.split("@", 1)[1]
            misses = []
            for n, item in enumerate(shot.items):
                hit = scored["hits"][n]  # type: ignore[index]
                found["cover"].setdefault(_key(item), []).append(hit)
                found["touch"].setdefault(_key(item), []).append(scored["touched"][n])  # type: ignore[index]
                if not item.out:
                    by_variant.setdefault(variant, []).append(hit)
                if not hit:
                    misses.append([_key(item), item.text, item.snippet])
            detail.append(
                {
                    "shot": shot.label,
                    "misses": misses,
                    "false": [[b.kind, b.text, b.as_list()] for b in scored["false"]],  # type: ignore[attr-defined]
                    "boxes": [[b.kind, b.text, b.as_list()] for b in boxes],
                    "ocr_text": text,
                    "snippets": [s.text for s in shot.snippets],
                }
            )
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                name = f"{len(detail) - 1:02d}-{shot.label.replace('/', '-')}"
                shot.image.convert("RGB").save(args.save / f"{name}.png")
                ocr.black_out(shot.image, [b.as_list() for b in boxes]).convert("RGB").save(
                    args.save / f"{name}.redacted.png"
                )
            print(f"{shot.label}: {sum(scored['hits'])}/{len(shot.items)}", file=sys.stderr)  # type: ignore[call-overload]
    all_times = [t for v in times.values() for t in v]
    kinds = sorted(set(found["cover"]) | set(text_hits))
    items = [i for b in bases for i in b.items]
    result = {
        "sets": list(REAL_SETS),
        "screenshots": len(detail),
        "base_screenshots": len(bases),
        "snippets": sum(len(b.snippets) for b in bases),
        "spans": {k: sum(1 for i in items if _key(i) == k) for k in kinds},
        "spans_wrapped": sum(1 for i in items if len(i.parts) > 1),
        "recall_text_only": _table(text_hits, kinds),
        "recall_exact_text_cover80": _table(exact["cover"], kinds),
        "recall_exact_text_touch": _table(exact["touch"], kinds),
        "exact_text_false_boxes": exact_false,
        "recall_ocr_cover80": _table(found["cover"], kinds),
        "recall_ocr_touch": _table(found["touch"], kinds),
        "recall_ocr_cover80_by_variant": {k: _recall(v) for k, v in by_variant.items()},
        "boxes": boxes_total,
        "false_boxes": false_total,
        "unscored_boxes": unscored_total,
        "ocr_seconds_median": round(statistics.median(all_times), 2),
        "ocr_seconds_p90": round(sorted(all_times)[int(len(all_times) * 0.9) - 1], 2),
        "ocr_seconds_by_width": {w: round(statistics.median(v), 2) for w, v in times.items()},
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    if args.detail:
        args.detail.parent.mkdir(parents=True, exist_ok=True)
        args.detail.write_text(json.dumps(detail, ensure_ascii=False, indent=1))


def main() -> None:
    if "--real" in sys.argv:
        real_main([a for a in sys.argv[1:] if a != "--real"])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=8, help="base screenshots of each layout")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--save", type=Path, help="write the rendered and redacted images here")
    parser.add_argument(
        "--pdf", action="store_true", help="each screenshot saved as a PDF page, through PDFium"
    )
    parser.add_argument(
        "--binarise", action="store_true", help="Otsu black/white before OCR (off by default)"
    )
    parser.add_argument("--errors", action="store_true", help="print every miss with the OCR text")
    args = parser.parse_args()
    ocr.BINARISE = args.binarise
    rng = random.Random(20261129)
    shots: list[Shot] = []
    for _ in range(args.n):
        for make in (chat, order_page):
            base = make(rng)
            shots.append(degrade(base, 1080, None))
            shots += [degrade(base, 720, None), degrade(base, 540, 45)]
    found: dict[str, list[int]] = {}
    by_variant: dict[str, list[int]] = {}
    false_boxes = total_boxes = 0
    times: list[float] = []
    for n, shot in enumerate(shots):
        started = time.perf_counter()
        if args.pdf:
            # saved at 150 dpi, the page renders back at the screenshot's own size
            buf = io.BytesIO()
            shot.image.convert("RGB").save(buf, "PDF", resolution=ocr.PDF_DPI)
            (page,) = ocr.pdf_pages(buf.getvalue())
            if page.size != shot.image.size:  # PDFium rounds the page up by a pixel
                page = page.crop((0, 0, *shot.image.size))
            boxes, text = ocr.find_boxes(page)
        else:
            boxes, text = ocr.find_boxes(shot.image)
        times.append(time.perf_counter() - started)
        rects = [b.as_list() for b in boxes]
        total_boxes += len(rects)
        false_boxes += sum(1 for r in rects if not any(touches(r, i.box) for i in shot.items))
        variant = shot.label.split("@", 1)[1]
        for item in shot.items:
            hit = int(coverage(item.box, rects) >= 0.8)
            if not hit and args.errors:
                print(f"MISS {shot.label} {item.kind} {item.text!r}\n  OCR: {text!r}")
            found.setdefault(item.kind, []).append(hit)
            by_variant.setdefault(variant, []).append(hit)
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            ocr.black_out(shot.image, rects).convert("RGB").save(
                args.save / f"{n:02d}-{shot.label.replace('/', '-')}.png"
            )
    result = {
        "screenshots": len(shots),
        "recall_by_kind": {k: round(sum(v) / len(v), 3) for k, v in sorted(found.items())},
        "items_by_kind": {k: len(v) for k, v in sorted(found.items())},
        "recall_by_variant": {k: round(sum(v) / len(v), 3) for k, v in by_variant.items()},
        "recall_all": round(
            sum(sum(v) for v in found.values()) / sum(len(v) for v in found.values()), 3
        ),
        "boxes": total_boxes,
        "false_boxes": false_boxes,
        "ocr_seconds_median": round(statistics.median(times), 2),
        "ocr_seconds_p90": round(sorted(times)[int(len(times) * 0.9) - 1], 2),
        "ocr_seconds_by_width": {
            w: round(
                statistics.median(
                    t
                    for s, t in zip(shots, times, strict=True)
                    if s.label.split("@")[1].startswith(w)
                ),
                2,
            )
            for w in ("1080", "720", "540")
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
