from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jiesu.api import auth, views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("v1/auth/token", auth.ObtainTokenView.as_view(), name="api-token"),
    path("v1/auth/token/refresh", auth.RefreshTokenView.as_view(), name="api-token-refresh"),
    path("v1/auth/logout", auth.RevokeTokenView.as_view(), name="api-token-logout"),
    path("v1/orders", views.OrderListCreateView.as_view(), name="api-orders"),
    path("v1/orders/<int:order_id>", views.OrderDetailView.as_view(), name="api-order"),
    path("v1/orders/<int:order_id>/attachments", views.OrderAttachmentsView.as_view(), name="api-order-attachments"),
    path("v1/orders/<int:order_id>/actions/<str:action>", views.OrderActionView.as_view(), name="api-order-action"),
]
