"""Knowledge tables (KB-1, KB-2): articles and their versions, categories with approver
groups, the search index rows, usage on orders, bulletins with read receipts.

An article is the stable identity (number, region, category); its content lives in versions.
A version is editable while a draft or returned; once published it never changes — a new
draft replaces it, and the old one is kept as superseded (KB-2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from telcodesk.db import Base, UTCDateTime


class KbCategory(Base):
    __tablename__ = "kb_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(60))


class KbApprover(Base):
    """The approver group of a category: when a category has one, only its members approve."""

    __tablename__ = "kb_approver"
    __table_args__ = (UniqueConstraint("category_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_category.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class KbArticle(Base):
    """Where an article applies: nationwide (no province), a province, or one city. A city
    article may override a province one for that city (agents there see the city's)."""

    __tablename__ = "kb_article"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_category.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(String(6), index=True)
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    overrides_id: Mapped[int | None] = mapped_column(ForeignKey("kb_article.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The version agents read now (None until one is published, again once retired).
    live_version_id: Mapped[int | None] = mapped_column()
    returned_count: Mapped[int] = mapped_column(default=0, server_default="0")

    category: Mapped[KbCategory] = relationship(lazy="joined")


class KbVersion(Base):
    __tablename__ = "kb_version"
    __table_args__ = (
        UniqueConstraint("article_id", "version_no"),
        Index("ix_kb_version_due", "state", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id"), index=True)
    version_no: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)  # the standard answer 口径 read to the customer
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised on render
    tags: Mapped[str] = mapped_column(String(400), default="")  # comma-separated
    doc_number: Mapped[str] = mapped_column(String(60), default="")  # 文号
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KbSearchDoc(Base):
    """One row per live article: its segmented terms (knowledge/text.py) for the engine's
    full-text index — FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL (migration 0010,
    knowledge/search.py). Removed the moment the article is retired or expires."""

    __tablename__ = "kb_search_doc"
    # A city's overrides, found by index on every search of its agents (search._live).
    __table_args__ = (
        Index("ix_kb_search_doc_city_overrides", "city_code", "overrides_article_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id"), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_version.id"))
    category_code: Mapped[str] = mapped_column(String(40), index=True)
    province_code: Mapped[str | None] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    overrides_article_id: Mapped[int | None] = mapped_column()
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    effective_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    title_terms: Mapped[str] = mapped_column(Text)
    body_terms: Mapped[str] = mapped_column(Text)
    scope_terms: Mapped[str] = mapped_column(String(60))


class KbUsage(Base):
    """An article inserted into an order's reply, or marked helpful / not helpful (KB-1)."""

    __tablename__ = "kb_usage"
    __table_args__ = (Index("ix_kb_usage_article_kind", "article_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(20))  # inserted | helpful | not_helpful
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KbBulletin(Base):
    """A notice 公告 (new offer, outage script) for the staff of a region (KB-2)."""

    __tablename__ = "kb_bulletin"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str] = mapped_column(String(60), default="")
    province_code: Mapped[str | None] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KbBulletinReceipt(Base):
    """One per recipient, written when the bulletin is pushed; read_at once they confirm."""

    __tablename__ = "kb_bulletin_receipt"
    __table_args__ = (UniqueConstraint("bulletin_id", "staff_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("kb_bulletin.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Reminders sent while unread (config bulletin_reminder_hours: one per stage, KB-2).
    reminders: Mapped[int] = mapped_column(default=0, server_default="0")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the next stage falls due while unread; None once all were sent (or confirmed).
    next_remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class KbAttachment(Base):
    """A file of the attachment store in a version of an article (a tariff table, a
    screenshot of the app). Added and removed only while the version is editable; a revision
    carries its links over, so a published version's files never change (KB-2)."""

    __tablename__ = "kb_attachment"
    __table_args__ = (UniqueConstraint("version_id", "attachment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("kb_version.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class KbReplyTemplate(Base):
    """A canned reply 话术 for orders of a category (issue 9 item 7), with variables filled
    on the server from the order ({customer_name} masked, {order_number}, {due_date} …).
    Kept by the knowledge editors of its region: draft → active → retired."""

    __tablename__ = "kb_reply_template"
    __table_args__ = (Index("ix_kb_reply_template_state", "state", "category_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    # An order category's code (workorders.taxonomy); it covers the category's children too.
    # None: every category.
    category_code: Mapped[str | None] = mapped_column(String(80))
    province_code: Mapped[str | None] = mapped_column(String(6))
    city_code: Mapped[str | None] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(10))  # draft | active | retired
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
