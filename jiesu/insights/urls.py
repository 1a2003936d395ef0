from django.urls import path

from jiesu.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("topic/compute/", views.compute, name="compute"),
    path("topic/<str:month>/", views.topic, name="topic"),
]
