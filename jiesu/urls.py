from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "接诉即办平台 管理后台"
admin.site.site_title = "接诉即办平台"
admin.site.index_title = "参考数据与规则"

# Each app owns its URLs; the web app serves the pages at the root.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("jiesu.api.urls")),
    path("api/v1/", include("jiesu.dispatch.urls")),
    path("api/v1/", include("jiesu.assessment.urls")),
    path("api/v1/", include("jiesu.supervision.urls")),
    path("supervision/", include("jiesu.supervision.urls_pages")),
    path("open311/v2/", include("jiesu.intake.urls")),
    path("", include("jiesu.attachments.urls")),
    path("api/v1/", include("jiesu.indicators.api_urls")),
    path("reports/", include("jiesu.reports.urls")),
    path("scorecard/", include("jiesu.indicators.urls")),
    path("insights/", include("jiesu.insights.urls")),
    path("", include("jiesu.web.urls")),
]
