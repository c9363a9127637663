"""Default SLA policies, seeded from NORMS.md; every figure is data an admin can edit."""

from __future__ import annotations

from typing import Any

from telcodesk.calendar.rules import Unit

H, WD = Unit.CALENDAR_HOURS, Unit.WORKING_DAYS
BH = Unit.BUSINESS_HOURS

# code, name, norm, match fields, (response amount, unit), (resolution amount, unit)
DEFAULT_POLICIES: list[dict[str, Any]] = [
    {
        "code": "general",
        "name": "一般服务问题 48 小时",
        "norm": "T-1",
        "match": {},
        "response": (24, H),
        "resolution": (48, H),
    },
    {
        "code": "consultation",
        "name": "咨询 7×24 小时当日答复",
        "norm": "T-5",
        "match": {"match_type": "consultation"},
        "response": (2, H),
        "resolution": (24, H),
    },
    {
        "code": "complaint",
        "name": "投诉 24 小时响应、3 个工作日办结",
        "norm": "T-2",
        "match": {"match_type": "complaint"},
        "response": (24, H),
        "resolution": (3, WD),
    },
    {
        "code": "complaint-urgent",
        "name": "紧急投诉 4 小时响应、1 个工作日办结",
        "norm": "T-2, WO-3",
        "match": {"match_type": "complaint", "match_priority": "urgent"},
        "response": (4, H),
        "resolution": (1, WD),
    },
    {
        "code": "complaint-diamond",
        "name": "钻石卡客户投诉 12 小时响应、2 个工作日办结",
        "norm": "T-2, CC-2",
        "match": {"match_type": "complaint", "match_tier": "diamond"},
        "response": (12, H),
        "resolution": (2, WD),
    },
    {
        "code": "appeal",
        "name": "申诉 5 个工作日受理、30 日内办结",
        "norm": "T-6",
        "match": {"match_type": "appeal"},
        "response": (5, WD),
        "resolution": (720, H),
    },
    {
        "code": "fault-broadband",
        "name": "宽带故障 2 小时响应、24 小时修复",
        "norm": "T-1",
        "match": {"match_type": "fault", "match_category": "network.broadband"},
        "response": (2, H),
        "resolution": (24, H),
    },
    {
        "code": "fault-fixed",
        "name": "固话故障 4 小时响应、24 小时修复",
        "norm": "T-1",
        "match": {"match_type": "fault", "match_category": "network.fixed"},
        "response": (4, H),
        "resolution": (24, H),
    },
    {
        "code": "fault-mobile",
        "name": "移动网络故障 4 小时响应、48 小时处理",
        "norm": "T-1",
        "match": {"match_type": "fault", "match_category": "network"},
        "response": (4, H),
        "resolution": (48, H),
    },
    {
        "code": "transaction-hall",
        "name": "营业厅业务办理 8 营业小时",
        "norm": "T-3, T-4",
        "match": {"match_type": "transaction", "match_channel": "hall"},
        "response": (1, BH),
        "resolution": (8, BH),
    },
]
