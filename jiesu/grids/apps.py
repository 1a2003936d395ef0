from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "jiesu.grids"
    label = "grids"
    verbose_name = "网格"

    def ready(self):
        from jiesu.attachments.owners import OwnerPolicy, register_owner
        from jiesu.grids import access
        from jiesu.grids.models import GridReport

        # A finding's photos follow who may see the finding; only the reporter removes them.
        register_owner(
            GridReport,
            OwnerPolicy(
                can_view=lambda user, report: access.can_view_report(user=user, report=report),
                can_delete=lambda user, report, attachment: report.reporter_id == user.pk,
            ),
        )

        from jiesu.grids.verification import target_for
        from jiesu.workorders.verification import register_target

        # 先行核实 is the order's action; the grid, its worker and the time limit are ours.
        register_target(target_for)

        from jiesu.grids.indicators import grid_closure
        from jiesu.indicators import providers

        # The scorecard's 网格事件办结率 (indicators does not import grids).
        providers.register("grid_closure", grid_closure)
