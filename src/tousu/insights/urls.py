from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("insights/surges/", views.surges, name="surges"),
    path("insights/surges/<int:alert_id>/", views.surge_detail, name="surge_detail"),
    path("insights/subscriptions/", views.subscriptions, name="subscriptions"),
]
