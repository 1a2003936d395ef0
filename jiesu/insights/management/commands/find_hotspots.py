import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import DomainError
from jiesu.insights import tablefiles
from jiesu.insights.hotspots import HotspotParams, Message, find_hotspots

OUT_COLUMNS = ["rank", "heat", "size", "first_at", "last_at", "place", "title", "member_ids"]
# Column names that say "who asked" and "how many others backed it", when not given explicitly.
CALLER_HINTS = ("留言用户", "诉求人", "来电号码", "联系电话", "手机", "用户", "caller", "phone", "user")
SUPPORT_HINTS = ("点赞", "likes", "支持数", "votes")


class Command(BaseCommand):
    help = (
        "在任意 CSV/XLSX 诉求文件中找热点（同一地点同一问题的集中诉求），按热度排序写出 OUT.csv："
        "rank,heat,size,first_at,last_at,place,title,member_ids（成员编号以;分隔）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="CSV（utf-8 / gb18030）或 XLSX 文件")
        parser.add_argument("--text-cols", required=True, help="文本列，逗号分隔；第一列作标题，其余作正文")
        parser.add_argument("--time-col", required=True, help="时间列")
        parser.add_argument("--id-col", required=True, help="编号列")
        parser.add_argument("--place-col", default="", help="地点/地址列（可选；缺省时从文本中识别地名）")
        parser.add_argument("--weight-col", default="", help="支持数列（点赞、联名、合并的重复件；可选）")
        parser.add_argument("--caller-col", default="", help="诉求人列（可选；缺省时按列名识别，如“留言用户”）")
        parser.add_argument("--top", type=int, default=20, help="写出前 N 个热点")
        parser.add_argument("--out", required=True, help="输出 CSV 路径")
        parser.add_argument("--window-days", type=float, default=None, help="同一热点成员的最大时间间隔（天）")
        parser.add_argument("--distance", type=float, default=None, help="聚类距离阈值（默认0.88）")

    def handle(self, *args, **opts):
        if opts["top"] < 1:
            raise CommandError("--top 必须是正整数")
        text_cols = [c.strip() for c in opts["text_cols"].split(",") if c.strip()]
        if not text_cols:
            raise CommandError("--text-cols 至少需要一个列名")
        try:
            params = HotspotParams(
                window_days=opts["window_days"],
                **({"distance": opts["distance"]} if opts["distance"] is not None else {}),
            )
            messages = self._messages(opts, text_cols)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        found = find_hotspots(messages, params=params, limit=opts["top"])
        top = found
        out = Path(opts["out"])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(OUT_COLUMNS)
                for spot in top:
                    writer.writerow(
                        [
                            spot.rank,
                            f"{spot.heat:.2f}",
                            spot.size,
                            spot.first_at.strftime("%Y-%m-%d %H:%M:%S"),
                            spot.last_at.strftime("%Y-%m-%d %H:%M:%S"),
                            spot.place,
                            spot.title,
                            ";".join(spot.member_ids),
                        ]
                    )
        except OSError as exc:
            raise CommandError(f"无法写出 {out}：{exc.strerror}") from exc
        self.stdout.write(f"{len(messages)} 条诉求；热度前 {len(top)} 的热点写入 {out}")
        for spot in top:
            self.stdout.write(
                f"{spot.rank:>3}  热度{spot.heat:>7.1f}  {spot.size:>4}条/{spot.callers}人  "
                f"{spot.first_at:%Y-%m-%d}~{spot.last_at:%Y-%m-%d}  {spot.place or '—'}  {spot.title}"
            )

    def _messages(self, opts, text_cols: list[str]) -> list[Message]:
        optional = [opts["place_col"], opts["weight_col"], opts["caller_col"]]
        table = tablefiles.read(
            opts["data"], required=[*text_cols, opts["time_col"], opts["id_col"]], optional=optional
        )
        caller_col = opts["caller_col"] or tablefiles.guess_column(
            [h for h in table.header if h not in (opts["id_col"], *text_cols)], CALLER_HINTS
        )
        weight_col = opts["weight_col"] or tablefiles.guess_column(table.header, SUPPORT_HINTS)
        if caller_col and not opts["caller_col"]:
            self.stdout.write(f"诉求人取自列“{caller_col}”（按列名识别；--caller-col 可另行指定）")
        if weight_col and not opts["weight_col"]:
            self.stdout.write(f"支持数取自列“{weight_col}”（按列名识别；--weight-col 可另行指定）")
        times = tablefiles.times(table, opts["time_col"])
        ids = table.values(opts["id_col"])
        support = tablefiles.numbers(table, weight_col) if weight_col else [0.0] * len(ids)
        callers = table.values(caller_col) if caller_col else [""] * len(ids)
        places = table.values(opts["place_col"]) if opts["place_col"] else [""] * len(ids)
        columns = [table.values(c) for c in text_cols]
        messages = []
        for i, message_id in enumerate(ids):
            body = "\n".join(col[i] for col in columns[1:] if col[i])
            messages.append(
                Message(
                    id=message_id or f"第{i + 2}行",
                    title=columns[0][i],
                    body=body,
                    at=times[i],
                    place=places[i],
                    caller=callers[i],
                    support=support[i],
                )
            )
        return messages
