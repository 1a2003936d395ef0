from django.urls import path

from jiesu.reports import proactive, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("review/generate/", views.generate, name="generate"),
    path("review/<str:month>/", views.review_page, name="review"),
    path("packs/<int:pk>/<str:fmt>/", views.download, name="download"),
    path("supervision/", views.supervision_export, name="supervision_export"),
    path("hotspots/", proactive.hotspots, name="hotspots"),
    path("hotspots/<str:key>/", proactive.hotspot, name="hotspot"),
    path("seasonal/", proactive.seasonal, name="seasonal"),
    path("forecasts/", proactive.forecasts, name="forecasts"),
]
