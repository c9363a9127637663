"""The demo knowledge base (KB-1): 66 Chinese articles in ``data/demo_articles.txt`` —
tariffs, roaming, porting, broadband faults, invoices, refunds, value-added services,
real-name, fraud — with near-duplicates that differ in one detail (the province's fee and a
city's), city overrides, and one expired offer that search must never show. Loaded by
``telcodesk demo`` and by the search-quality test and benchmark."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from telcodesk.knowledge import replies, service
from telcodesk.knowledge.models import KbArticle
from telcodesk.knowledge.rules import Action, ReplyState
from telcodesk.knowledge.schemas import ArticleIn, ReplyTemplateIn
from telcodesk.knowledge.text import DATA
from telcodesk.org.models import Staff


@dataclass(frozen=True)
class DemoArticle:
    key: str
    data: ArticleIn
    overrides: str | None


def demo_articles() -> list[DemoArticle]:
    out = []
    for line in (DATA / "demo_articles.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, cat, region, title, tags, answer, options = line.split("|")
        opts = dict(o.split("=", 1) for o in options.split(";") if o)
        data = ArticleIn(
            title=title,
            answer=answer,
            body=f"{answer}\n\n适用范围：{'全国' if region == '-' else region}。",
            category=cat,
            region_code=None if region == "-" else region,
            tags=[t for t in tags.split(",") if t],
            doc_number=opts.get("doc", ""),
            effective_from=opts.get("from"),
            effective_to=opts.get("to"),
        )
        out.append(DemoArticle(key, data, opts.get("overrides")))
    return out


def titles() -> dict[str, str]:
    """Key → title: the labelled queries name articles by key, hits come back by title."""
    return {a.key: a.data.title for a in demo_articles()}


def load_articles(session: Session, author: Staff, reviewer: Staff) -> int:
    """Write, review and publish every demo article (idempotent: none if any exist)."""
    if session.scalar(select(func.count()).select_from(KbArticle)):
        return 0
    numbers: dict[str, str] = {}
    for item in demo_articles():
        data = item.data
        if item.overrides:
            data = data.model_copy(update={"overrides": numbers[item.overrides]})
        article = service.create_article(session, author, data)
        numbers[item.key] = article.number
        service.act(session, author, article.number, Action.SUBMIT)
        service.act(session, reviewer, article.number, Action.APPROVE)
        service.act(session, author, article.number, Action.PUBLISH)
    return len(numbers)


# Reply templates 话术 for the demo (issue 9 item 7): nationwide, active, by order category.
DEMO_REPLIES: tuple[tuple[str, str | None, str], ...] = (
    (
        "受理告知（通用）",
        None,
        "{customer_name}您好，您的诉求已受理，工单号{order_number}。我们将在{due_date}前"
        "给您答复，如有进展会及时告知。{agent_unit} {agent_name}",
    ),
    (
        "宽带故障上门告知",
        "network.broadband",
        "{customer_name}您好，您反映的宽带问题（工单{order_number}）已派装维人员处理，"
        "师傅将提前电话联系预约上门时间，请保持电话畅通。预计{due_date}前修复。",
    ),
    (
        "费用争议核实答复",
        "billing",
        "{customer_name}您好，关于您反映的{category}问题（工单{order_number}），经核实"
        "多收费用将于3个工作日内退回原账户，给您带来不便深表歉意。",
    ),
    (
        "未经同意订购退订",
        "vas",
        "{customer_name}您好，已为您退订相关增值业务并办理退费，今后未经您确认不会再为您"
        "订购。工单{order_number}，坐席{agent_name}。",
    ),
    (
        "信号问题测试告知",
        "network.coverage",
        "{customer_name}您好，您反映的信号问题（工单{order_number}）已安排网络优化人员"
        "现场测试，结果将于{due_date}前告知您。",
    ),
    (
        "延期处理告知",
        None,
        "{customer_name}您好，您的工单{order_number}因需进一步核实，处理时限延至{due_date}，"
        "敬请谅解。如有疑问请致电客服热线。",
    ),
)


def load_reply_templates(session: Session, editor: Staff) -> int:
    """The demo's reply templates, written and made active by an HQ editor."""
    for title, category, body in DEMO_REPLIES:
        t = replies.create(
            session, editor, ReplyTemplateIn(title=title, body=body, category_code=category)
        )
        replies.move(session, editor, t.id, ReplyState.ACTIVE)
    return len(DEMO_REPLIES)
