from django.urls import path

from jiesu.hazards import views

app_name = "hazards"

urlpatterns = [
    path("", views.index, name="index"),
    path("inspect/", views.inspect, name="inspect"),
    path("<int:hazard_id>/", views.detail, name="detail"),
    path("<int:hazard_id>/act/<str:action>/", views.act, name="act"),
]
