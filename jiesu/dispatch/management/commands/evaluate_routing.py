from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.dispatch import router
from jiesu.dispatch.classifier.evaluation import _pad, _width
from jiesu.dispatch.management.prepare import ensure_database, ensure_model
from jiesu.dispatch.routing import current_model_path, load_routing_model
from jiesu.dispatch.routing.evaluation import (
    SKIP_UNMAPPED,
    Predicted,
    read_rows,
    score,
    summary_line,
    unused_unit_patterns,
)
from jiesu.dispatch.routing.maps import LOCAL, read_unit_map
from jiesu.dispatch.routing.model import load
from jiesu.dispatch.routing.propose import propose
from jiesu.org.models import LOCAL_KINDS, Unit


def predicted(choice, *, units: dict[int, Unit]) -> Predicted:
    if choice.unit_id is None:
        return Predicted(code="", name=choice.name, short_name=LOCAL, local=True)
    unit = units[choice.unit_id]
    return Predicted(code=unit.code, name=unit.name, short_name=unit.short_name, local=unit.kind in LOCAL_KINDS)


class Command(BaseCommand):
    help = (
        "用当前派单模型评估承办单位推荐（只看文本，地点未知）：输入 CSV/XLSX 与单位对照表 MAP.yaml，"
        "输出各单位精确率/召回率，最后一行为 top1=… top3=… macro_f1=… abstain=… n=… skipped=…"
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV（utf-8 / gb18030）或 XLSX 文件")
        parser.add_argument("--text-cols", required=True, help="文本列，逗号分隔，按顺序拼接")
        parser.add_argument("--unit-col", required=True, help="实际承办单位列")
        parser.add_argument("--unit-map", required=True, help="单位对照表 YAML：[{pattern, units: [正则…]}]")
        parser.add_argument("--model", default=None, help="派单模型文件，默认 var/models 中的当前模型")

    def handle(self, *args, **opts):
        text_cols = [c.strip() for c in opts["text_cols"].split(",") if c.strip()]
        if not text_cols:
            raise CommandError("--text-cols 至少需要一个列名")
        try:
            unit_map = read_unit_map(Path(opts["unit_map"]))
            rows = read_rows(
                Path(opts["data"]), text_cols=text_cols, unit_col=opts["unit_col"].strip(), unit_map=unit_map
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        say = self.stderr.write
        ensure_database(say=say)
        try:
            if opts["model"]:
                model = load(Path(opts["model"]))
            else:
                model = ensure_model(load=load_routing_model, train_command="train_routing", say=say)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        except Exception as exc:  # a truncated or foreign file fails to unpickle in many ways
            raise CommandError(f"无法加载派单模型：{exc}") from exc
        data = router.cache.get()
        if not data.rules or not data.units:
            raise CommandError("数据库中没有单位或权责清单，请先运行 python manage.py load_reference")
        units = dict(data.units)
        source = opts["model"] or current_model_path()
        self.stdout.write(
            f"派单模型 {model.version}（{source}）；文件 {opts['data']}"
            + (f"，编码 {rows.encoding}" if rows.encoding else "，Excel")
        )
        unused = unused_unit_patterns(unit_map, [predicted_unit(u) for u in units.values()])
        if unused:
            self.stdout.write(f"对照表中有 {len(unused)} 个单位正则不匹配任何单位：{'、'.join(unused[:20])}")
        skipped = sum(rows.skipped.values())
        if skipped:
            self.stdout.write("跳过 " + "，".join(f"{r} {n} 行" for r, n in rows.skipped.most_common()))
            if rows.unmapped:
                shown = "、".join(f"{name[:30]}×{n}" for name, n in rows.unmapped.most_common(15))
                self.stdout.write(f"  {SKIP_UNMAPPED}的单位（{len(rows.unmapped)} 个）：{shown}")
        if not rows.texts:
            raise CommandError(f"没有可评估的行（跳过 {skipped} 行）")
        predictions = []
        for text in rows.texts:
            result = propose(text=text, street=None, model=model, data=data)
            predictions.append(None if result.abstained else [predicted(u, units=units) for u in result.units])
        scores = score(rows=rows, predictions=predictions)
        width = max(_width(lab) for lab, *_ in scores.per_unit) + 2
        self.stdout.write("各单位指标：")
        self.stdout.write(_pad("单位", width) + "   精确率   召回率     F1   样本数")
        for label, p, r, f, s in scores.per_unit:
            self.stdout.write(_pad(label, width) + f"{p:>9.4f}{r:>9.4f}{f:>7.4f}{s:>9d}")
        self.stdout.write(summary_line(scores, skipped))


def predicted_unit(unit: Unit) -> Predicted:
    return Predicted(code=unit.code, name=unit.name, short_name=unit.short_name, local=unit.kind in LOCAL_KINDS)
