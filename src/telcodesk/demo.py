"""Demo data: a Guangdong organisation, its staff, customers and realistic work orders.

Everything goes through the service layer, so every order carries the same history rows a
real one would (norm WO-2) and its first-contact owner is whoever registered it (CH-3).
Orders are replayed at past times through the injectable clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.customers import identity
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer
from telcodesk.customers.schemas import CustomerIn, CustomerType, IdType, Tier
from telcodesk.db import Base, unit_of_work
from telcodesk.halls import setup as hall_setup
from telcodesk.knowledge import demo_content as kb_demo
from telcodesk.knowledge import service as knowledge
from telcodesk.org import service as org
from telcodesk.org.models import OrgUnit, Staff
from telcodesk.org.roles import SYSTEM_USERNAME, Role, UnitKind
from telcodesk.rostering import service as rostering
from telcodesk.rostering.models import StaffingPlan
from telcodesk.rostering.schemas import PlanIn, RosterIn
from telcodesk.routing import service as routing
from telcodesk.sla import service as sla
from telcodesk.workorders import service as workorders
from telcodesk.workorders.models import WorkOrder
from telcodesk.workorders.rules import (
    CLASSIFIED_TYPES,
    CLOSURE_CODES,
    Action,
    Channel,
    OrderType,
    Priority,
    Status,
)
from telcodesk.workorders.schemas import OrderCreate, TransitionIn

DEMO_PROVINCE_CODE = "440000"
CUSTOMERS, DAYS, BATCH = 2000, 60, 200
A, S, T = Action, Status, OrderType
Rng = random.Random


@dataclass
class DemoSummary:
    units: int
    staff: int
    customers: int
    orders_added: int
    orders_total: int


# --- text data ---------------------------------------------------------------------------
# One entry a line, fields split by "|" and variants by "~". The lines have no spaces, so
# ruff does not count them as too long (E501 skips unbreakable words).

# type|category|subjects|description|=one-touch resolution (consultations and queries)
ORDER_TEXTS = """
fault|network.broadband.drops|家中宽带频繁掉线~宽带晚上经常断网~宽带每天掉线好几次|{who}{ago}晚上8点后宽带每隔半小时掉线一次，已重启光猫无效，要求上门检修。地址：{addr}。
fault|network.broadband.no_access|宽带无法上网~光猫LOS灯亮红灯~宽带完全上不了网|{who}{ago}宽带无法上网，光猫LOS灯红色闪烁，手机电脑都连不上，要求尽快修复。地址：{addr}。
fault|network.broadband.speed|宽带速率不达标~千兆宽带测速只有几十兆|{who}办理的千兆宽带{ago}测速只有50M左右，网线直连电脑也一样，要求检测线路。地址：{addr}。
fault|network.coverage.no_signal|室内手机无信号~家里手机显示无服务|{who}在{addr}室内手机显示无服务，{ago}一直如此，走到楼下才恢复，影响正常通话。
fault|network.coverage.weak_signal|手机信号弱~小区信号只有一格|{who}{addr}手机信号只有一格，{ago}明显变差，经常打不通电话，要求优化覆盖。
fault|network.call.dropped|通话经常掉线~打电话中途断线|{who}{ago}通话中频繁掉话，通话超过两三分钟就断，更换手机测试仍一样。
fault|network.call.noise|通话有杂音~通话有电流声|{who}{ago}拨打和接听电话都有明显杂音和回声，对方也反映听不清。
fault|network.call.one_way|通话单通~对方听不到我说话|{who}{ago}拨打电话时经常出现单通，能听到对方但对方听不到，重启手机无效。
fault|network.data.slow|手机上网速度慢~5G网速很慢|{who}在{addr}使用5G上网，{ago}网页和视频加载很慢，测速不到5M。
fault|network.data.no_access|手机无法上网~流量开着却上不了网|{who}{ago}手机数据流量已打开但无法上网，套餐流量充足，也未欠费。
fault|network.fixed|固话无拨号音~家里座机打不出去|{who}家中固话{ago}拿起听筒没有拨号音，无法拨打和接听电话。地址：{addr}。
fault|terminal.repair|光猫故障要求更换~IPTV机顶盒无法开机|{who}家中设备{ago}指示灯全灭，断电重启无效，要求上门更换。地址：{addr}。
complaint|billing.charges|对本月话费有异议~话费突然增加|{who}本月话费比平时多出{amt}元，本人没有额外消费，要求核查详单并退还多收费用。
complaint|billing.data_fees|流量费用异议~套餐内流量未用完却扣费|{who}{plan}内含流量尚未用完，却被收取套餐外流量费{amt}元，要求解释并退费。
complaint|billing.plan_mismatch|套餐资费与宣传不符~办理时承诺的优惠未兑现|{who}办理{plan}时营业员承诺每月减免30元，但{ago}账单均未体现优惠，要求按承诺执行。
complaint|billing.uninformed|扣费未告知~莫名被扣费|{who}发现账户被扣除{amt}元，事先未收到任何短信通知，要求说明扣费原因。
complaint|billing.suspension|已缴费仍被停机~欠费停机有异议|{who}已于前天通过手机营业厅缴费{amt}元，但号码仍处于停机状态，影响工作，要求立即复机。
complaint|billing.invoice|发票开具有误~无法开具电子发票|{who}需要报销，但手机营业厅开具的电子发票抬头有误，多次修改未成功。
complaint|vas.unsolicited|未经同意订购增值业务~被开通{vas}|{who}每月被扣{vas}费用{amt}元，本人从未订购也未收到二次确认短信，要求退订并全额退费。
complaint|vas.unsubscribe|增值业务退订困难~{vas}无法退订|{who}多次发送短信退订{vas}均未成功，每月仍在扣费，要求立即退订。
complaint|vas.sp_charges|第三方SP扣费~账单出现不明代收费|{who}账单中出现第三方代收费{amt}元，不清楚是什么业务，要求查明并退费。
complaint|service.attitude|营业员服务态度差~工作人员态度生硬|{who}{ago}到{hall}办理业务，营业员态度冷淡、不耐烦，解释不清楚，要求道歉。
complaint|service.hall_queue|营业厅排队时间过长~营业厅只开两个窗口|{who}{ago}到{hall}办理补卡，排队超过一小时，只开放两个窗口，要求改进。
complaint|service.hotline|10000号难以接通~热线人工长时间排队|{who}{ago}多次拨打10000号转人工，等待超过20分钟仍未接通。
complaint|service.promise|承诺回电未兑现~承诺上门未到|{who}此前客服承诺24小时内回电处理，至今未有任何回复，要求给出说法。
complaint|service.overdue|故障报修多日未处理~工单超时未解决|{who}{ago}报修宽带故障，至今已超过三天仍无人上门，严重影响家中老人和小孩使用。
complaint|marketing.false_ads|虚假宣传~宣传的优惠无法兑现|{who}在{hall}办理{plan}时被告知免费送宽带，入网后才发现需另外收费，认为属于虚假宣传。
complaint|marketing.harassment.call|营销电话骚扰~频繁接到推销电话|{who}{ago}每天接到多个推销套餐的电话，已明确拒绝仍继续拨打，要求停止营销外呼。
complaint|marketing.harassment.sms|营销短信骚扰~营销短信过多|{who}{ago}每天收到多条营销短信，回复退订无效，要求屏蔽所有营销短信。
complaint|security.leak|个人信息疑似泄露~入网后频繁接到陌生推销电话|{who}刚在{hall}办理新号码，第二天就接到多个陌生推销电话，怀疑个人信息被泄露。
complaint|security.fraud|收到诈骗短信~举报诈骗电话|{who}收到冒充客服的短信，称积分即将清零并附链接，担心被骗，要求核实并处理。
complaint|security.real_name|名下多出不明号码~实名登记有误|{who}通过一证通查发现名下多出一个本人未办理的号码，要求核查并注销。
complaint|transaction.failed|业务办理失败但已扣费~套餐办理失败|{who}{ago}在手机营业厅办理业务时提示失败，但已扣费{amt}元，业务未生效，要求处理。
complaint|transaction.porting|携号转网受阻~无法获取携转授权码|{who}申请携号转网，短信均提示存在未到期合约，但本人合约已到期，要求核实。
complaint|network.broadband.drops|宽带多次报修仍掉线~宽带问题反复出现|{who}宽带{ago}反复掉线，已报修两次，维修人员上门后仅好了两天，要求彻底解决。
complaint|network.coverage.weak_signal|小区信号差多次反映未解决|{who}所在{addr}信号长期很差，多次反映均未改善，要求给出明确整改时间。
consultation|enquiry.tariff|咨询5G套餐资费~咨询套餐升级~咨询宽带续约优惠|客户咨询{plan}的月费、包含的流量和通话分钟数，以及办理方式。|=已介绍{plan}资费内容和办理渠道，客户表示清楚。
consultation|enquiry.coverage|咨询宽带能否安装~咨询小区千兆覆盖|客户咨询{addr}能否安装千兆宽带，以及安装周期。|=经查询该地址已覆盖千兆光纤，已告知办理渠道及预计安装时间。
consultation|enquiry.rules|咨询补卡所需材料~咨询国际漫游开通~咨询过户办理条件|客户咨询办理该业务需要携带的证件、费用和办理渠道。|=已告知需携带本人有效身份证件原件到营业厅办理，以及相关费用。
consultation|enquiry.points|咨询积分兑换~咨询积分有效期|客户咨询积分可以兑换哪些礼品和话费，以及积分有效期。|=已告知积分兑换规则及有效期，并指导在手机营业厅兑换。
query|enquiry.bill|查询{month}话费~查询{month}账单明细|客户要求查询{month}话费及消费明细。|=已查询并告知客户{month}消费{amt}元，详单已通过短信发送。
query|enquiry.points|查询积分余额~查询即将到期积分|客户要求查询当前可用积分及即将到期的积分。|=已查询告知当前可用积分及到期时间。
query|enquiry.progress|查询工单处理进度~查询报修进度|客户查询此前报修或投诉的处理进度。|=已查询告知当前处理进度和预计完成时间。
transaction|transaction.plan_change|申请变更套餐~申请升级为{plan}|客户申请将现有套餐变更为{plan}，要求次月生效，已核对身份证件。
transaction|transaction.failed|申请补换SIM卡~申请号码过户~申请停机保号|客户申请办理该业务，需后台核实资料后处理，已核对身份证件并留存复印件。
transaction|transaction.cancel|申请宽带拆机~申请注销副卡|客户因搬家申请办理拆机，已约定回收光猫时间。地址：{addr}。
transaction|transaction.porting|申请携号转网授权码~查询携号转网资格|客户申请查询携号转网资格并获取授权码。
suggestion|service.hall_queue|建议营业厅周末增加窗口|客户建议{hall}周末高峰期增加办理窗口，并开放线上预约取号。
suggestion|service.hotline|建议热线增加粤语服务~建议优化语音导航|客户反映10000号语音导航层级太多，建议增加直接转人工选项及粤语服务。
suggestion|enquiry.rules|建议APP增加账单导出功能|客户建议手机营业厅增加按月导出电子账单的功能，方便报销。
retention|transaction.porting|客户要求携号转网~拟携号转出|客户表示其他运营商资费更便宜，要求办理携号转网，需挽留维系并记录离网原因。
retention|transaction.cancel|客户要求宽带销户~要求注销号码|客户{ago}对宽带速率不满意，要求销户，需挽留维系并记录离网原因。
appeal|billing.charges|工信部申诉转办：话费争议|用户向广东省通信管理局申诉，称被多收话费{amt}元，向我司投诉后15天内未获答复。
appeal|vas.unsolicited|申诉转办：增值业务扣费|用户经通信管理局申诉，称被未经同意订购{vas}，要求全额退费并道歉。
appeal|service.overdue|申诉转办：投诉处理不满意|用户对我司投诉处理结果不满意，已向通信管理局申诉，要求重新处理。
"""

# key|variants. reply.X: the answer for order type or top-level category X; invalid: reason>message.
WORDS = """
who|客户反映~客户来电称~用户表示~客户称
ago|近一周~近三天~本月以来~昨天起~这两天~近半个月~上周开始
plan|5G畅享129元套餐~融合169元套餐~5G畅享199元套餐~天翼畅享99元套餐~千兆宽带融合套餐
vas|视频会员~彩铃~游戏包~阅读包~天气预报短信
month|本月~上月~近三个月
estate|翠湖花园~锦绣华庭~碧桂园~星河湾~万科城~保利花园~中海名都~南湖新村
extra|~~~客户情绪较急，要求尽快回复。~客户为老年人，请耐心解释。~客户要求处理后短信告知。
districts.gz|天河区~越秀区~海珠区~白云区~番禺区
districts.sz|福田区~南山区~宝安区~龙岗区
districts.fs|禅城区~南海区~顺德区
staff.gz|陈晓琳~黄志伟~李国栋~吴嘉欣~张伟明~刘建军
staff.sz|王思颖~赵俊豪~孙立新~马晓东~胡婉婷~郭振宇
staff.fs|潘丽贞~高志豪~梁嘉慧~罗伟强~邓秀英~何国华
staff.hotline|邓丽娟~冯少华~曾美玲~彭俊杰~苏晓雯~蔡志明
staff.complaint|许文静~杨海涛~朱丽华
invalid|重复受理：同一问题已有在途工单>您反映的问题已有工单在处理中，我们会按原工单尽快答复您。~客户误操作提交，无实际诉求>经与您核实无需处理，本单已关闭，如有需要欢迎再次联系10000号。~非我司业务范围>您反映的问题不属于我司业务范围，建议向相关单位咨询，感谢理解。
suspend|等待客户提供缴费凭证~客户暂不在家，约定周末上门~等待客户补充详细地址~等待客户提供截图
transfer|非本单位职责，转相关单位处理~涉及跨区域业务，转属地单位处理
escalate|超时未解决，客户情绪激动，升级处理~客户表示将向通信管理局申诉，升级至省投诉处理中心
unsatisfied|客户对处理结果不满意，要求重新处理~客户反映问题仍未解决
reply.network|已安排装维人员上门检测，更换入户光纤接头后恢复正常，客户确认可用。~经排查为附近基站故障，已修复并告知客户。~已完成线路测试和参数优化，复测正常。
reply.terminal|已上门更换设备，测试正常，客户确认。
reply.billing|经核查详单，费用为套餐外通话和流量产生，已逐项向客户解释。~经核查确属计费差错，已退还{amt}元并向客户致歉。
reply.vas|已为客户退订全部增值业务并退还{amt}元，已向客户致歉。~已协调第三方退款并关闭代收费功能。
reply.service|已核实情况并对相关人员批评教育，已向客户致歉。~已与客户沟通整改措施，客户表示理解。
reply.marketing|已将客户号码加入营销免打扰名单，并向客户致歉。
reply.security|已核实并处理，已提醒客户注意防范诈骗，切勿点击不明链接。
reply.transaction|业务已办理完成，已短信告知客户。~已核实处理，业务已生效。
reply.enquiry|已详细答复客户。
reply.retention|经沟通客户接受优惠方案，暂不离网。~客户坚持离网，已按流程办理并记录离网原因。
reply.suggestion|感谢客户建议，已转相关部门研究改进。
reply.appeal|已按通信管理局要求核查处理，已向用户答复并报送处理结果。
"""


@dataclass(frozen=True)
class _Text:
    category: str
    subjects: list[str]
    description: str
    resolution: str | None


def _load_texts() -> tuple[dict[OrderType, list[_Text]], dict[str, list[str]]]:
    texts: dict[OrderType, list[_Text]] = {}
    for line in ORDER_TEXTS.strip().splitlines():
        kind, code, subjects, description, *rest = line.split("|")
        resolution = rest[0].removeprefix("=") if rest else None
        texts.setdefault(OrderType(kind), []).append(
            _Text(code, subjects.split("~"), description, resolution)
        )
    words = dict(line.split("|") for line in WORDS.strip().splitlines())
    return texts, {key: value.split("~") for key, value in words.items()}


TEXTS, W = _load_texts()

# --- organisation and staff -------------------------------------------------------------

# key: (region code, name, landline area code, halls as (district, region code))
CITIES = {
    "gz": ("440100", "广州", "020", [("天河", "440106"), ("越秀", "440104")]),
    "sz": ("440300", "深圳", "0755", [("福田", "440304"), ("南山", "440305")]),
    "fs": ("440600", "佛山", "0757", [("禅城", "440604"), ("南海", "440605")]),
}
CITY_KEY = {v[0]: k for k, v in CITIES.items()}
ESTATE_NAMES = [
    "翠湖花园",
    "锦绣华庭",
    "碧桂园",
    "星河湾",
    "万科城",
    "保利花园",
    "中海名都",
    "南湖新村",
]
# Dispatch skills by unit (CC-1): remote seats repair faults, the complaint centre complaints.
SKILLS = {"-RS": ["fault", "complaint"], "GD-CMP": ["complaint"], "GD-10000": ["consultation"]}
HOTLINE = [f"hotline{i:02d}" for i in range(1, 7)]
COMPLAINT = [f"complaint{i:02d}" for i in range(1, 4)]


def _units() -> list[tuple[str, str, UnitKind, str, str]]:
    """(code, name, kind, region, parent code), parents first."""
    p = DEMO_PROVINCE_CODE
    units = [
        ("GD", "广东省分公司", UnitKind.PROVINCE, p, "HQ"),
        ("GD-10000", "广东10000号客服中心", UnitKind.CALL_CENTRE, p, "GD"),
        ("GD-CMP", "省投诉处理中心", UnitKind.COMPLAINT_CENTRE, p, "GD"),
        ("GD-LEGAL", "省公司法律事务部", UnitKind.DEPARTMENT, p, "GD"),
        ("GD-AM", "政企客户经理团队", UnitKind.ACCOUNT_TEAM, p, "GD"),
    ]
    for key, (region, name, _, halls) in CITIES.items():
        c = key.upper()
        units.append((c, f"{name}市分公司", UnitKind.CITY, region, "GD"))
        units += [
            (f"{c}-H{i}", f"{name}{district}营业厅", UnitKind.HALL, hall_region, c)
            for i, (district, hall_region) in enumerate(halls, 1)
        ]
        # Remote seats process what the province dispatches and chase departments (CH-4).
        units.append((f"{c}-RS", f"{name}远程坐席", UnitKind.DEPARTMENT, region, c))
    return units


def _staff() -> list[tuple[str, str, Role, str]]:
    """(username, display name, role, unit code) of every demo account."""
    staff = [
        ("admin.hq", "周建华", Role.HQ_ADMIN, "HQ"),
        ("admin.gd", "梁志强", Role.PROVINCE_ADMIN, "GD"),
        ("auditor", "何丽萍", Role.AUDITOR, "GD"),
        ("cc.supervisor", "林晓燕", Role.SUPERVISOR, "GD-10000"),
        ("quality01", "罗敏", Role.QUALITY_INSPECTOR, "GD-10000"),
        ("kb.editor", "郑雅琴", Role.KNOWLEDGE_EDITOR, "GD-10000"),
        # The reviewer is never the author (KB-2): a second person approves articles.
        ("kb.reviewer", "冯慧敏", Role.KNOWLEDGE_REVIEWER, "GD-10000"),
        # Knowledge base (KB-2): HQ's editor and reviewer write the nationwide articles.
        ("hq.kbeditor", "孙文博", Role.KNOWLEDGE_EDITOR, "HQ"),
        ("hq.kbreviewer", "钱慧", Role.KNOWLEDGE_REVIEWER, "HQ"),
        ("cmp.supervisor", "谢振华", Role.SUPERVISOR, "GD-CMP"),
        # Judicial requests go to one designated department only (CD-2).
        ("judicial", "韩正义", Role.JUDICIAL_OFFICER, "GD-LEGAL"),
        ("am01", "钟思远", Role.ACCOUNT_MANAGER, "GD-AM"),
    ]
    for users, names, role, unit in [
        (HOTLINE, "hotline", Role.HOTLINE_AGENT, "GD-10000"),
        (COMPLAINT, "complaint", Role.COMPLAINT_HANDLER, "GD-CMP"),
    ]:
        staff += [(u, n, role, unit) for u, n in zip(users, W[f"staff.{names}"], strict=True)]
    roles = [
        ("hall1", Role.HALL_AGENT, "-H1"),
        ("hall2", Role.HALL_AGENT, "-H2"),
        ("manager", Role.HALL_MANAGER, "-H1"),
        ("remote1", Role.COMPLAINT_HANDLER, "-RS"),
        ("remote2", Role.COMPLAINT_HANDLER, "-RS"),
        ("supervisor", Role.SUPERVISOR, ""),
    ]
    for key in CITIES:
        staff += [
            (f"{key}.{job}", name, role, key.upper() + unit)
            for (job, role, unit), name in zip(roles, W[f"staff.{key}"], strict=True)
        ]
    return staff


def ensure_reference_data(session: Session) -> OrgUnit:
    """HQ unit, categories, SLA policies and the ``system`` account the worker acts as.
    Idempotent; the caller's unit of work commits."""
    workorders.seed_categories(session)
    workorders.seed_closure_codes(session)  # root causes, responsibilities (SQ-2)
    sla.seed_policies(session)  # default time limits (T-1, T-2, T-6)
    routing.seed_rules(session)  # default dispatch rules (CC-1, CH-4)
    hq = org.ensure_unit(
        session, code="HQ", name="中国电信集团客服总部", kind=UnitKind.HQ, region_code="100000"
    )
    org.ensure_system_actor(session, hq)
    return hq


def demo_accounts(session: Session) -> list[tuple[str, str, str, str]]:
    """(username, display_name, role, unit name) of the demo staff, for `serve` to print."""
    names = [username for username, *_ in _staff()]
    found = {s.username: s for s in session.scalars(select(Staff).where(Staff.username.in_(names)))}
    return [
        (s.username, s.display_name, s.role, s.unit.name)
        for s in (found.get(u) for u in names)
        if s is not None
    ]


# --- customers --------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许邓冯韩曾彭蔡潘钟"
SURNAME_W = [10, 10, 9, 8, 8, 6, 6, 5, 5, 4] + [2] * (len(SURNAMES) - 10)
GIVEN = ["伟强磊勇军杰涛明超刚建国志文辉俊峰宇浩斌", "芳娜敏静丽艳娟秀霞英华玉萍红晓燕婷雪琳嘉欣"]
FIRMS = ["恒达", "华信", "新锐", "宏图", "粤海", "正通", "博远", "嘉禾", "联创", "金穗"]
TRADES = ["科技", "贸易", "物流", "电子", "餐饮管理", "建材", "家具", "陶瓷", "医疗器械"]
PREFIXES = {"189": 20, "133": 15, "153": 15, "180": 15, "177": 10, "199": 10, "138": 8, "139": 7}


def _customer_inputs(seed: int) -> Iterator[CustomerIn]:
    rng, seen = random.Random(seed), set[str]()
    for _ in range(CUSTOMERS):
        phone = ""
        while not phone or phone in seen:  # unique mobile numbers
            phone = rng.choices(list(PREFIXES), list(PREFIXES.values()))[0]
            phone += f"{rng.randrange(10**8):08d}"
        seen.add(phone)
        city, city_name, area, _ = CITIES[rng.choices(list(CITIES), [45, 35, 20])[0]]
        kind = rng.choices(list(CustomerType), [85, 10, 5])[0]
        given = "".join(rng.sample(rng.choice(GIVEN), rng.choice([1, 2, 2])))  # one or two chars
        name = rng.choices(SURNAMES, SURNAME_W)[0] + given
        if kind == CustomerType.ENTERPRISE:
            name = f"{city_name}市{rng.choice(FIRMS)}{rng.choice(TRADES)}有限公司"
        tier_w = [40, 25, 25, 10] if kind == CustomerType.ENTERPRISE else [75, 13, 8, 4]
        tier = rng.choices(list(Tier), tier_w)[0]
        landline = kind != CustomerType.INDIVIDUAL and rng.random() < 0.7
        alt = f"{area}-{rng.randrange(2, 9)}{rng.randrange(10**7):07d}" if landline else None
        district, district_code = rng.choice(CITIES[CITY_KEY[city]][3])
        building = f"{rng.randint(1, 30)}栋{rng.randint(1, 33)}0{rng.randint(1, 6)}"
        address = f"广东省{city_name}市{district}区{rng.choice(ESTATE_NAMES)}{building}"
        if kind == CustomerType.ENTERPRISE:  # unified social credit code (BH-7)
            org_code = f"{rng.randrange(10**8):08d}"
            body = f"91{district_code}{org_code}{identity.org_code_check(org_code)}"
            id_type, id_number = IdType.BUSINESS_LICENCE, body + identity.uscc_check_character(body)
        else:  # real-name registration: resident ID card, 18 characters
            born = f"{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            body = f"{district_code}{born}{rng.randrange(1000):03d}"
            id_type, id_number = IdType.RESIDENT_ID, body + identity.id_check_character(body)
        yield CustomerIn(
            name=name,
            phone=phone,
            alt_phone=alt,
            type=kind,
            city_code=city,
            tier=tier,
            id_type=id_type,
            id_number=id_number,
            address=address,
        )


# --- order plans ------------------------------------------------------------------------


def _table(spec: str) -> dict[str, list[float]]:
    """ "a:3 b:1-2" -> {"a": [3.0], "b": [1.0, 2.0]}: compact tables of numbers."""
    pairs = (item.split(":") for item in spec.split())
    return {key: [float(x) for x in value.split("-")] for key, value in pairs}


def _pick(rng: Rng, weights: dict[str, list[float]]) -> str:
    return rng.choices(list(weights), [w[0] for w in weights.values()])[0]


TYPE_W = _table(
    "complaint:25 fault:20 consultation:25 query:10 transaction:12 "
    "suggestion:3 retention:3 appeal:2"
)
CHANNEL_W = _table(
    "hotline:45 hall:20 app:12 web:8 wechat:7 sms:3 account_manager:3 email:1 letter:0.5 club:0.5"
)
HOUR_W = [3, 8, 9, 8, 6, 5, 7, 8, 7, 6, 6, 5, 3]  # 08:00–20:59 Beijing time
ALWAYS_ON = {Channel.HOTLINE, Channel.APP, Channel.WECHAT, Channel.WEB}  # 7×24, norm T-5
FINAL = list(Status)  # registered, reviewed, invalid, … archived
# Final-status weights (in FINAL's order) by the order's age in days: older ones are closed.
# No call-back older than 7 days: the worker archives those (callback_timeout_days).
BY_AGE: list[tuple[float, list[float]]] = [
    (1, [20, 10, 4, 14, 20, 8, 12, 6, 6]),
    (3, [3, 3, 6, 8, 15, 8, 15, 10, 32]),
    (7, [0.5, 0.5, 7, 3, 7, 5, 8, 9, 60]),
    (DAYS + 1, [0, 0, 8, 0.5, 1.5, 1, 1.5, 0, 87.5]),
]
# Minutes between an action and the one before it (log-uniform between the bounds).
GAP = _table(
    "review_valid:5-240 review_invalid:5-120 assign:3-120 dispatch:1-30 transfer:30-1440 "
    "start:10-480 suspend:60-1440 resume:240-4320 escalate:240-2880 reply:120-2880 "
    "start_callback:60-2880 callback_satisfied:1-15 callback_unsatisfied:1-15 archive:60-2880"
)
ESCALATION_RATE = {T.COMPLAINT: 0.08, T.APPEAL: 0.25, T.FAULT: 0.03}
Cust = tuple[int, str, str, str]  # id, city code, tier, type


@dataclass
class _Plan:
    at: datetime
    type: OrderType
    channel: Channel
    customer: Cust
    target: Status
    resolve_now: bool = False
    owner: str = ""
    handler: str = ""
    fill: dict[str, str] = field(default_factory=dict)

    @property
    def city(self) -> str:
        return CITY_KEY[self.customer[1]]


def _registration_time(rng: Rng, now: datetime, channel: Channel) -> datetime:
    """More on weekdays and in the daytime; hotline and online channels also at night (T-5)."""
    today = clock.local(now).date()
    days = [today - timedelta(days=d) for d in range(DAYS)]
    weights = [1.0 if d.weekday() < 5 else 0.6 for d in days]
    while True:
        day: date = rng.choices(days, weights)[0]
        hour = rng.choices(range(8, 21), HOUR_W)[0]
        if channel in ALWAYS_ON and rng.random() < 0.03:
            hour = rng.choice([0, 1, 6, 7, 21, 22, 23])
        at = datetime.combine(
            day, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=clock.SHANGHAI
        ).astimezone(UTC)
        if at < now:
            return at


def _plan_orders(rng: Rng, n: int, now: datetime, custs: list[Cust]) -> list[_Plan]:
    regulars = custs[: len(custs) // 20]  # a few customers call again and again
    pools = {
        Channel.ACCOUNT_MANAGER: [c for c in custs if c[3] == CustomerType.ENTERPRISE],
        Channel.CLUB: [c for c in custs if c[2] in (Tier.GOLD, Tier.DIAMOND)],
    }  # BH-2
    plans = []
    for _ in range(n):
        kind, channel = OrderType(_pick(rng, TYPE_W)), Channel(_pick(rng, CHANNEL_W))
        if kind == T.APPEAL:  # the regulator refers appeals in writing (T-6)
            channel = rng.choice([Channel.LETTER, Channel.EMAIL])
        pool = pools.get(channel) or (regulars if rng.random() < 0.15 else custs)
        at = _registration_time(rng, now, channel)
        weights = next(w for days, w in BY_AGE if now - at < timedelta(days=days))
        plans.append(_Plan(at, kind, channel, rng.choice(pool), rng.choices(FINAL, weights)[0]))
    plans.sort(key=lambda p: p.at)
    for plan in plans:
        plan.resolve_now = plan.type in (T.CONSULTATION, T.QUERY) and rng.random() < 0.85
    # The newest orders of every load show each final status, so the demo has them all.
    for plan, status in zip(reversed(plans), FINAL, strict=False):
        plan.target, plan.resolve_now = status, False
    return plans


def _path(rng: Rng, plan: _Plan) -> list[Action]:
    """The actions that take a registered order to its planned final status (WO-1)."""
    target = plan.target
    if target in (S.REGISTERED, S.INVALID, S.REVIEWED):
        return {S.INVALID: [A.REVIEW_INVALID], S.REVIEWED: [A.REVIEW_VALID]}.get(target, [])
    steps = [A.REVIEW_VALID, A.ASSIGN]
    if rng.random() < 0.06:  # handed on to another handler or unit (CH-4)
        steps.append(A.TRANSFER)
    if target == S.ASSIGNED:
        return steps
    steps.append(A.START)
    if rng.random() < ESCALATION_RATE.get(plan.type, 0):  # WO-3
        steps += [A.ESCALATE, A.START]
    if target == S.WAITING_CUSTOMER:
        return [*steps, A.SUSPEND]
    if rng.random() < 0.08:
        steps += [A.SUSPEND, A.RESUME]
    reopen = target in (S.IN_PROGRESS, S.ARCHIVED) and rng.random() < 0.06
    if target == S.IN_PROGRESS and not reopen:
        return steps
    steps.append(A.REPLY)
    if target == S.REPLIED:
        return steps
    if target == S.ARCHIVED and not reopen and rng.random() < 0.2:
        return [*steps, A.ARCHIVE]  # no call-back needed
    steps.append(A.START_CALLBACK)
    if target == S.CALLBACK:
        return steps
    if reopen:  # an unsatisfied call-back reopens the order (WO-1)
        steps.append(A.CALLBACK_UNSATISFIED)
        if target == S.IN_PROGRESS:
            return steps
        steps += [A.REPLY, A.START_CALLBACK]
    return [*steps, A.CALLBACK_SATISFIED if rng.random() < 0.85 else A.ARCHIVE]


def _owner(rng: Rng, plan: _Plan) -> str:
    """Who receives the request on its channel, and so owns it until closed (CH-3)."""
    if plan.channel == Channel.HALL:
        return f"{plan.city}.{rng.choice(['hall1', 'hall2', 'hall1', 'hall2', 'manager'])}"
    if plan.channel in (Channel.EMAIL, Channel.LETTER):
        return rng.choice(COMPLAINT)
    if plan.channel == Channel.ACCOUNT_MANAGER:
        return "am01"  # enterprise customers' account manager (CH-1)
    if plan.channel == Channel.CLUB:
        return f"{plan.city}.manager"  # club members are served by the hall duty manager
    return rng.choice(HOTLINE)


def _handler(rng: Rng, plan: _Plan) -> str:
    if plan.type == T.APPEAL or (plan.type == T.COMPLAINT and rng.random() < 0.6):
        return rng.choice(COMPLAINT)
    if plan.type == T.RETENTION:
        return f"{plan.city}.manager"  # norm VA-3
    if plan.type == T.SUGGESTION:
        return rng.choice(["kb.editor", "cc.supervisor"])
    return f"{plan.city}.remote{rng.randint(1, 2)}"  # city remote seats and departments


def _step(rng: Rng, plan: _Plan, action: Action) -> tuple[str, TransitionIn]:
    """Who performs an action, and its inputs; follows the plan's current handler."""
    data: dict[str, Any] = {}
    actor = plan.handler
    if action in (A.REVIEW_VALID, A.REVIEW_INVALID, A.ASSIGN):
        # The dispatch desk reviews and assigns (workorders.rules.ORDER_ACTORS).
        desk = plan.type in (T.COMPLAINT, T.APPEAL)
        actor = "cmp.supervisor" if desk else f"{plan.city}.supervisor"
    if action == A.DISPATCH:  # supervisors dispatch (ORDER_DISPATCH)
        actor = "cmp.supervisor" if plan.type == T.COMPLAINT else f"{plan.city}.supervisor"
    if action == A.REVIEW_INVALID:  # explained to the customer (WO-1)
        data["reason"], data["message"] = rng.choice(W["invalid"]).split(">")
    elif action == A.ASSIGN:
        plan.handler = data["handler"] = _handler(rng, plan)
    elif action == A.TRANSFER:
        others = [*COMPLAINT, f"{plan.city}.remote1", f"{plan.city}.remote2"]
        plan.handler = data["handler"] = rng.choice([u for u in others if u != plan.handler])
        data["reason"] = rng.choice(W["transfer"])
    elif action == A.ESCALATE:  # up to the provincial complaint centre (WO-3, CH-4)
        up = "cmp.supervisor" if plan.handler in COMPLAINT else rng.choice(COMPLAINT)
        plan.handler = data["handler"] = up
        data["reason"] = rng.choice(W["escalate"])
    elif action == A.SUSPEND:
        data["reason"] = rng.choice(W["suspend"])
    elif action == A.REPLY:
        key = plan.type if f"reply.{plan.type}" in W else plan.fill["category"].split(".")[0]
        data["message"] = rng.choice(W[f"reply.{key}"]).format(**plan.fill)
    elif action in (A.START_CALLBACK, A.CALLBACK_SATISFIED, A.CALLBACK_UNSATISFIED):
        actor = _surveyor(rng, plan)  # outbound call-backs, CC-4
        if action == A.CALLBACK_UNSATISFIED:
            data["reason"] = rng.choice(W["unsatisfied"])
        if action == A.CALLBACK_SATISFIED:  # the four-step scale (SQ-1)
            data["outcome"] = "satisfied" if rng.random() < 0.7 else "basically_satisfied"
    elif action == A.ARCHIVE:
        # The owner closes what they answer for (CH-3), unless they did the work themselves.
        closer = plan.owner if plan.owner != plan.handler else "quality01"
        actor, data["reason"] = closer, "已答复客户，无需回访"
    if action in (A.CALLBACK_SATISFIED, A.ARCHIVE) and plan.type in CLASSIFIED_TYPES:
        # A complaint is classified when it is archived (SQ-2): cause, responsibility, justified.
        data["root_cause"] = rng.choice([c for c, *_ in CLOSURE_CODES["root_cause"]])
        data["responsibility"] = rng.choice([c for c, *_ in CLOSURE_CODES["responsibility"]])
        data["justified"] = rng.random() < 0.6
    return actor, TransitionIn(version=1, **data)


def _surveyor(rng: Rng, plan: _Plan) -> str:
    """The call-back is independent of the work (SQ-1): the quality inspector, or the owner
    when they did not handle the order themselves (CH-3)."""
    if plan.owner == plan.handler:
        return "quality01"
    return rng.choice([plan.owner, "quality01"])


def _later(rng: Rng, prev: datetime, action: Action, now: datetime) -> datetime:
    """A plausible time for the next action: in working hours, never in the future."""
    lo, hi = GAP[action]
    at = prev + timedelta(minutes=lo * (hi / lo) ** rng.random())
    local = clock.local(at)
    if local.hour >= 21 or local.hour < 8:  # staff act in the daytime
        day = local.date() + timedelta(days=1 if local.hour >= 21 else 0)
        morning = datetime.combine(day, time(8), tzinfo=clock.SHANGHAI).astimezone(UTC)
        at = morning + timedelta(minutes=rng.uniform(0, 90))
    return at if at < now else prev + (now - prev) * rng.uniform(0.2, 0.9)


def _order_input(rng: Rng, plan: _Plan) -> OrderCreate:
    text = rng.choice(TEXTS[plan.type])
    _, city_name, _, halls = CITIES[plan.city]
    plan.fill = fill = {k: rng.choice(W[k]) for k in ("ago", "plan", "vas", "month")}
    fill["who"] = rng.choice([w for w in W["who"] if "来电" not in w or plan.channel == "hotline"])
    fill["addr"] = f"{rng.choice(W['districts.' + plan.city])}{rng.choice(W['estate'])}"
    fill["addr"] += f"{rng.randint(1, 30)}栋"
    fill["hall"] = f"{city_name}{rng.choice(halls)[0]}营业厅"
    fill["amt"], fill["category"] = str(rng.randint(8, 380)), text.category
    description = text.description.format(**fill)
    if plan.type not in (T.CONSULTATION, T.QUERY):
        description += rng.choice(W["extra"])
    priority = Priority.URGENT if rng.random() < 0.02 else Priority.NORMAL
    vip = plan.customer[2] in (Tier.GOLD, Tier.DIAMOND)
    if plan.type == T.APPEAL or (plan.type == T.COMPLAINT and vip):
        priority = Priority.HIGH
    elif plan.type == T.SUGGESTION:
        priority = Priority.LOW
    resolution = text.resolution.format(**fill) if plan.resolve_now and text.resolution else None
    return OrderCreate(
        type=plan.type,
        channel=plan.channel,
        customer_id=plan.customer[0],
        subject=rng.choice(text.subjects).format(**fill),
        description=description,
        category_code=text.category,
        priority=priority,
        resolve_now=plan.resolve_now,
        resolution=resolution,
    )


def _run(rng: Rng, session: Session, staff: dict[str, Staff], plan: _Plan, tick: _Clock) -> None:
    now, data = tick.now, _order_input(rng, plan)
    plan.owner, tick.at = _owner(rng, plan), plan.at
    order, _ = workorders.register_order(session, staff[plan.owner], data)
    for action in [] if plan.resolve_now else _path(rng, plan):
        if action == A.ASSIGN and plan.type in (T.FAULT, T.COMPLAINT) and rng.random() < 0.5:
            action = A.DISPATCH  # routed by the dispatch rules (CC-1, CH-4)
        actor, step = _step(rng, plan, action)
        at = _later(rng, tick.at, action, now)
        if action == A.ARCHIVE and order.status == S.CALLBACK:
            # Unanswered call-back: the worker archives it after callback_timeout_days (WO-1);
            # one too recent to have timed out was answered instead.
            at = tick.at + timedelta(days=7, minutes=rng.uniform(1, 600))
            actor, step.reason = SYSTEM_USERNAME, "回访超时未应答 / call-back unanswered"
            if at >= now:
                action, actor, step.reason = A.CALLBACK_SATISFIED, _surveyor(rng, plan), None
                at = _later(rng, tick.at, action, now)
            else:  # the worker archives it: nobody classified it
                step.root_cause = step.responsibility = step.justified = None
        tick.at, step.version = at, order.version
        workorders.transition(session, staff[actor], order.number, action, step)
        if action == A.DISPATCH:  # later steps are done by whoever the rules chose
            plan.handler = next(u for u, s in staff.items() if s.id == order.handler_id)


# --- loading ----------------------------------------------------------------------------


class _Clock:
    """The time the services see while the demo replays the past, up to `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = self.at = now

    def __call__(self) -> datetime:
        return self.at


def _count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _ensure_org_and_people(session: Session, password: str, seed: int, tick: _Clock) -> None:
    units = {"HQ": ensure_reference_data(session)}
    for code, name, kind, region, parent in _units():
        units[code] = org.ensure_unit(
            session, code=code, name=name, kind=kind, region_code=region, parent=units[parent]
        )
        if kind == UnitKind.HALL:  # its kiosk, display, queues and counters (BH-1)
            hall_setup.set_up_hall(session, units[code])
    have = set(session.scalars(select(Staff.username)))
    for username, name, role, unit in _staff():
        if username not in have:
            staff = org.create_staff(
                session,
                username=username,
                display_name=name,
                password=password,
                unit=units[unit],
                role=role,
            )
            staff.skills = next((v for k, v in SKILLS.items() if unit.endswith(k)), [])
            # The replayed clock is in the past; the password itself is new today (CD-2 expiry).
            staff.password_changed_at = datetime.now(UTC)
    rng, phones, start = random.Random(seed), set(session.scalars(select(Customer.phone))), tick.at
    inputs = list(_customer_inputs(seed))
    for data in [*inputs, *_duplicates(inputs)]:
        if data.phone not in phones:  # customers joined over the past few years
            tick.at = start - timedelta(days=rng.uniform(0, 1000))
            customers.create_customer(session, data, default_city=data.city_code or "440100")


DUPLICATES = 5


def _duplicates(inputs: list[CustomerIn]) -> Iterator[CustomerIn]:
    """A few people registered twice (BH-5): once by mobile, once more at a hall under a home
    landline, with the same ID card and address — what an admin finds on the customer page
    and merges."""
    people = [c for c in inputs if c.type == CustomerType.INDIVIDUAL and c.alt_phone is None]
    for n, person in enumerate(people[:DUPLICATES]):
        area = next(v[2] for v in CITIES.values() if v[0] == person.city_code)
        # In its normal form (020-80010001 is 02080010001), as the load compares numbers.
        yield person.model_copy(update={"phone": f"{area}8{n:03d}{n:04d}", "alt_phone": None})


def _staffing(session: Session) -> None:
    """The 10000 centre's plan for today from 300 calls over the day, and a roster of its
    hotline agents for the week from today (once: kept if there is one)."""
    if session.scalar(select(func.count()).select_from(StaffingPlan)):
        return
    boss = org.get_staff_by_username(session, "cc.supervisor")
    today = clock.local(clock.now()).date()
    plan = rostering.create_plan(
        session, boss, "GD-10000", PlanIn(day=today, name="演示日计划", total_calls=300)
    )
    rostering.solve_roster(
        session, boss, plan.id, RosterIn(start_day=today, time_limit_s=3, explain=False)
    )


def load_demo(
    factory: sessionmaker[Session],
    *,
    orders: int = 5000,
    password: str = "Demo@2026!",
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Idempotent: creates the demo organisation, staff and customers if absent; then tops the
    number of work orders up to `orders` (adds orders - existing, none if already enough).
    `progress(n)` is called with the number of orders just added (for a progress bar)."""
    tick = _Clock(clock.now())
    now, tick.at = tick.now, tick.now - timedelta(days=DAYS + 1)  # people predate the orders
    clock.set_clock(tick)
    try:
        with unit_of_work(factory) as session:
            _ensure_org_and_people(session, password, seed, tick)
            existing = _count(session, WorkOrder)
            stmt = select(Customer).where(Customer.city_code.in_(CITY_KEY)).order_by(Customer.id)
            custs = [(c.id, c.city_code, c.tier, c.type) for c in session.scalars(stmt)]
        # Seeded by how many exist, so a top-up adds other (still repeatable) orders.
        rng = random.Random(f"{seed}:{existing}")
        plans = _plan_orders(rng, max(0, orders - existing), now, custs)
        for start in range(0, len(plans), BATCH):
            batch = plans[start : start + BATCH]
            with unit_of_work(factory) as session:  # one transaction per batch
                staff = {s.username: s for s in session.scalars(select(Staff))}
                for plan in batch:
                    _run(rng, session, staff, plan, tick)
            if progress:
                progress(len(batch))
    finally:
        clock.set_clock(None)
    with unit_of_work(factory) as session:  # the knowledge base (KB-1): 66 published articles
        knowledge.seed_categories(session)
        by_name = {s.username: s for s in session.scalars(select(Staff))}
        kb_demo.load_articles(session, by_name["hq.kbeditor"], by_name["hq.kbreviewer"])
        kb_demo.load_reply_templates(session, by_name["hq.kbeditor"])  # 话术 (issue 9 item 7)
        knowledge.retire_expired(session)
    with unit_of_work(factory) as session:  # a day's staffing plan and a week's roster (CC-3)
        _staffing(session)
    with unit_of_work(factory) as session:
        n_units, n_staff, n_customers = (_count(session, m) for m in (OrgUnit, Staff, Customer))
        return DemoSummary(n_units, n_staff, n_customers, len(plans), _count(session, WorkOrder))
