"""Placeholder: built in the website issue."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "web/home.html", {"latest": []})


queue = complaint = _todo
