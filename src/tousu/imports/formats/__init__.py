"""The formats ``tousu import`` reads. Each reader yields ``SourceRecord``, ``BadRow`` or
``Skipped`` items, in file order, deterministically (a resumed run skips the first N)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import auto12365, cfpb, heimao
from .base import BadRow, Item, Skipped, SourceRecord


@dataclass(frozen=True)
class Format:
    name: str
    source: str  # external keys are unique per source
    label: str  # the placeholder consumer's nickname
    read: Callable[..., Iterator[Item]]
    description: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "heimao-json",
            heimao.SOURCE,
            "黑猫投诉导入",
            heimao.read_json,
            '黑猫投诉 JSON: {"complaints": [...]}, a JSON array, or one object per line',
        ),
        Format(
            "heimao-csv",
            heimao.SOURCE,
            "黑猫投诉导入",
            heimao.read_csv,
            "黑猫投诉 CSV: 投诉标题,投诉详情,投诉对象,投诉问题,投诉要求",
        ),
        Format(
            "12365auto",
            auto12365.SOURCE,
            "车质网导入",
            auto12365.read,
            "车质网 CSV: id,brand,car_model,type,desc,problem,datetime,status",
        ),
        Format(
            "cfpb",
            cfpb.SOURCE,
            "CFPB导入",
            cfpb.read,
            "US CFPB Consumer Complaint Database CSV export",
        ),
    )
}

__all__ = ["FORMATS", "BadRow", "Format", "Item", "Path", "Skipped", "SourceRecord", "datetime"]
