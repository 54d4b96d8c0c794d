"""Evaluate screenshot redaction (``tousu.privacy.ocr``) on phone screenshots rendered here.

Renders chat screenshots (bubbles) and order pages with Noto Sans CJK, with mobile numbers,
ID-card numbers (valid GB 11643 check digit), names after 收件人/联系人, street addresses and
order numbers, at phone resolution (1080 and 720 wide, PNG) and degraded (540 wide, JPEG q=45).
Runs the OCR pipeline on each and reports, per kind, recall (an item counts as found when the
union of the boxes covers ≥ 80 % of its rendered glyph box), false boxes (a box that touches no
personal-data item) and OCR time per screenshot.

    TOUSU_LOCAL=1 .venv/bin/python scripts/ocr_eval.py [--n 24] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
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


def degrade(shot: Shot, width: int, jpeg: int | None) -> Shot:
    scale = width / shot.image.width
    img = shot.image.resize((width, round(shot.image.height * scale)), Image.Resampling.LANCZOS)
    if jpeg:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=jpeg)
        img = Image.open(io.BytesIO(buf.getvalue()))
        img.load()
    items = [
        Item(i.kind, i.text, tuple(round(v * scale) for v in i.box))  # type: ignore[arg-type]
        for i in shot.items
    ]
    label = f"{shot.label}@{width}" + (f"/jpeg{jpeg}" if jpeg else "/png")
    return Shot(img, items, label)


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


def main() -> None:
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
