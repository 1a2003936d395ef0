from django.urls import path

from jiesu.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_read, name="mark_read"),
    path("settings/", views.preferences, name="settings"),
]
