from django.urls import path

from jiesu.supervision import api

# Mounted at api/v1/ (jiesu/urls.py); the pages are in urls_pages.py.
urlpatterns = [
    path("supervision/items", api.ItemListCreateView.as_view(), name="api-supervision-items"),
    path("supervision/items/<int:item_id>", api.ItemDetailView.as_view(), name="api-supervision-item"),
    path("supervision/items/<int:item_id>/progress", api.ProgressView.as_view(), name="api-supervision-progress"),
    path(
        "supervision/items/<int:item_id>/milestones",
        api.MilestoneCreateView.as_view(),
        name="api-supervision-milestones",
    ),
    path(
        "supervision/items/<int:item_id>/milestones/<int:milestone_id>/reschedule",
        api.MilestoneRescheduleView.as_view(),
        name="api-supervision-reschedule",
    ),
    path(
        "supervision/items/<int:item_id>/actions/<str:action>",
        api.ItemActionView.as_view(),
        name="api-supervision-action",
    ),
    path("supervision/rollups", api.RollupView.as_view(), name="api-supervision-rollups"),
    path("supervision/public/items", api.PublicItemListView.as_view(), name="api-supervision-public"),
]
