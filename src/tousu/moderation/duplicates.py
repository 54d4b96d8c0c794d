"""Near-duplicates and mass filing over MinHash signatures with a persistent LSH index.

A complaint's text (title and details, normalised as everywhere else: full-width → half-width,
Traditional → Simplified) is segmented with rjieba; its word bigrams are the shingles of a
``datasketch.MinHash`` (64 permutations). The signature is cut into 16 bands of 4 rows; each
band hashes to a key stored in ``SignatureBand`` with an index, so "which complaints share a
band with this one" is one indexed query. The index lives in the database, in the submission
transaction: it survives restarts, is the same for every worker process, and never holds a
complaint that did not commit. ``tousu rebuild-duplicates`` recomputes it from the complaints.

Candidates that share a band are confirmed by their estimated Jaccard similarity (the share
of equal signature positions):

- ≥ ``REPEAT_MIN`` by the same consumer against the same company, still open, with the same
  numbers (order numbers, dates, amounts: different numbers mean a different order) → a
  repeat of their own open complaint: refused at submission (``complaints.services``) with a
  link;
- ≥ ``GROUP_MIN`` by other consumers against the same company → one group for moderators;
- ≥ ``TEMPLATE_MIN`` within ``WINDOW_DAYS`` across companies → mass-filing evidence (one
  account, one address or one device filing a template against many companies, or many
  accounts filing one template).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from datasketch import MinHash
from django.db.models import BooleanField, ExpressionWrapper, Q, Value

from tousu.complaints.models import Complaint
from tousu.complaints.states import OPEN_STATUSES

from .context import short_device_hash
from .features import normalised_text, words
from .models import ScreeningResult, SignatureBand, TextSignature

NUM_PERM = 64
# pinned: stored signatures are only comparable under the scheme that made them (a change
# needs ``tousu rebuild-duplicates``)
SCHEME = "affine32"
BANDS = 16
ROWS = NUM_PERM // BANDS
REPEAT_MIN = 0.8
GROUP_MIN = 0.7
TEMPLATE_MIN = 0.6
MAX_CANDIDATES = 500
# mass filing
WINDOW_DAYS = 30
MASS_MIN_COMPLAINTS = 3  # template complaints from one account or address, this one included
MASS_MIN_COMPANIES = 3  # … against at least this many companies
MASS_MIN_ACCOUNTS = 5  # one template from at least this many accounts …
VOLUME_PER_DAY = 10  # any complaints from one account within 24 hours
EVIDENCE_LIMIT = 20


@lru_cache(maxsize=1)
def _template() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME)


def shingles(title: str, details: str) -> list[bytes]:
    # digits are kept (unlike the classifier's features): two complaints about two orders
    # differ in their order numbers, dates and amounts
    ws = words(normalised_text(f"{title}。{details}"))
    grams = {f"{a} {b}" for a, b in itertools.pairwise(ws)}
    if len(grams) < 3:
        grams.update(ws)
    return [g.encode("utf-8") for g in grams]


def signature(title: str, details: str) -> np.ndarray:
    """The MinHash signature of a text (read-only array). Remembered for the last few texts: a
    submission needs it for the refusal check before its transaction, then in the listener."""
    return _signature(title, details)


@lru_cache(maxsize=64)
def _signature(title: str, details: str) -> np.ndarray:
    template = _template()
    m = MinHash(num_perm=NUM_PERM, seed=1, scheme=SCHEME, permutations=template.permutations)
    sh = shingles(title, details)
    if sh:
        m.update_batch(sh)
    hv = np.asarray(m.hashvalues, dtype=np.uint32)
    hv.flags.writeable = False
    return hv


_NUMBER = re.compile(r"\d+")


def numbers(title: str, details: str) -> list[str]:
    """The numbers of a text (order numbers, dates, amounts), in order. Two near-identical
    texts with different numbers are about different orders: not a repeat."""
    return _NUMBER.findall(normalised_text(f"{title}。{details}"))


def band_keys(hv: np.ndarray) -> list[str]:
    raw = hv.astype("<u4")
    return [
        f"{i:02d}"
        + hashlib.blake2b(raw[i * ROWS : (i + 1) * ROWS].tobytes(), digest_size=8).hexdigest()
        for i in range(BANDS)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / a.size


def _unpack(blob: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<u4").astype(np.uint32)


def index(
    complaint: Complaint,
    hv: np.ndarray,
    *,
    client_ip: str | None = None,
    device_hash: str | None = None,
    now: datetime | None,
    new: bool = False,
) -> None:
    """Store (or replace) the signature and its bands. ``new``: the complaint was created in
    this transaction, so it has no signature yet (two inserts instead of an upsert, a delete
    and an insert)."""
    sig = TextSignature(
        complaint_id=complaint.pk,
        consumer_id=complaint.consumer_id,
        company_id=complaint.company_id,
        client_ip=client_ip or None,
        device_hash=device_hash or None,
        minhash=hv.astype("<u4").tobytes(),
        **({"created_at": now} if now else {}),
    )
    bands = [SignatureBand(complaint_id=complaint.pk, key=k) for k in band_keys(hv)]
    if new:
        TextSignature.objects.bulk_create([sig])
    else:
        fields = ["consumer_id", "company_id", "client_ip", "device_hash", "minhash"]
        TextSignature.objects.bulk_create(
            [sig],
            update_conflicts=True,
            unique_fields=["complaint"],
            update_fields=[*fields, *(["created_at"] if now else [])],
        )
        SignatureBand.objects.filter(complaint_id=complaint.pk).delete()
    SignatureBand.objects.bulk_create(bands)


class Indexed(NamedTuple):
    """An indexed complaint as the group and mass-filing checks need it (a plain row: up to
    ``MAX_CANDIDATES`` of them per submission, so no model instances)."""

    pk: int
    consumer_id: int
    company_id: int
    client_ip: str | None
    device_hash: str | None
    recent: bool  # indexed at or after ``find_similar``'s ``recent_since`` (True without it)


def find_similar(
    hv: np.ndarray,
    *,
    min_similarity: float,
    exclude_id: int | None = None,
    company_id: int | None = None,
    consumer_id: int | None = None,
    since: datetime | None = None,
    recent_since: datetime | None = None,
) -> list[tuple[Indexed, float]]:
    """Indexed complaints at least ``min_similarity`` alike, most similar first (one query: the
    candidates sharing a band, as a subquery, and their signatures). ``recent_since`` marks
    those indexed since then (compared in SQL: no date conversion for hundreds of rows)."""
    ids = SignatureBand.objects.filter(key__in=band_keys(hv))
    if exclude_id is not None:
        ids = ids.exclude(complaint_id=exclude_id)
    candidates = ids.values("complaint_id").distinct()[:MAX_CANDIDATES]
    sigs = TextSignature.objects.filter(pk__in=candidates)
    if company_id is not None:
        sigs = sigs.filter(company_id=company_id)
    if consumer_id is not None:
        sigs = sigs.filter(consumer_id=consumer_id)
    if since is not None:
        sigs = sigs.filter(created_at__gte=since)
    recent = (
        ExpressionWrapper(Q(created_at__gte=recent_since), output_field=BooleanField())
        if recent_since is not None
        else Value(True, output_field=BooleanField())
    )
    rows = list(
        sigs.annotate(recent=recent).values_list(
            "pk", "consumer_id", "company_id", "client_ip", "device_hash", "recent", "minhash"
        )
    )
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(bytes(r[6]) for r in rows), dtype="<u4").reshape(len(rows), -1)
    scores = (matrix == hv.astype("<u4")).mean(axis=1)
    out = [
        (Indexed(r[0], r[1], r[2], r[3], r[4], bool(r[5])), float(sc))
        for r, sc in zip(rows, scores, strict=True)
        if sc >= min_similarity
    ]
    out.sort(key=lambda pair: (-pair[1], pair[0].pk))
    return out


def find_own_open_duplicate(
    *,
    consumer_id: int,
    company_id: int,
    title: str,
    details: str,
    exclude_id: int | None = None,
    hv: np.ndarray | None = None,
) -> tuple[Complaint, float] | None:
    """The consumer's own open complaint against the company that this text repeats."""
    # a consumer has few complaints against one company: compare with each of them directly
    # (one indexed lookup) instead of going through the LSH bands
    own = TextSignature.objects.filter(consumer_id=consumer_id, company_id=company_id)
    if exclude_id is not None:
        own = own.exclude(pk=exclude_id)
    rows = list(own.values_list("pk", "minhash")[:MAX_CANDIDATES])
    if not rows:
        return None
    if hv is None:
        hv = signature(title, details)
    score = {pk: s for pk, blob in rows if (s := similarity(hv, _unpack(blob))) >= REPEAT_MIN}
    if not score:
        return None
    mine = numbers(title, details)
    open_ = [
        c
        for c in Complaint.objects.filter(
            pk__in=list(score), status__in=[s.value for s in OPEN_STATUSES]
        ).only("pk", "public_number", "status", "title", "details")
        if numbers(c.title, c.details) == mine
    ]
    best = max(open_, key=lambda c: (score[c.pk], -c.pk), default=None)
    return (best, score[best.pk]) if best is not None else None


def near_duplicate_finder(
    consumer_id: int, company_id: int, title: str, details: str, exclude_id: int | None
) -> Complaint | None:
    """For ``complaints.hooks.register_duplicate_finder``."""
    found = find_own_open_duplicate(
        consumer_id=consumer_id,
        company_id=company_id,
        title=title,
        details=details,
        exclude_id=exclude_id,
    )
    return found[0] if found else None


def neighbours(
    complaint: Complaint, hv: np.ndarray, now: datetime | None = None
) -> list[tuple[Indexed, float]]:
    """Everything at least template-alike to this complaint (one LSH query, shared by the
    group and mass-filing checks), marked ``recent`` within the mass-filing window before
    ``now``."""
    from django.utils import timezone

    return find_similar(
        hv,
        min_similarity=TEMPLATE_MIN,
        exclude_id=complaint.pk,
        recent_since=(now or timezone.now()) - timedelta(days=WINDOW_DAYS),
    )


def assign_group(
    complaint: Complaint,
    hv: np.ndarray,
    near: list[tuple[Indexed, float]] | None = None,
) -> int | None:
    """Group this complaint with near-identical ones from other consumers (same company)."""
    if near is None:
        near = neighbours(complaint, hv)
    similar = [
        (sig, s)
        for sig, s in near
        if s >= GROUP_MIN
        and sig.company_id == complaint.company_id
        and sig.consumer_id != complaint.consumer_id
    ]
    if not similar:
        return None
    matched = [sig.pk for sig, _ in similar]
    roots = {
        r
        for r in ScreeningResult.objects.filter(
            complaint_id__in=matched, group_root__isnull=False
        ).values_list("group_root", flat=True)
        if r is not None
    }
    root = min([*roots, *matched, complaint.pk])
    ScreeningResult.objects.filter(Q(complaint_id__in=matched) | Q(group_root__in=roots)).update(
        group_root=root
    )
    return root


def mass_filing_evidence(
    complaint: Complaint,
    hv: np.ndarray,
    *,
    client_ip: str | None,
    device_hash: str | None = None,
    now: datetime,
    near: list[tuple[Indexed, float]] | None = None,
) -> dict[str, Any]:
    """Evidence of profit-seeking mass filing around this complaint ({} when there is none).
    ``near``: ``neighbours(complaint, hv, now)`` when the caller has it already."""
    if near is None:
        near = neighbours(complaint, hv, now)
    similar = [(sig, s) for sig, s in near if sig.recent]
    kinds: list[str] = []
    related: dict[int, float] = {}

    def check(group: list[tuple[Indexed, float]], kind: str) -> None:
        companies = {sig.company_id for sig, _ in group} | {complaint.company_id}
        if len(group) + 1 >= MASS_MIN_COMPLAINTS and len(companies) >= MASS_MIN_COMPANIES:
            kinds.append(kind)
            related.update({sig.pk: s for sig, s in group})

    check([p for p in similar if p[0].consumer_id == complaint.consumer_id], "one_account")
    if client_ip:
        check([p for p in similar if p[0].client_ip == client_ip], "one_ip")
    if device_hash:
        check([p for p in similar if p[0].device_hash == device_hash], "one_device")
    accounts = {sig.consumer_id for sig, _ in similar} | {complaint.consumer_id}
    companies = {sig.company_id for sig, _ in similar} | {complaint.company_id}
    if len(accounts) >= MASS_MIN_ACCOUNTS and len(companies) >= MASS_MIN_COMPANIES:
        kinds.append("many_accounts")
        related.update({sig.pk: s for sig, s in similar})
    recent = TextSignature.objects.filter(
        consumer_id=complaint.consumer_id, created_at__gte=now - timedelta(days=1)
    ).exclude(pk=complaint.pk)
    volume = recent.count() + 1
    if volume >= VOLUME_PER_DAY:
        kinds.append("volume")
        for pk in recent.order_by("-created_at").values_list("pk", flat=True)[:EVIDENCE_LIMIT]:
            related.setdefault(pk, 0.0)
    if not kinds:
        return {}
    top = sorted(related, key=lambda pk: (-related[pk], pk))[:EVIDENCE_LIMIT]
    rows = {
        r["pk"]: r
        for r in Complaint.objects.filter(pk__in=top).values(
            "pk", "public_number", "company__name", "consumer_id", "submitted_at"
        )
    }
    return {
        "kinds": kinds,
        "template_complaints": len([p for p in similar]) + 1,
        "accounts": len(accounts),
        "companies": len(companies),
        "complaints_last_24h": volume,
        "client_ip": client_ip if "one_ip" in kinds else "",
        # the start of the keyed hash, never the device id (docs/moderation.md)
        "device": short_device_hash(device_hash) if device_hash and "one_device" in kinds else "",
        "related": [
            {
                "id": pk,
                "number": rows[pk]["public_number"],
                "company": rows[pk]["company__name"],
                "consumer_id": rows[pk]["consumer_id"],
                "similarity": round(related[pk], 3),
                "same_account": rows[pk]["consumer_id"] == complaint.consumer_id,
            }
            for pk in top
            if pk in rows
        ],
    }


# the index holds open complaints and those of the last KEEP_DAYS: a repeat needs an open
# complaint, mass filing looks back WINDOW_DAYS, groups are of recent complaints. Older closed
# complaints leave it (``prune``), so it stays the size of a few months at any total volume.
KEEP_DAYS = 180


def _kept(now: datetime) -> Q:
    return Q(status__in=[s.value for s in OPEN_STATUSES]) | Q(
        submitted_at__gte=now - timedelta(days=KEEP_DAYS)
    )


def prune(now: datetime | None = None) -> int:
    """Drop signatures of complaints that are closed and older than ``KEEP_DAYS`` (daily job)."""
    from django.utils import timezone

    kept = Complaint.objects.filter(_kept(now or timezone.now())).values("pk")
    old = TextSignature.objects.exclude(complaint_id__in=kept).values("complaint_id")
    SignatureBand.objects.filter(complaint_id__in=old).delete()
    deleted, _ = TextSignature.objects.exclude(complaint_id__in=kept).delete()
    return deleted


def rebuild(batch: int = 2000, now: datetime | None = None) -> int:
    """Recompute the signatures and bands of the complaints the index keeps (open, or of the
    last ``KEEP_DAYS``) from their text (keeps stored addresses and device hashes)."""
    from django.utils import timezone

    kept = {
        pk: (ip, device)
        for pk, ip, device in TextSignature.objects.values_list(
            "complaint_id", "client_ip", "device_hash"
        )
    }
    SignatureBand.objects.all().delete()
    TextSignature.objects.all().delete()
    n = 0
    qs = (
        Complaint.objects.filter(_kept(now or timezone.now()))
        .order_by("pk")
        .only("pk", "consumer_id", "company_id", "title", "details", "submitted_at")
    )
    sigs: list[TextSignature] = []
    bands: list[SignatureBand] = []
    for c in qs.iterator(chunk_size=batch):
        hv = signature(c.title, c.details)
        sigs.append(
            TextSignature(
                complaint_id=c.pk,
                consumer_id=c.consumer_id,
                company_id=c.company_id,
                client_ip=kept.get(c.pk, (None, None))[0],
                device_hash=kept.get(c.pk, (None, None))[1],
                minhash=hv.astype("<u4").tobytes(),
                created_at=c.submitted_at,
            )
        )
        bands.extend(SignatureBand(complaint_id=c.pk, key=k) for k in band_keys(hv))
        n += 1
        if len(sigs) >= batch:
            TextSignature.objects.bulk_create(sigs)
            SignatureBand.objects.bulk_create(bands)
            sigs, bands = [], []
    TextSignature.objects.bulk_create(sigs)
    SignatureBand.objects.bulk_create(bands)
    return n


def index_bulk(complaint_ids: list[int]) -> None:
    """For ``complaints.hooks.register_bulk``: imported histories get signatures (no screening:
    they were decided elsewhere)."""
    complaints = list(
        Complaint.objects.filter(pk__in=complaint_ids)
        .order_by("pk")
        .only("pk", "consumer_id", "company_id", "title", "details", "submitted_at")
    )
    indexed = set(
        TextSignature.objects.filter(pk__in=[c.pk for c in complaints]).values_list("pk", flat=True)
    )
    from tousu.common.bulk import BulkTable, reserve_ids

    sig_table, band_table = BulkTable(TextSignature), BulkTable(SignatureBand)
    sigs: list[tuple[Any, ...]] = []
    bands: list[tuple[int, str]] = []
    for c in complaints:
        hv = signature(c.title, c.details)
        if c.pk in indexed:  # already indexed (a merge moved it): replace, as ``index`` does
            index(c, hv, now=c.submitted_at)
            continue
        # new to the index: the rows ``index`` would write, in two bulk inserts
        sigs.append(
            sig_table.row(
                {
                    "complaint_id": c.pk,
                    "consumer_id": c.consumer_id,
                    "company_id": c.company_id,
                    "client_ip": None,
                    "device_hash": None,
                    "minhash": hv.astype("<u4").tobytes(),
                    "created_at": c.submitted_at,
                }
            )
        )
        bands.extend((c.pk, k) for k in band_keys(hv))
    sig_table.write(sigs)
    band_ids = reserve_ids(SignatureBand, len(bands))
    band_table.write(
        [
            band_table.row({"id": pk, "complaint_id": cid, "key": k})
            for pk, (cid, k) in zip(band_ids, bands, strict=True)
        ]
    )
