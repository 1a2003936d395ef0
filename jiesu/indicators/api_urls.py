from django.urls import path

from jiesu.indicators import api

urlpatterns = [
    path("indicators", api.IndicatorValuesView.as_view(), name="api-indicators"),
    path("indicators/catalogue", api.CatalogueView.as_view(), name="api-indicator-catalogue"),
]
