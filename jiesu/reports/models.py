"""Generated monthly review packs (月度工作点评): the files and who made them."""

from django.conf import settings
from django.db import models


class ReviewPack(models.Model):
    """One generation of a month's pack. Files live under MEDIA_ROOT/reports/<YYYY-MM>/<id>/;
    every generation is kept so that what was handed out at a meeting can be found again."""

    month = models.DateField("月份", db_index=True)
    rule_version = models.CharField("考评规则版本", max_length=32)
    published = models.BooleanField("基于已发布考评", default=False)
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    html_path = models.CharField("HTML文件", max_length=200)
    pdf_path = models.CharField("PDF文件", max_length=200)
    xlsx_path = models.CharField("Excel文件", max_length=200)
    pdf_pages = models.PositiveIntegerField("PDF页数", default=0)
    summary = models.JSONField("摘要", default=dict)

    class Meta:
        verbose_name = "月度点评材料"
        verbose_name_plural = "月度点评材料"
        ordering = ["-generated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} 月度点评（{self.generated_at:%Y-%m-%d %H:%M}）"

    def file_path(self, fmt: str) -> str:
        return {"html": self.html_path, "pdf": self.pdf_path, "xlsx": self.xlsx_path}[fmt]
