from django.urls import path

from jiesu.grids import views

app_name = "grids"

urlpatterns = [
    path("", views.mobile, name="mobile"),
    path("report/", views.submit_report, name="report"),
    path("findings/<int:report_id>/close/", views.close_finding, name="close_finding"),
    path("orders/<int:order_id>/checkin/", views.check_in, name="check_in"),
    path("orders/<int:order_id>/verify/", views.answer_verification, name="answer_verification"),
    path("map/layers.json", views.map_layers, name="map_layers"),
]
