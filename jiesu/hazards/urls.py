from django.urls import path

from jiesu.hazards import api

urlpatterns = [path("hazards", api.HazardListView.as_view(), name="api-hazards")]
