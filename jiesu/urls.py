from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "接诉即办平台 管理后台"
admin.site.site_title = "接诉即办平台"
admin.site.index_title = "参考数据与规则"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("jiesu.api.urls")),
    path("", RedirectView.as_view(url="/api/docs/", permanent=False)),
]
