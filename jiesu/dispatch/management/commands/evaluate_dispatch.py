from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.dispatch.classifier import current_model_path, load_classifier
from jiesu.dispatch.classifier.evaluation import (
    SKIP_UNKNOWN_LABEL,
    format_report,
    read_labelled,
    score,
    summary_line,
)
from jiesu.dispatch.classifier.model import load
from jiesu.dispatch.management.prepare import ensure_model


class Command(BaseCommand):
    help = (
        "用当前分类模型评估任意带标签的 CSV/XLSX 文件（不训练）：输出各类别精确率/召回率/F1、混淆矩阵，"
        "最后一行为 macro_f1=… accuracy=… n=… skipped=…"
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV（utf-8 / gb18030）或 XLSX 文件")
        parser.add_argument("--text-cols", default="title,content", help="文本列，逗号分隔，按顺序拼接")
        parser.add_argument("--label-col", default="label", help="标签列")
        parser.add_argument("--model", default=None, help="模型文件路径，默认 var/models 中的当前模型")
        parser.add_argument(
            "--via-categories",
            action="store_true",
            help="改用派单模型：末级类别概率按其一级祖先对应的 7 个标签相加（类别树的 tipdm 字段）",
        )

    def handle(self, *args, **opts):
        text_cols = [c.strip() for c in opts["text_cols"].split(",") if c.strip()]
        if not text_cols:
            raise CommandError("--text-cols 至少需要一个列名")
        try:
            if opts["via_categories"]:
                from jiesu.dispatch.routing import current_model_path as routing_path
                from jiesu.dispatch.routing import load_routing_model
                from jiesu.dispatch.routing.model import TipdmView
                from jiesu.dispatch.routing.model import load as load_routing

                routing = (
                    load_routing(Path(opts["model"]))
                    if opts["model"]
                    else ensure_model(load=load_routing_model, train_command="train_routing", say=self.stderr.write)
                )
                clf = TipdmView(routing)
                opts["model"] = opts["model"] or str(routing_path())
            else:
                clf = (
                    load(Path(opts["model"]))
                    if opts["model"]
                    else ensure_model(load=load_classifier, train_command="train_classifier", say=self.stderr.write)
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except Exception as exc:  # missing, truncated or foreign file: unpickling fails in many ways
            raise CommandError(f"无法加载分类模型：{exc}") from exc
        try:
            rows = read_labelled(
                Path(opts["data"]), text_cols=text_cols, label_col=opts["label_col"].strip(), known_labels=clf.labels
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc

        source = opts["model"] or current_model_path()
        self.stdout.write(
            f"模型 {clf.version}（{source}）；文件 {opts['data']}"
            + (f"，编码 {rows.encoding}" if rows.encoding else "，Excel")
        )
        skipped = sum(rows.skipped.values())
        if skipped:
            reasons = "，".join(f"{reason} {n} 行" for reason, n in rows.skipped.most_common())
            self.stdout.write(f"跳过 {skipped} 行：{reasons}")
            if rows.unknown_labels:
                shown = "、".join(f"{label[:20]}×{n}" for label, n in rows.unknown_labels.most_common(10))
                self.stdout.write(f"  {SKIP_UNKNOWN_LABEL}的标签：{shown}（模型标签：{'、'.join(clf.labels)}）")
        if not rows.texts:
            raise CommandError(f"没有可评估的行（跳过 {skipped} 行）")
        scores = score(truth=rows.labels, pred=clf.predict(rows.texts), labels=clf.labels)
        self.stdout.write("\n".join(format_report(scores)))
        self.stdout.write(summary_line(scores, skipped))
