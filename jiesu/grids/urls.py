from django.urls import path

from jiesu.grids import api

urlpatterns = [
    path("grids", api.GridListCreateView.as_view(), name="api-grids"),
    path("grids/<int:grid_id>/assign", api.GridAssignView.as_view(), name="api-grid-assign"),
]
