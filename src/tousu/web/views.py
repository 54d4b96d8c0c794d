"""Site pages. The full site comes with the website issue; this serves the landing page."""

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
