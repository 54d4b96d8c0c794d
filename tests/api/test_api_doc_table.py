"""docs/api.md's endpoint table and the API's routes cannot drift apart: every operation in the
OpenAPI schema has a row, and every row names an operation that exists.

The table's shorthand is read as a person reads it: "`GET/POST /me/tokens`" is two methods;
"`POST /complaints/{number}/follow-up`, `/confirm`" — a one-segment path replaces the last
segment of the path before it; a longer path without a method ("`/auth/login`") takes the
method before it; path parameters compare by position only ({number} = {public_number}).
"""

from __future__ import annotations

import re
from pathlib import Path

from tousu.api.core import api

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_OPERATION = re.compile(r"^((?:[A-Z]+/)*[A-Z]+\s+)?(/[^\s?]*)")


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path.rstrip("/"))


def documented_operations() -> set[tuple[str, str]]:
    text = DOC.read_text("utf-8")
    table = text.split("## Endpoints", 1)[1].split("\n## ", 1)[0]
    found: set[tuple[str, str]] = set()
    for line in table.splitlines():
        if not line.startswith("| ") or line.startswith("| who") or line.startswith("|---"):
            continue
        cells = re.split(r"(?<!\\) \| ", line.strip("| "))
        methods: list[str] = []
        previous = ""
        spans = cells[1].replace("\\|", "|").split("`")[1::2]  # the code spans
        for span in spans:
            match = _OPERATION.match(span)
            if match is None:
                continue  # a parameter name, not a path
            head, path = match.group(1), match.group(2)
            if head:
                methods = [x for x in head.strip().split("/") if x in METHODS]
            if path.count("/") == 1 and previous:  # "/confirm": a sibling of the path before
                path = previous.rsplit("/", 1)[0] + path
            previous = path
            found.update((method, _shape(path)) for method in methods)
    return found


def routed_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    prefix = "/api/v1"
    return {
        (method.upper(), _shape(path.removeprefix(prefix)))
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in METHODS
    }


def test_every_route_is_documented_and_every_documented_route_exists() -> None:
    documented, routed = documented_operations(), routed_operations()
    assert len(routed) > 80
    assert sorted(routed - documented) == [], "routes missing from docs/api.md"
    assert sorted(documented - routed) == [], "rows in docs/api.md without a route"
