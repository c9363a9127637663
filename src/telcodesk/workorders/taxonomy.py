"""Starting category tree (NORMS.md "A starting category tree"; industry practice, editable data).

Each entry: (code, 中文, English, children). Codes are stable keys for integrations.
"""

from __future__ import annotations

from collections.abc import Iterator

Node = tuple[str, str, str, list["Node"]]


def _leaves(prefix: str, items: list[tuple[str, str, str]]) -> list[Node]:
    return [(f"{prefix}.{code}", zh, en, []) for code, zh, en in items]


CATEGORY_TREE: list[Node] = [
    (
        "network",
        "网络质量",
        "Network quality",
        [
            (
                "network.coverage",
                "信号覆盖",
                "Signal coverage",
                _leaves(
                    "network.coverage",
                    [
                        ("no_signal", "无信号", "No signal"),
                        ("weak_signal", "弱信号", "Weak signal"),
                    ],
                ),
            ),
            (
                "network.call",
                "通话质量",
                "Call quality",
                _leaves(
                    "network.call",
                    [
                        ("dropped", "掉话", "Dropped calls"),
                        ("noise", "杂音", "Noise"),
                        ("one_way", "单通", "One-way audio"),
                    ],
                ),
            ),
            (
                "network.data",
                "移动上网",
                "Mobile data",
                _leaves(
                    "network.data",
                    [("slow", "网速慢", "Slow data"), ("no_access", "无法上网", "No data access")],
                ),
            ),
            (
                "network.broadband",
                "宽带故障",
                "Broadband fault",
                _leaves(
                    "network.broadband",
                    [
                        ("no_access", "无法上网", "No access"),
                        ("drops", "频繁掉线", "Frequent drops"),
                        ("speed", "速率不达标", "Speed below contract"),
                    ],
                ),
            ),
            ("network.fixed", "固话故障", "Fixed-line fault", []),
        ],
    ),
    (
        "billing",
        "计费争议",
        "Billing dispute",
        _leaves(
            "billing",
            [
                ("charges", "话费异议", "Disputed charges"),
                ("data_fees", "流量费用异议", "Disputed data fees"),
                ("plan_mismatch", "套餐资费与宣传不符", "Plan differs from advertised"),
                ("uninformed", "扣费未告知", "Charged without notice"),
                ("suspension", "欠费停机争议", "Suspension for arrears disputed"),
                ("invoice", "发票问题", "Invoice problem"),
            ],
        ),
    ),
    (
        "vas",
        "增值业务",
        "Value-added services",
        _leaves(
            "vas",
            [
                ("unsolicited", "未经同意订购", "Subscribed without consent"),
                ("unsubscribe", "退订困难", "Hard to unsubscribe"),
                ("sp_charges", "第三方(SP)扣费", "Third-party (SP) charges"),
            ],
        ),
    ),
    (
        "transaction",
        "业务办理",
        "Transactions",
        _leaves(
            "transaction",
            [
                ("failed", "办理失败", "Transaction failed"),
                ("slow", "办理超时", "Transaction too slow"),
                ("porting", "携号转网受阻", "Number porting blocked"),
                ("cancel", "销户困难", "Hard to cancel account"),
                ("plan_change", "套餐变更受阻", "Plan change blocked"),
            ],
        ),
    ),
    (
        "service",
        "服务质量",
        "Service quality",
        _leaves(
            "service",
            [
                ("attitude", "服务态度", "Staff attitude"),
                ("hall_queue", "营业厅排队过长", "Long hall queue"),
                ("hotline", "热线难接通", "Hotline hard to reach"),
                ("promise", "承诺未兑现", "Promise not kept"),
                ("overdue", "工单处理超时", "Order handled too late"),
            ],
        ),
    ),
    (
        "marketing",
        "营销宣传",
        "Marketing",
        [
            ("marketing.false_ads", "虚假宣传", "Misleading advertising", []),
            (
                "marketing.harassment",
                "营销骚扰",
                "Marketing harassment",
                _leaves(
                    "marketing.harassment", [("sms", "短信", "SMS"), ("call", "电话", "Calls")]
                ),
            ),
        ],
    ),
    (
        "security",
        "信息安全",
        "Information security",
        _leaves(
            "security",
            [
                ("leak", "个人信息泄露", "Personal data leak"),
                ("real_name", "实名登记问题", "Real-name registration"),
                ("fraud", "诈骗电话/短信", "Fraud calls / SMS"),
            ],
        ),
    ),
    (
        "terminal",
        "终端",
        "Terminals",
        _leaves(
            "terminal",
            [("quality", "终端质量", "Device quality"), ("repair", "维修服务", "Repair service")],
        ),
    ),
    (
        "enquiry",
        "咨询查询",
        "Enquiries",
        _leaves(
            "enquiry",
            [
                ("tariff", "资费套餐", "Tariffs and plans"),
                ("bill", "话费账单", "Bills and balance"),
                ("points", "积分", "Loyalty points"),
                ("progress", "工单进度", "Order progress"),
                ("coverage", "网络覆盖", "Network coverage"),
                ("rules", "业务规则", "Service rules"),
            ],
        ),
    ),
]


def walk(
    nodes: list[Node] = CATEGORY_TREE, parent: str | None = None
) -> Iterator[tuple[str, str, str, str | None, int]]:
    """Yield (code, zh, en, parent_code, sort) in parent-before-child order."""
    for sort, (code, zh, en, children) in enumerate(nodes):
        yield code, zh, en, parent, sort
        yield from walk(children, code)
