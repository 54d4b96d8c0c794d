from django.urls import path, re_path

from . import views

app_name = "opendata"

urlpatterns = [
    path("", views.index, name="index"),
    path("latest/<str:name>", views.latest_file, name="latest"),
    re_path(
        r"^(?P<day>\d{4}-\d{2}-\d{2})/(?P<name>[A-Za-z0-9._]+)$", views.release_file, name="release"
    ),
]
