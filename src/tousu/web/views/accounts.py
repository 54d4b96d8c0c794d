"""Placeholder: built in the website issue."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _todo(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    return render(request, "web/home.html", {"latest": []})


login_view = signup_view = logout_view = profile_view = _todo
