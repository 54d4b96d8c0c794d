from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("fraud/report/", views.tip_new, name="tip_new"),
    path("fraud/lookup/", views.lookup, name="lookup"),
    path("leads/", views.console, name="console"),
    path("leads/export", views.export, name="export"),
    path("leads/<int:lead_id>/", views.detail, name="detail"),
]
