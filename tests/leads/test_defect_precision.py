"""A guard on the safety-defect rule's precision on real 车质网 complaints: the hand labels in
bench/labels/12365auto-*.csv (ids and 0/1) against the texts in
../shared/data/car-complaints-12365auto, as scripts/leads_eval.py measures them. A rule change
that starts filing quality problems (异响, 漏油, 油耗) as safety defects fails here.

Skipped when ../shared/data is not beside the repository (CI has it)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tousu.leads.rules import safety_defect

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "car-complaints-12365auto"
LABELS = sorted((ROOT / "bench" / "labels").glob("12365auto-*.csv"))
MIN_PRECISION = 0.9


def _texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(DATA.glob("car_complain_*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                texts[row["id"]] = row["desc"].strip()
    return texts


def _labels(path: Path) -> dict[str, bool]:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
    assert rows[0] == ["id", "safety"]
    return {cid: value == "1" for cid, value in rows[1:]}


@pytest.mark.skipif(not DATA.is_dir(), reason=f"{DATA} is not here (../shared/data)")
@pytest.mark.parametrize("labels", LABELS, ids=lambda p: p.stem)
def test_safety_defect_precision_on_the_labelled_12365auto_sample(labels: Path) -> None:
    texts = _texts()
    gold = _labels(labels)
    assert len(gold) >= 150 and set(gold) <= set(texts), "every labelled id is in the data"
    flagged = [cid for cid in gold if safety_defect(texts[cid]) is not None]
    true_positives = sum(gold[cid] for cid in flagged)
    false_positives = [(cid, texts[cid]) for cid in flagged if not gold[cid]]
    assert len(flagged) >= 10, "enough flagged complaints for precision to mean something"
    precision = true_positives / len(flagged)
    assert precision >= MIN_PRECISION, false_positives


def test_both_label_files_are_present() -> None:
    assert [p.name for p in LABELS] == [
        "12365auto-safety-defects-heldout.csv",
        "12365auto-safety-defects.csv",
    ]
