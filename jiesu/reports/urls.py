from django.urls import path

from jiesu.reports import views

app_name = "reports"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("review/generate/", views.generate, name="generate"),
    path("review/<str:month>/", views.review_page, name="review"),
    path("packs/<int:pk>/<str:fmt>/", views.download, name="download"),
    path("supervision/", views.supervision_export, name="supervision_export"),
]
