from django.urls import path

from jiesu.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("items/<int:item_id>/", views.item, name="item"),
    path("items/<int:item_id>/act/<str:action>/", views.act, name="act"),
    path("proactive/", views.proactive_list, name="proactive"),
    path("assistance/", views.assistance_page, name="assistance"),
    path("assistance/new/", views.assistance_create, name="assistance_create"),
    path("meetings/", views.meetings_page, name="meetings"),
    path("meetings/act/<str:action>/", views.meeting_act, name="meeting_act"),
    path("public/", views.public, name="public"),
    path("public/<int:item_id>/", views.public_item, name="public_item"),
]
