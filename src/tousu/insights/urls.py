from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("insights/surges/", views.surges, name="surges"),
    path("insights/surges/<int:alert_id>/", views.surge_detail, name="surge_detail"),
    path("insights/subscriptions/", views.subscriptions, name="subscriptions"),
    path("hotspots/", views.hotspots, name="hotspots"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:slug>/", views.report_detail, name="report_detail"),
    path("reports/<str:slug>.pdf", views.report_pdf_view, name="report_pdf"),
]
