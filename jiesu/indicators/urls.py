from django.urls import path

from jiesu.indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("comment/<int:comment_id>/progress/", views.report_progress, name="progress"),
    path("<str:month>/", views.board_page, name="board"),
    path("<str:month>/compute/", views.compute, name="compute"),
    path("<str:month>/<str:code>/", views.unit_page, name="unit"),
    path("<str:month>/<str:code>/comment/", views.record_comment, name="comment"),
]
