from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.dispatch.classifier import data, load_classifier
from jiesu.dispatch.classifier.evaluation import read_labelled
from jiesu.dispatch.classifier.model import TrainParams, expected_version, train


class Command(BaseCommand):
    help = "从 tipdm2020c 标注数据训练诉求分类模型，写入 var/models/classifier-<版本>.joblib 及清单 JSON"

    def add_arguments(self, parser):
        defaults = TrainParams()
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--C", type=float, default=defaults.C, help="线性 SVM 的正则化参数")
        parser.add_argument("--word-weight", type=float, default=defaults.word_weight,
                            help="词 n 元特征块相对字 n 元特征块的权重")
        parser.add_argument("--holdout-fold", type=int, default=defaults.holdout_fold,
                            help="留作测试的原始留言分组折号（0–4）")
        parser.add_argument("--use-all", action="store_true",
                            help="不留测试集，用全部数据训练（生产用；此时没有可信的留出评估）")
        parser.add_argument("--limit", type=int, default=None, help="每个文件只取约 N 行（测试用小模型）")
        parser.add_argument("--out-dir", default=None, help="输出目录，默认 var/models")
        parser.add_argument("--extra-labels", metavar="FILE", default=None,
                            help="并入训练的纠正标签 CSV/XLSX（列 title,content,label，如 retrain_dispatch --export-labels 的输出）")
        parser.add_argument("--if-missing", action="store_true",
                            help="当前模型已由同样的数据与参数训练时跳过（数据或参数变了就重训）")

    def handle(self, *args, **opts):
        params = TrainParams(seed=opts["seed"], C=opts["C"], word_weight=opts["word_weight"],
                             holdout_fold=opts["holdout_fold"],
                             use_all=opts["use_all"], limit=opts["limit"])
        extra, extra_sha, extra_skipped = self._extra(opts["extra_labels"])
        if opts["if_missing"] and not opts["out_dir"] and not extra:
            try:
                current = load_classifier().version
            except Exception:  # missing or unreadable: build a fresh one
                current = None
            if current and current == expected_version(params):
                self.stdout.write(f"分类模型 {current} 已是最新，跳过训练")
                return
        try:
            manifest = train(params=params, out_dir=Path(opts["out_dir"]) if opts["out_dir"] else None,
                             extra=extra, extra_sha256=extra_sha)
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
        if extra:
            self.stdout.write(f"并入纠正标签 {len(extra[0])} 条（跳过 {extra_skipped} 条：文本为空或标签不在模型标签集内）")
        held = manifest["metrics"].get("held_out_raw")
        if held:
            self.stdout.write(
                f"留出原始留言：macro_f1={held['macro_f1']:.4f} accuracy={held['accuracy']:.4f} n={held['n']}"
                f"（文件 {manifest['held_out_file']}，可用 evaluate_dispatch 复核）"
            )

    def _extra(self, path: str | None):
        """(texts, labels), file hash and skipped count of the corrections file, or Nones."""
        if not path:
            return None, None, 0
        try:
            rows = read_labelled(Path(path), text_cols=["title", "content"], label_col="label",
                                 known_labels=data.label_set())
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        return (rows.texts, rows.labels), data.file_sha256(Path(path)), sum(rows.skipped.values())
