from django.contrib import admin
from django.urls import include, path

from tousu.api.routes import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open-data/", include("tousu.opendata.urls")),
    path("staff/partners/", include("tousu.partners.urls")),
    path("", include("tousu.search.urls")),
    path("", include("tousu.leads.urls")),
    path("", include("tousu.metrics.urls")),
    path("", include("tousu.insights.urls")),
    path("", include("tousu.web.urls")),
]

# error pages in Chinese that help the visitor on (JSON under /api/); see tousu.web.views.errors
handler404 = "tousu.web.views.errors.page_not_found"
handler403 = "tousu.web.views.errors.permission_denied"
handler500 = "tousu.web.views.errors.server_error"
