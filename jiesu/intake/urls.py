"""Open311 GeoReport v2 at /open311/v2/: each resource with an optional .xml/.json suffix."""

from django.urls import re_path

from jiesu.intake.open311 import views

_FMT = r"(?:\.(?P<fmt>json|xml))?$"

urlpatterns = [
    re_path(r"^discovery" + _FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + _FMT, views.service_list, name="open311-services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + _FMT, views.service_definition, name="open311-service"),
    re_path(r"^requests" + _FMT, views.service_requests, name="open311-requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + _FMT, views.service_request, name="open311-request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + _FMT, views.token, name="open311-token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
