"""Public pages (anonymous visitors)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tousu.complaints.selectors import complaints_public


def home(request: HttpRequest) -> HttpResponse:
    latest = complaints_public().order_by("-id")[:20]
    return render(request, "web/home.html", {"latest": latest})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "web/home.html", {"latest": []})


complaint_list = complaint_detail = evidence_file = company_list = company_suggest = _todo
company_detail = _todo
