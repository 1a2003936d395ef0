from django.urls import path

from jiesu.attachments import api, views

app_name = "attachments"

urlpatterns = [
    path("attachments/<int:pk>/<str:variant>/", views.download, name="file"),
    path("api/v1/attachments/<int:pk>", api.AttachmentDetailView.as_view(), name="api-detail"),
    path("api/v1/attachments/<int:pk>/delete", api.AttachmentDeleteView.as_view(), name="api-delete"),
]
