from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.dispatch.classifier import load_classifier
from jiesu.dispatch.classifier.model import TrainParams, train


class Command(BaseCommand):
    help = "从 tipdm2020c 标注数据训练诉求分类模型，写入 var/models/classifier-<版本>.joblib 及清单 JSON"

    def add_arguments(self, parser):
        defaults = TrainParams()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--C", type=float, default=defaults.C, help="线性 SVM 的正则化参数")
        parser.add_argument("--holdout-fold", type=int, default=defaults.holdout_fold,
                            help="留作测试的原始留言分组折号（0–4）")
        parser.add_argument("--use-all", action="store_true",
                            help="不留测试集，用全部数据训练（生产用；此时没有可信的留出评估）")
        parser.add_argument("--limit", type=int, default=None, help="每个文件只取约 N 行（测试用小模型）")
        parser.add_argument("--out-dir", default=None, help="输出目录，默认 var/models")
        parser.add_argument("--if-missing", action="store_true", help="已有当前模型时跳过")

    def handle(self, *args, **opts):
        if opts["if_missing"]:
            try:
                clf = load_classifier()
            except Exception:  # missing or unreadable: build a fresh one
                pass
            else:
                self.stdout.write(f"已有分类模型 {clf.version}，跳过训练")
                return
        params = TrainParams(seed=opts["seed"], C=opts["C"], holdout_fold=opts["holdout_fold"],
                             use_all=opts["use_all"], limit=opts["limit"])
        try:
            manifest = train(params=params, out_dir=Path(opts["out_dir"]) if opts["out_dir"] else None)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到训练数据：{exc.filename}") from exc
        load_classifier.cache_clear()
        t = manifest["training"]
        self.stdout.write(
            f"分类模型 {manifest['version']} 已保存到 {manifest['path']}（用时 {manifest['build_seconds']} 秒）\n"
            f"训练集：分词留言 {t['segmented_rows']} 条 + 原始留言 {t['raw_rows']} 条；"
            f"留出原始留言 {t['held_out_raw']} 条，为防泄漏剔除与之重复/近似的分词留言 {t['dropped_segmented']} 条；"
            f"停用词 {t['stop_words']} 个"
        )
        held = manifest["metrics"].get("held_out_raw")
        if held:
            self.stdout.write(
                f"留出原始留言：macro_f1={held['macro_f1']:.4f} accuracy={held['accuracy']:.4f} n={held['n']}"
                f"（文件 {manifest['held_out_file']}，可用 evaluate_dispatch 复核）"
            )
