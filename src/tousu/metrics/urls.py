from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("rankings/", views.rankings_index, name="rankings"),
    path("rankings/formula/", views.formula_page, name="formula"),
    path("rankings/<int:list_id>/", views.ranking_detail, name="ranking"),
    path("rankings/stars/", views.stars_page, name="stars"),
    path("rankings/stars/review/", views.stars_review, name="stars_review"),
    path("rankings/stars/<int:star_id>/decide", views.star_decide_view, name="star_decide"),
    path("companies/compare/", views.compare, name="compare"),
]
