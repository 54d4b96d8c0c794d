"""Measure the safety-defect rules (tousu.leads.rules.safety_defect) on real 车质网 complaints
against the hand labels in bench/labels/, and report precision, recall and the confusion
matrix per label file. Reads the data from ../shared/data at run time (never copied here).

    .venv/bin/python scripts/leads_eval.py [--show-errors]
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
os.environ.setdefault("TOUSU_LOCAL", "1")

import django  # noqa: E402

django.setup()

from tousu.leads.rules import safety_defect  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "car-complaints-12365auto"


def load() -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(DATA.glob("car_complain_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                texts[row["id"]] = row["desc"].strip()
    return texts


def main() -> None:
    texts = load()
    show = "--show-errors" in sys.argv
    for labels in sorted((ROOT / "bench" / "labels").glob("12365auto-*.csv")):
        rows = [r for r in csv.reader(line for line in labels.open() if not line.startswith("#"))]
        gold = {i: v == "1" for i, v in rows[1:]}
        tp = fp = fn = tn = 0
        for cid, truth in gold.items():
            got = safety_defect(texts[cid]) is not None
            tp += got and truth
            fp += got and not truth
            fn += (not got) and truth
            tn += (not got) and (not truth)
            if show and got != truth:
                match = safety_defect(texts[cid])
                print(f"  {'FP' if got else 'FN'} {cid} {texts[cid]} {match}")
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        print(f"{labels.name}: n={len(gold)} safety={tp + fn}")
        print(f"  precision={precision:.3f} recall={recall:.3f}")
        print(f"  confusion: TP={tp} FP={fp} FN={fn} TN={tn}")


if __name__ == "__main__":
    main()
