"""Texts by columns: phrase patterns pre-parsed once, then filled for a whole chunk by arrays.

A pattern such as ``"{month}月{day}日在{brand}购买了{product}"`` is split once into its literal
pieces and its slots. For a chunk, every complaint's choice of pattern is an index array and every
slot's value is an object array (one string per complaint); the text of the chunk is then the
column-wise concatenation ``map("".join, zip(*columns))``: no per-complaint formatting in Python.

Each piece is kept twice, as written and as ``normalize_text`` turns it (NFKC, lower case): the
duplicate-guard hash (``complaints.services.content_hash_for``) is computed on the normalised
columns without normalising every text. ``TemplateSet`` checks that normalising piece by piece
is the same as normalising a whole text (no piece holds whitespace at its ends or characters that
combine across a boundary); tests/datagen compares every generated hash with the service's.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import numpy as np

from tousu.common.text import normalize_text

Column = np.ndarray  # 1-d object array of str, one per complaint

SLOTS = (
    "brand",
    "product",
    "amount",
    "days",
    "times",
    "percent",
    "month",
    "day",
    "platform",
    "model",
)
_EMPTY = len(SLOTS)  # slot row that is always ""


def _check_piece(piece: str) -> str:
    norm = normalize_text(piece) if piece.strip() else piece
    if piece and (piece != piece.strip() or "\n" in piece or "\t" in piece or "\\" in piece):
        raise ValueError(f"phrase piece with surrounding whitespace or escapes: {piece!r}")
    return norm


def normalized(values: Sequence[str]) -> list[str]:
    """``normalize_text`` of each value (slot values: brands, numbers, platforms)."""
    return [_check_piece(v) for v in values]


class TemplateSet:
    """Patterns → a literal matrix and a slot matrix, filled for many complaints at once."""

    def __init__(self, templates: Sequence[str]) -> None:
        parsed = []
        for t in templates:
            lits, slots = [], []
            for literal, field, _spec, _conv in string.Formatter().parse(t):
                lits.append(literal)
                if field is not None:
                    slots.append(SLOTS.index(field))
            if len(lits) == len(slots):
                lits.append("")
            parsed.append((lits, slots))
        width = max((len(s) for _, s in parsed), default=0)
        self.width = width
        self.literals = np.full((len(parsed), width + 1), "", dtype=object)
        self.literals_norm = np.full((len(parsed), width + 1), "", dtype=object)
        self.slots = np.full((len(parsed), max(1, width)), _EMPTY, dtype=np.int64)
        for i, (lits, slots) in enumerate(parsed):
            for j, lit in enumerate(lits):
                self.literals[i, j] = lit
                self.literals_norm[i, j] = _check_piece(lit)
            for j, s in enumerate(slots):
                self.slots[i, j] = s
        self.count = len(parsed)

    def columns(
        self, choice: np.ndarray, values: np.ndarray, values_norm: np.ndarray
    ) -> tuple[list[Column], list[Column]]:
        """Columns of the texts (and of their normalised forms) for ``choice`` (one pattern index
        per complaint); ``values[s, i]`` is slot ``s`` of complaint ``i``."""
        rows = np.arange(len(choice))
        out, out_norm = [], []
        for j in range(self.width + 1):
            out.append(self.literals[choice, j])
            out_norm.append(self.literals_norm[choice, j])
            if j < self.width:
                slot = self.slots[choice, j]
                out.append(values[slot, rows])
                out_norm.append(values_norm[slot, rows])
        return out, out_norm


def join(columns: Sequence[Column]) -> list[str]:
    """The texts: one concatenation per complaint across the columns (in C)."""
    return list(map("".join, zip(*(c.tolist() for c in columns), strict=True)))


def slot_matrix(n: int, values: dict[str, Column]) -> np.ndarray:
    m = np.full((len(SLOTS) + 1, n), "", dtype=object)
    for name, col in values.items():
        m[SLOTS.index(name)] = col
    return m


__all__ = ["SLOTS", "TemplateSet", "join", "normalized", "slot_matrix"]
