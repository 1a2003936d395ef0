"""Mounted at /api/v1/ (jiesu/urls.py)."""

from django.urls import path

from jiesu.dispatch import views

urlpatterns = [
    path("orders/<int:order_id>/recommendation", views.RecommendationView.as_view(), name="api-order-recommendation"),
    path("dispatch/return-rates", views.ReturnRatesView.as_view(), name="api-dispatch-return-rates"),
]
