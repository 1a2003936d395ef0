from django.contrib import admin

from jiesu.dispatch.models import Correction, DispatchSettings, Recommendation, RoutingMemory


@admin.register(DispatchSettings)
class DispatchSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "auto_dispatch_enabled", "confidence_threshold", "min_category_probability", "updated_at")

    def has_add_permission(self, request):
        return not DispatchSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ("order", "created_at", "category", "street", "lead_unit", "confidence", "auto_dispatched", "model_version")
    list_filter = ("auto_dispatched",)
    raw_id_fields = ("order",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("order", "kind", "at", "category", "street", "wrong_unit", "correct_unit", "reason")
    list_filter = ("kind",)
    raw_id_fields = ("order", "event")

    def has_add_permission(self, request):
        return False


@admin.register(RoutingMemory)
class RoutingMemoryAdmin(admin.ModelAdmin):
    list_display = ("version", "category_code", "street", "unit", "confirmed", "rejected")
    list_filter = ("version",)
    search_fields = ("category_code",)
