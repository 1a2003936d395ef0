from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "jiesu.supervision"
    label = "supervision"
    verbose_name = "督办"

    def ready(self):
        from jiesu.attachments.owners import OwnerPolicy, register_owner
        from jiesu.supervision import access
        from jiesu.supervision.models import ProgressReport

        # Evidence belongs to a progress report; who sees it follows who sees the item.
        register_owner(
            ProgressReport,
            OwnerPolicy(
                can_view=lambda user, report: access.can_view_item(user=user, item=report.item),
                can_delete=lambda user, report, attachment: access.can_delete_evidence(user=user, item=report.item),
                is_public=lambda report: report.item.is_public,
            ),
        )

        from jiesu.indicators import providers
        from jiesu.supervision.indicators import project_pool_completion

        # The scorecard's 民生项目池 indicator is computed here (indicators does not import supervision).
        providers.register("project_pool_completion", project_pool_completion)
