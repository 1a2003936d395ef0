"""Who read unmasked personal data of which order, when, through which page or API."""

from django.conf import settings
from django.db import models


class PersonalDataAccess(models.Model):
    # The order by id and number, not a foreign key: this app depends on no other (org aside), and
    # the log outlives any order.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="查看人", on_delete=models.PROTECT, related_name="+"
    )
    order_id = models.BigIntegerField("工单ID", db_index=True)
    order_number = models.CharField("工单编号", max_length=32)
    fields = models.CharField("查看内容", max_length=200)
    channel = models.CharField("途径", max_length=200)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.order_number} · {self.at:%Y-%m-%d %H:%M}"
