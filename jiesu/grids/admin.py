from django.contrib import admin

from jiesu.common.admin import ReadOnlyAdmin
from jiesu.grids.models import CheckIn, GridAssignment, GridReport

admin.site.register(GridAssignment, ReadOnlyAdmin)
admin.site.register(GridReport, ReadOnlyAdmin)
admin.site.register(CheckIn, ReadOnlyAdmin)
