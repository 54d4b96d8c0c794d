from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("rankings/", views.rankings_index, name="rankings"),
    path("rankings/formula/", views.formula_page, name="formula"),
    path("rankings/<int:list_id>/", views.ranking_detail, name="ranking"),
]
