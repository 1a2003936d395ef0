from django.core.management.base import BaseCommand, CommandError

from jiesu.dispatch.routing import model as routing_model


class Command(BaseCommand):
    help = "训练派单模型（海口 12345 真实工单 + 类别树种子），写入 var/models/routing-<版本>.joblib"

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true", help="当前版本已存在时不训练")
        parser.add_argument(
            "--split",
            choices=["all", "time", "grouped"],
            default="all",
            help="all=全部海口工单（生产）；time=只用 2018-04 及以前；grouped=分组随机 80%%",
        )
        parser.add_argument("--limit", type=int, default=None, help="只用前 N 条海口工单（测试用）")

    def handle(self, *args, **opts):
        params = routing_model.RoutingParams(split=opts["split"], limit=opts["limit"])
        try:
            expected = routing_model.expected_version(params)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到训练数据：{exc.filename}（设置 JIESU_SHARED_DIR 指向 shared 目录）") from exc
        path = routing_model.models_dir() / f"routing-{expected}.joblib"
        if opts["if_missing"] and path.exists():
            (routing_model.models_dir() / "ROUTING_CURRENT").write_text(expected + "\n", encoding="utf-8")
            self.stdout.write(f"派单模型 {expected} 已存在")
            return
        manifest = routing_model.train(params=params)
        self.stdout.write(
            f"派单模型 {manifest['version']}：海口工单 {manifest['haikou_rows']} 条，训练行 {manifest['training_rows']}，"
            f"特征 {manifest['features']}，用时 {manifest['build_seconds']} 秒 → {manifest['path']}"
        )
