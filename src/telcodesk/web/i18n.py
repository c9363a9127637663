"""Console texts: Chinese first, English second."""

from __future__ import annotations

from telcodesk.workorders.rules import Label

LANGS = ("zh", "en")

TEXTS: dict[str, Label] = {
    "app": Label("电信客服工单系统", "Carrier customer service"),
    "login": Label("登录", "Sign in"),
    "logout": Label("退出", "Sign out"),
    "username": Label("用户名", "Username"),
    "password": Label("密码", "Password"),
    "orders": Label("工单查询", "Orders"),
    "my_orders": Label("我的工单", "My orders"),
    "new_order": Label("受理登记", "New order"),
    "owned": Label("我首问的", "I own (first contact)"),
    "handling": Label("我处理的", "I handle"),
    "number": Label("工单号", "Number"),
    "type": Label("类型", "Type"),
    "channel": Label("渠道", "Channel"),
    "status": Label("状态", "Status"),
    "priority": Label("优先级", "Priority"),
    "subject": Label("标题", "Subject"),
    "description": Label("描述", "Description"),
    "category": Label("分类", "Category"),
    "customer": Label("客户", "Customer"),
    "customer_name": Label("客户姓名", "Customer name"),
    "phone": Label("联系电话", "Phone"),
    "tier": Label("客户等级", "Tier"),
    "city": Label("地市", "City"),
    "owner": Label("首问责任人", "First-contact owner"),
    "handler": Label("处理人", "Handler"),
    "created": Label("受理时间", "Registered"),
    "created_from": Label("受理起", "From"),
    "created_to": Label("受理止", "To"),
    "search": Label("搜索", "Search"),
    "free_text": Label("工单号/关键字", "Number / keyword"),
    "any": Label("全部", "Any"),
    "open_only": Label("仅未结", "Open only"),
    "filter": Label("筛选", "Filter"),
    "next_page": Label("下一页", "Next page"),
    "first_page": Label("第一页", "First page"),
    "no_orders": Label("没有符合条件的工单", "No matching orders"),
    "lookup": Label("查找客户", "Find customer"),
    "lookup_hint": Label(
        "输入电话号码查找客户；找不到时按新客户登记",
        "Enter a phone number; unknown numbers register a new customer",
    ),
    "new_customer": Label("新客户", "New customer"),
    "use_customer": Label("选用", "Use"),
    "resolve_now": Label("当场解决（咨询/查询）", "Resolved at once (consultation/query)"),
    "resolution": Label("答复内容", "Answer given"),
    "submit": Label("提交", "Submit"),
    "timeline": Label("处理轨迹", "Timeline"),
    "actions": Label("可执行操作", "Actions"),
    "no_actions": Label("工单已结束，无可执行操作", "The order is closed; no actions"),
    "no_actions_for_you": Label(
        "您与该工单的关系下暂无可执行操作", "Nothing here is yours to do on this order now"
    ),
    "acting_as": Label("您的身份", "You act as"),
    "in_hand": Label("在手", "in hand"),
    "away": Label("暂停接单", "away"),
    "no_candidates": Label("没有可接单的人员", "Nobody who can take it"),
    "search_name": Label("按姓名搜索", "Search by name"),
    "unit_queue": Label("本单位待领", "My unit's queue"),
    "reason": Label("原因", "Reason"),
    "message": Label("给客户的答复/说明", "Text for the customer"),
    "add_note": Label("添加备注", "Add note"),
    "note_internal": Label("内部备注", "Internal note"),
    "note_progress": Label("进度告知客户", "Progress told to customer"),
    "validity": Label("有效性", "Validity"),
    "valid": Label("有效", "Valid"),
    "invalid": Label("无效", "Invalid"),
    "escalation": Label("升级级别", "Escalation level"),
    "reopened": Label("重开次数", "Reopened"),
    "version": Label("版本", "Version"),
    "details": Label("工单详情", "Order details"),
    "demo_hint": Label("演示账号见启动日志", "Demo accounts are printed at start-up"),
    "choose": Label("请选择", "Choose"),
    "none": Label("无", "None"),
    "time_left": Label("剩余时限", "Time left"),
    "clock_response": Label("首次响应", "First response"),
    "clock_resolution": Label("办结时限", "Resolution"),
    "due": Label("截止", "due"),
    "extend_by": Label("延长(按时限单位)", "Extend by (clock's unit)"),
    "at_risk": Label("预警与超时", "At risk / breached"),
    "sla_policies": Label("时限标准", "SLA policies"),
    "calendar": Label("工作日历", "Calendar"),
    "no_at_risk": Label("没有预警或超时的工单", "No order at risk"),
}


def text(key: str, lang: str) -> str:
    label = TEXTS.get(key)
    if label is None:
        return key
    return label.zh if lang == "zh" else label.en


def pick(label: Label, lang: str) -> str:
    return label.zh if lang == "zh" else label.en
