from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from jiesu.org.models import (
    Community,
    Grid,
    GridLayer,
    PropertyCompany,
    PropertyProject,
    ResponsibilityRule,
    Unit,
    User,
)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name", "kind", "sector", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "short_name")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "street")
    list_filter = ("street",)
    search_fields = ("name",)


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "layer", "street", "is_derived")
    list_filter = ("layer", "street", "is_derived")
    search_fields = ("code", "name")


@admin.register(GridLayer)
class GridLayerAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "owner", "is_derived")
    list_filter = ("kind", "is_derived")


class PropertyProjectInline(admin.TabularInline):
    model = PropertyProject
    extra = 0


@admin.register(PropertyCompany)
class PropertyCompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code")
    search_fields = ("name",)
    inlines = [PropertyProjectInline]


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin):
    list_display = ("category_code", "street", "lead_unit", "priority", "basis", "is_active")
    list_filter = ("is_active", "lead_unit")
    search_fields = ("category_code", "basis")
    filter_horizontal = ("assisting_units",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "unit", "is_active")
    list_filter = ("role", "unit__kind")
    fieldsets = (*BaseUserAdmin.fieldsets, ("接诉即办", {"fields": ("display_name", "role", "unit")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("接诉即办", {"fields": ("display_name", "role", "unit")}))
