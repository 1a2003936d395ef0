"""Who may open which page, and where each role lands after login."""

from jiesu.org.access import role_required  # noqa: F401  (the pages' one rule; web views import it from here)
from jiesu.org.models import Role

HOME_BY_ROLE = {
    Role.AGENT: "web:intake",
    Role.DISPATCHER: "web:console",
    Role.CALLBACK_AGENT: "web:callback",
    Role.HANDLER: "web:workbench",
    Role.UNIT_LEADER: "web:workbench",
    Role.DISTRICT_LEADER: "web:overview",
    Role.AUDITOR: "web:orders",
    Role.ADMIN: "web:console",
    Role.GRID_WORKER: "grids:mobile",
}

# The navigation each role sees: (url name, label).
NAV_BY_ROLE = {
    Role.GRID_WORKER: [("grids:mobile", "我的网格"), ("hazards:index", "企安安")],
    Role.AGENT: [("web:intake", "热线受理"), ("web:orders", "工单查询")],
    Role.DISPATCHER: [
        ("web:console", "派单台"),
        ("web:intake", "热线受理"),
        ("web:redo", "重办"),
        ("web:escalations", "提级响应"),
        ("web:whistle", "吹哨报到"),
        ("web:orders", "工单查询"),
        ("supervision:index", "督办"),
    ],
    Role.CALLBACK_AGENT: [("web:callback", "回访"), ("web:redo", "重办"), ("web:orders", "工单查询")],
    Role.HANDLER: [
        ("web:workbench", "承办工作台"),
        ("web:orders", "本单位工单"),
        ("web:whistle", "吹哨报到"),
        ("web:escalations", "提级响应"),
        ("supervision:index", "督办事项"),
    ],
    Role.UNIT_LEADER: [
        ("web:workbench", "承办工作台"),
        ("web:orders", "本单位工单"),
        ("web:whistle", "吹哨报到"),
        ("web:escalations", "提级响应"),
        ("supervision:index", "督办事项"),
        ("indicators:mine", "本单位评分卡"),
    ],
    Role.DISTRICT_LEADER: [
        ("web:overview", "运行总览"),
        ("reports:index", "报表"),
        ("web:escalations", "提级响应"),
        ("web:whistle", "吹哨报到"),
        ("indicators:index", "月度点评评分卡"),
        ("web:orders", "工单查询"),
        ("supervision:index", "督办"),
        ("hazards:index", "企安安"),
    ],
    Role.AUDITOR: [
        ("web:orders", "工单查询"),
        ("web:overview", "运行总览"),
        ("reports:index", "报表"),
        ("supervision:index", "督办"),
        ("indicators:index", "月度点评评分卡"),
    ],
    Role.ADMIN: [
        ("web:console", "派单台"),
        ("web:intake", "热线受理"),
        ("web:callback", "回访"),
        ("web:redo", "重办"),
        ("web:escalations", "提级响应"),
        ("web:whistle", "吹哨报到"),
        ("web:overview", "运行总览"),
        ("indicators:index", "月度点评评分卡"),
        ("web:orders", "工单查询"),
        ("supervision:index", "督办"),
    ],
}
