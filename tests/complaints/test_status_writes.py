"""Only ``tousu/complaints/services.py`` writes a complaint's ``status`` (docs/adr/0003).

The source tree is parsed with ``ast``; a write is any of

- an assignment, augmented or annotated assignment, ``for``/``with`` target or ``del`` of an
  attribute called ``status`` (``complaint.status = …``, ``a.status, b = …``);
- ``setattr(x, "status", …)`` and ``x.__dict__["status"] = …``;
- a call of ``update``, ``create``, ``get_or_create``, ``update_or_create``, ``bulk_update`` or a
  ``Complaint(…)`` constructor with a ``status=`` keyword, a ``**{"status": …}`` mapping, a
  ``defaults={"status": …}`` mapping or (``bulk_update``) ``"status"`` among the fields;
- ``save(update_fields=[…"status"…])`` (a write prepared elsewhere);
- raw SQL text that sets ``status``.

Another model with a field called ``status`` is written on a line marked
``# status-write-ok: <ModelName>`` (never ``Complaint``), so the exception is visible in review.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "tousu"
ALLOWED = {Path("complaints/services.py")}
WRITE_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}
PRAGMA = re.compile(r"#\s*status-write-ok:\s*(\w+)")
RAW_SQL = re.compile(r"\bset\s+[\"'`]?status[\"'`]?\s*=", re.IGNORECASE)


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _is_status_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == "status"


def _dict_sets_status(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Dict) and any(_is_status_str(k) for k in node.keys)


def _list_has_status(node: ast.AST | None) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
        _is_status_str(e) for e in node.elts
    )


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _call_writes_status(call: ast.Call) -> str | None:
    name = _call_name(call)
    if name == "setattr" and len(call.args) >= 2 and _is_status_str(call.args[1]):
        return 'setattr(…, "status", …)'
    if name in WRITE_CALLS or name == "Complaint":
        for kw in call.keywords:
            if kw.arg == "status":
                return f"{name}(status=…)"
            if kw.arg is None and _dict_sets_status(kw.value):
                return f'{name}(**{{"status": …}})'
            if kw.arg in ("defaults", "create_defaults") and _dict_sets_status(kw.value):
                return f'{name}({kw.arg}={{"status": …}})'
        if name == "bulk_update" and any(
            _list_has_status(a) for a in [*call.args, *(kw.value for kw in call.keywords)]
        ):
            return 'bulk_update(…, ["status"])'
    if name == "save":
        for kw in call.keywords:
            if kw.arg == "update_fields" and _list_has_status(kw.value):
                return 'save(update_fields=[…"status"…])'
    return None


def find_status_writes(source: str, path: str = "<snippet>") -> list[Write]:
    """Every place in ``source`` that writes a ``status``, minus lines marked for another model."""
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[Write] = []
    for node in ast.walk(tree):
        what = None
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "status"
            and isinstance(node.ctx, ast.Store | ast.Del)
        ):
            what = "assignment to .status"
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Store | ast.Del)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "__dict__"
            and _is_status_str(node.slice)
        ):
            what = '__dict__["status"] = …'
        elif isinstance(node, ast.Call):
            what = _call_writes_status(node)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_SQL.search(node.value)
        ):
            what = "raw SQL setting status"
        if what is None:
            continue
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", line) or line
        marks = [m.group(1) for text in lines[line - 1 : end] for m in PRAGMA.finditer(text)]
        if marks and all(m != "Complaint" for m in marks):
            continue
        found.append(Write(path, line, what))
    return sorted(found, key=lambda w: (w.path, w.line))


def scan_tree(root: Path) -> tuple[list[Write], int]:
    writes: list[Write] = []
    files = 0
    for file in sorted(root.rglob("*.py")):
        rel = file.relative_to(root)
        files += 1
        if rel in ALLOWED:
            continue
        writes += find_status_writes(file.read_text(encoding="utf-8"), str(rel))
    return writes, files


# --- the rule ------------------------------------------------------------------------------------


def test_only_the_services_module_writes_status() -> None:
    writes, files = scan_tree(SRC)
    assert files > 40, f"scanned only {files} files under {SRC}"
    assert not writes, "status written outside complaints/services.py:\n" + "\n".join(
        map(str, writes)
    )


@pytest.mark.parametrize("folder", ["scripts", "bench"])
def test_scripts_and_benchmarks_do_not_write_status_either(folder: str) -> None:
    writes, _ = scan_tree(SRC.parents[1] / folder)
    assert not writes, "\n".join(map(str, writes))


def test_the_services_module_is_where_the_writes_are() -> None:
    """The allowed file exists and is the one with the status change (``_transition``)."""
    services = SRC / "complaints" / "services.py"
    text = services.read_text(encoding="utf-8")
    assert '"status": to_status' in text
    assert "setattr(complaint, name, value)" in text


# --- the checker itself ---------------------------------------------------------------------------

WRITES = [
    ("complaint.status = 'closed'", "assignment to .status"),
    ("c.status: str = Status.CLOSED", "assignment to .status"),
    ("c.status += 'x'", "assignment to .status"),
    ("a.status, b = 'closed', 1", "assignment to .status"),
    ("for c.status in ['closed']:\n    pass", "assignment to .status"),
    ("del c.status", "assignment to .status"),
    ("self.complaint.status = s", "assignment to .status"),
    ("setattr(c, 'status', 'closed')", 'setattr(…, "status", …)'),
    ("c.__dict__['status'] = 'closed'", '__dict__["status"] = …'),
    ("Complaint.objects.filter(pk=1).update(status='closed')", "update(status=…)"),
    ("qs.update(status=F('x'), updated_at=now)", "update(status=…)"),
    ("Complaint.objects.update(**{'status': 'closed'})", 'update(**{"status": …})'),
    ("Complaint.objects.create(title='t', status='closed')", "create(status=…)"),
    ("Complaint(title='t', status='completed').save()", "Complaint(status=…)"),
    ("Complaint.objects.get_or_create(pk=1, status='closed')", "get_or_create(status=…)"),
    (
        "Complaint.objects.update_or_create(pk=1, defaults={'status': 'closed'})",
        'update_or_create(defaults={"status": …})',
    ),
    ("Complaint.objects.bulk_update(objs, ['status'])", 'bulk_update(…, ["status"])'),
    ("Complaint.objects.bulk_update(objs, fields=('status',))", 'bulk_update(…, ["status"])'),
    ("c.save(update_fields=['status', 'updated_at'])", 'save(update_fields=[…"status"…])'),
    (
        "cursor.execute('UPDATE complaints_complaint SET status = %s', [s])",
        "raw SQL setting status",
    ),
    (
        "c.status = 'closed'  # status-write-ok: Complaint",
        "assignment to .status",
    ),
]


@pytest.mark.parametrize(("snippet", "what"), WRITES, ids=[w for w, _ in WRITES])
def test_the_checker_finds_each_kind_of_write(snippet: str, what: str) -> None:
    writes = find_status_writes(snippet)
    assert [w.what for w in writes] == [what]
    assert writes[0].line == 1


READS = [
    "if complaint.status == Status.CLOSED:\n    pass",
    "Complaint.objects.filter(status='closed').count()",
    "Complaint.objects.exclude(status__in=['closed'])",
    "x = {'status': c.status, 'status_label': label}",
    "qs.update(from_status='a', to_status='b')",
    "ComplaintEvent.objects.create(from_status='a', to_status='b')",
    "setattr(c, 'visibility', 'hidden')",
    "c.save(update_fields=['visibility'])",
    "status = models.CharField(max_length=24)",
    "return Status(c.status).label",
    "resp.status_code = 409",
    "cursor.execute('SELECT status FROM complaints_complaint')",
    "lead.status = 'sent'  # status-write-ok: DefectLead",
]


@pytest.mark.parametrize("snippet", READS)
def test_the_checker_leaves_reads_alone(snippet: str) -> None:
    assert find_status_writes(snippet) == []


def test_a_write_added_anywhere_in_the_tree_fails_the_scan(tmp_path: Path) -> None:
    (tmp_path / "complaints").mkdir()
    (tmp_path / "complaints" / "services.py").write_text(
        "def _transition(c):\n    c.status = 'closed'\n", encoding="utf-8"
    )
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "staff.py").write_text(
        "def force_close(c):\n"
        "    if c.status != 'closed':\n"
        "        Complaint.objects.filter(pk=c.pk).update(\n"
        "            updated_at=now(),\n"
        "            status='closed',\n"
        "        )\n",
        encoding="utf-8",
    )
    writes, files = scan_tree(tmp_path)
    assert files == 2
    assert [str(w) for w in writes] == ["api/staff.py:3: update(status=…)"]
