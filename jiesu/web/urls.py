from django.urls import path

from jiesu.web.views import auth, callback, citizen, console, intake, orders, overview, workbench, workflow

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("intake/", intake.intake, name="intake"),
    path("intake/hints/", intake.duplicate_hints, name="intake_hints"),
    path("intake/projects/", intake.project_options, name="intake_projects"),
    path("intake/project-proposal/", intake.project_proposal, name="intake_project_proposal"),
    path("intake/categories/", intake.category_options, name="intake_categories"),
    path("intake/category-proposal/", intake.category_proposal, name="intake_category_proposal"),
    path("console/", console.console, name="console"),
    path("console/counters/", console.counters, name="console_counters"),
    path("console/bulk-dispatch/", console.bulk_dispatch, name="bulk_dispatch"),
    path("workbench/", workbench.workbench, name="workbench"),
    path("callback/", callback.callback_queue, name="callback"),
    path("callback/<int:order_id>/", callback.record_callback, name="callback_record"),
    path("redo/", callback.redo_queue, name="redo"),
    path("escalations/", workflow.escalations, name="escalations"),
    path("whistle/", workflow.whistle, name="whistle"),
    path("redo/<int:order_id>/", callback.redo, name="redo_order"),
    path("overview/", overview.overview, name="overview"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:order_id>/", orders.order_detail, name="order"),
    path("orders/<int:order_id>/edit/", orders.order_edit, name="order_edit"),
    path("orders/<int:order_id>/attachments/", orders.order_attachments, name="order_attachments"),
    path("orders/<int:order_id>/act/<str:action>/", orders.order_action, name="order_action"),
    path("citizen/", citizen.citizen_home, name="citizen"),
    path("citizen/submit/", citizen.citizen_submit, name="citizen_submit"),
    path("citizen/track/", citizen.citizen_track, name="citizen_track"),
    path("citizen/track/sms/", citizen.citizen_sms_code, name="citizen_sms_code"),
    path("citizen/rate/", citizen.citizen_rate, name="citizen_rate"),
    path("citizen/outline.geojson", citizen.district_outline, name="district_outline"),
]
