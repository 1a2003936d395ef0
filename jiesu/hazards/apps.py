from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "jiesu.hazards"
    label = "hazards"
    verbose_name = "企安安隐患排查"

    def ready(self):
        from jiesu.attachments.owners import OwnerPolicy, register_owner
        from jiesu.hazards.indicators import hazard_rectification
        from jiesu.hazards.models import Inspection
        from jiesu.indicators import providers

        # Inspection photos: every platform user may see them (no personal data of citizens);
        # only the uploader (the attachments app) or an admin removes them.
        register_owner(Inspection, OwnerPolicy(can_view=lambda user, inspection: bool(getattr(user, "role", ""))))
        providers.register("hazard_rectification", hazard_rectification)
