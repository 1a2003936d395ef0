from django.urls import path

from jiesu.hazards import api

urlpatterns = [
    path("hazards", api.HazardListView.as_view(), name="api-hazards"),
    path("hazards/enterprises", api.EnterpriseListCreateView.as_view(), name="api-hazard-enterprises"),
    path("hazards/checklists", api.ChecklistsView.as_view(), name="api-hazard-checklists"),
    path("hazards/inspections", api.InspectionCreateView.as_view(), name="api-hazard-inspections"),
    path("hazards/<int:hazard_id>", api.HazardDetailView.as_view(), name="api-hazard"),
    path("hazards/<int:hazard_id>/actions/<str:action>", api.HazardActionView.as_view(), name="api-hazard-action"),
]
