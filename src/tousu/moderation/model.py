"""Load the committed linear models (``data/screening.json.gz``) with numpy.

The file is written by ``scripts/train_screening.py`` (scikit-learn, training only). It holds,
per model, the classes, the biases and a quantised weight matrix (classes × hashed feature
buckets). Scoring a text is a gather-and-sum over the buckets of its features.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .features import bucket

MODEL_PATH = Path(__file__).resolve().parent / "data" / "screening.json.gz"


@dataclass(frozen=True)
class LinearModel:
    dim: int
    classes: tuple[str, ...]
    weights_t: np.ndarray  # dim × classes, float32 (rows gathered per feature bucket)
    bias: np.ndarray  # classes

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> LinearModel:
        w = spec["weights"]
        dtype = np.dtype(w["dtype"]).newbyteorder("<")
        q = np.frombuffer(base64.b64decode(w["data"]), dtype=dtype).reshape(w["shape"])
        weights = q.astype(np.float32) * np.float32(w["scale"])
        return cls(
            dim=int(spec["dim"]),
            classes=tuple(spec["classes"]),
            weights_t=np.ascontiguousarray(weights.T),
            bias=np.asarray(spec["bias"], dtype=np.float32),
        )

    def buckets(self, features: list[str]) -> tuple[np.ndarray, list[str]]:
        """Distinct buckets of ``features`` and, for each, the first feature that hit it."""
        seen: dict[int, str] = {}
        for f in features:
            seen.setdefault(bucket(f, self.dim), f)
        return np.fromiter(seen.keys(), dtype=np.int64, count=len(seen)), list(seen.values())

    def scores(self, idx: np.ndarray) -> np.ndarray:
        """Raw class scores (binary features, L2-normalised, as in training)."""
        if idx.size == 0:
            return self.bias.copy()
        rows = self.weights_t[idx]
        return rows.sum(axis=0) / np.float32(np.sqrt(idx.size)) + self.bias


def softmax(scores: np.ndarray) -> np.ndarray:
    z = np.exp(scores - scores.max())
    return z / z.sum()


def sigmoid(scores: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-scores))


@dataclass(frozen=True)
class Models:
    version: str
    screening: LinearModel
    sector: LinearModel
    problems: LinearModel
    metrics: dict[str, Any]


@lru_cache(maxsize=1)
def load(path: str = str(MODEL_PATH)) -> Models:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        spec = json.load(fh)
    return Models(
        version=str(spec.get("trained_at", "")),
        screening=LinearModel.from_json(spec["screening"]),
        sector=LinearModel.from_json(spec["sector"]),
        problems=LinearModel.from_json(spec["problems"]),
        metrics=spec.get("metrics", {}),
    )
