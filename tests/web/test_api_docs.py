from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_api_docs_page_uses_no_cdn() -> None:
    resp = Client().get("/api/v1/docs")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html and "https://" not in html.split("<body")[0]


@pytest.mark.django_db
def test_openapi_schema_lists_the_lifecycle() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/complaints" in paths
    assert set(paths["/api/v1/complaints"]) >= {"get", "post"}
    assert "/api/v1/complaints/{public_number}/accept" in paths
