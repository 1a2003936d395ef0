"""Enter a year's State Council holiday notice from a table: `manage.py load_calendar 2027.csv
--year 2027 --notice "国办发明电〔2026〕…号"`. Nothing is written unless the whole file is right."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiesu.common.errors import InvalidInput
from jiesu.worktime.notice import NoticeError, read_notice
from jiesu.worktime.services import enter_year


class Command(BaseCommand):
    help = "录入某年的国务院节假日安排（CSV/XLSX：日期, 类型[放假/上班], 名称），录入后该年视为官方日历"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--notice", default="", help="通知文号或标题")

    def handle(self, *args, file: str, year: int, notice: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            parsed = read_notice(content=path.read_bytes(), filename=path.name)
            enter_year(year=year, holidays=parsed.holidays, makeup_workdays=parsed.makeup_workdays, notice=notice)
        except NoticeError as error:
            raise CommandError("\n".join(["节假日安排文件有误，未写入任何内容："] + error.problems)) from None
        except InvalidInput as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"已录入 {year} 年：放假 {len(parsed.holidays)} 天，调休上班 {len(parsed.makeup_workdays)} 天；"
            "依赖推算日历的期限将自动重算。"
        )
