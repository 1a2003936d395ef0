"""Who is who and where: units (district, streets/towns, departments, the command centre),
communities, grids, property companies and their projects, users with one role each, and the
responsibility list (权责清单)."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class UnitKind(models.TextChoices):
    DISTRICT = "district", "区"
    CENTRE = "centre", "接诉即办指挥部"
    STREET = "street", "街道"
    TOWN = "town", "镇"
    DEPARTMENT = "department", "区直部门"
    ENTERPRISE = "enterprise", "公共服务企业"
    CITY_RETURN = "city_return", "退回市级"  # an outcome, not a handling unit: back to the city 12345 centre


# Streets and towns are both 属地 (local owners) and are ranked together.
LOCAL_KINDS = (UnitKind.STREET, UnitKind.TOWN)


class Role(models.TextChoices):
    AGENT = "agent", "受理员"
    DISPATCHER = "dispatcher", "派单员"
    CALLBACK_AGENT = "callback_agent", "回访员"
    HANDLER = "handler", "承办人"
    UNIT_LEADER = "unit_leader", "单位领导"
    DISTRICT_LEADER = "district_leader", "区领导"
    AUDITOR = "auditor", "审计员"
    ADMIN = "admin", "系统管理员"
    GRID_WORKER = "grid_worker", "网格员"


# Roles whose scope is their own unit's orders; every other role works for the whole district.
# A grid worker belongs to the unit that owns the grid layer (a street, or a department such as 城管执法).
UNIT_ROLES = (Role.HANDLER, Role.UNIT_LEADER, Role.GRID_WORKER)


class Unit(models.Model):
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64, unique=True)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sector = models.CharField("主管领域", max_length=200, blank=True, help_text="部门主管的行业领域，逗号分隔")
    boundary = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_local(self) -> bool:
        return self.kind in LOCAL_KINDS


class Community(models.Model):
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    street = models.ForeignKey(Unit, verbose_name="所属街镇", on_delete=models.PROTECT, related_name="communities")
    boundary = models.JSONField("边界(GeoJSON)", null=True, blank=True)

    class Meta:
        verbose_name = "社区(村)"
        verbose_name_plural = "社区(村)"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.street.name}/{self.name}"


class GridLayerKind(models.TextChoices):
    COMMUNITY = "community", "属地社区网格"
    DEPARTMENT = "department", "部门专业网格"


class GridLayer(models.Model):
    """A set of grids owned by one unit: a street's community grids, or a department's own layer
    (e.g. 城管执法's 54 grids). Grids of different layers overlap; within a layer they should not."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=16, choices=GridLayerKind.choices)
    owner = models.ForeignKey(Unit, verbose_name="所属单位", on_delete=models.PROTECT, related_name="grid_layers")
    is_derived = models.BooleanField("推算(非官方)", default=False, help_text="由公开数据推算的演示边界，不是官方网格")
    source = models.CharField("来源", max_length=300, blank=True)

    class Meta:
        verbose_name = "网格图层"
        verbose_name_plural = "网格图层"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    layer = models.ForeignKey(
        GridLayer, verbose_name="图层", null=True, blank=True, on_delete=models.PROTECT, related_name="grids"
    )
    # Community grids lie in one street; a department's grid may cross streets (then empty).
    street = models.ForeignKey(
        Unit, verbose_name="所属街镇", null=True, blank=True, on_delete=models.PROTECT, related_name="grids"
    )
    inspector = models.CharField("网格员(旧文本)", max_length=32, blank=True)
    boundary = models.JSONField("边界(GeoJSON)", null=True, blank=True)
    is_derived = models.BooleanField("推算(非官方)", default=False)

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PropertyCompany(models.Model):
    credit_code = models.CharField("统一社会信用代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=128)

    class Meta:
        verbose_name = "物业企业"
        verbose_name_plural = "物业企业"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PropertyProject(models.Model):
    company = models.ForeignKey(
        PropertyCompany, verbose_name="物业企业", on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField("项目(小区)", max_length=128)
    street = models.ForeignKey(Unit, verbose_name="所属街镇", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)

    class Meta:
        verbose_name = "物业项目"
        verbose_name_plural = "物业项目"
        unique_together = [("company", "name")]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    unit = models.ForeignKey(
        Unit, verbose_name="所属单位", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField("姓名", max_length=32, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_unit_scoped(self) -> bool:
        return self.role in UNIT_ROLES


class ResponsibilityRule(models.Model):
    """One row of the 权责清单: a category (and optionally a place) → who leads, who assists.

    `lead_unit` empty means "the local street/town of the order's place" (属地)."""

    category_code = models.CharField("类别编码(前缀)", max_length=32, db_index=True)
    street = models.ForeignKey(
        Unit, verbose_name="限定街镇", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示由属地街镇主办",
    )
    assisting_units = models.ManyToManyField(Unit, verbose_name="协办单位", blank=True, related_name="+")
    local_assists = models.BooleanField("属地街镇协办", default=False)
    priority = models.IntegerField("优先级", default=0)
    basis = models.CharField("依据", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "权责清单条目"
        verbose_name_plural = "权责清单"
        ordering = ["-priority", "category_code"]

    def __str__(self) -> str:
        lead = self.lead_unit.name if self.lead_unit_id else "属地街镇"
        return f"{self.category_code} → {lead}"
