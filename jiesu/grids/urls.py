from django.urls import path

from jiesu.grids import api

urlpatterns = [
    path("grids", api.GridListCreateView.as_view(), name="api-grids"),
    path("grids/<int:grid_id>/assign", api.GridAssignView.as_view(), name="api-grid-assign"),
    path("orders/<int:order_id>/verification", api.VerificationView.as_view(), name="api-order-verification"),
    path(
        "orders/<int:order_id>/verification/answer",
        api.VerificationAnswerView.as_view(),
        name="api-order-verification-answer",
    ),
]
