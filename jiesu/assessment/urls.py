from django.urls import path

from jiesu.assessment import views

urlpatterns = [
    path("assessment/<str:month>", views.AssessmentMonthView.as_view(), name="api-assessment-month"),
]
