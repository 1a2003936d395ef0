from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from jiesu.ops.views import healthz

admin.site.site_header = "接诉即办平台 管理后台"
admin.site.site_title = "接诉即办平台"
admin.site.index_title = "参考数据与规则"

# Each app owns its URLs; the web app serves the pages at the root.
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin signs in through the platform's login (lockout, optional TOTP), never its own form.
    path("admin/login/", RedirectView.as_view(url="/login/?next=/admin/", query_string=False)),
    path("admin/", admin.site.urls),
    path("api/", include("jiesu.api.urls")),
    path("api/v1/", include("jiesu.dispatch.urls")),
    path("api/v1/", include("jiesu.assessment.urls")),
    path("api/v1/", include("jiesu.supervision.urls")),
    path("api/v1/", include("jiesu.grids.urls")),
    path("api/v1/", include("jiesu.hazards.urls")),
    path("hazards/", include("jiesu.hazards.urls_pages")),
    path("supervision/", include("jiesu.supervision.urls_pages")),
    path("grid/", include("jiesu.grids.urls_pages")),
    path("open311/v2/", include("jiesu.intake.urls")),
    path("", include("jiesu.attachments.urls")),
    path("api/v1/", include("jiesu.indicators.api_urls")),
    path("reports/", include("jiesu.reports.urls")),
    path("scorecard/", include("jiesu.indicators.urls")),
    path("insights/", include("jiesu.insights.urls")),
    path("inbox/", include("jiesu.notify.urls")),
    path("", include("jiesu.web.urls")),
]

handler400 = "jiesu.web.views.errors.bad_request"
handler403 = "jiesu.web.views.errors.permission_denied"
handler404 = "jiesu.web.views.errors.not_found"
handler500 = "jiesu.web.views.errors.server_error"
