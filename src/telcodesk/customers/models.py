"""Customer record 客户 (minimal: enough for work orders; deepened with CD-1).

One customer per number (BH-5): ``phone`` holds the number's normal form
(``customers.phones``) and is unique among live records. A duplicate merged into another
keeps its row, pointing to the record that absorbed it (``merged_into_id``), so old orders,
audit records and the number itself still lead to the living customer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from telcodesk.db import Base, UTCDateTime

LIVE = text("merged_into_id IS NULL")


class Customer(Base):
    __tablename__ = "customer"
    __table_args__ = (
        Index(
            "uq_customer_phone_live",
            "phone",
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    alt_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    type: Mapped[str] = mapped_column(String(20))  # individual | household | enterprise
    tier: Mapped[str] = mapped_column(String(20))  # standard | silver | gold | diamond
    province_code: Mapped[str] = mapped_column(String(6))
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    # Identity document (BH-7) and address: personal data, masked unless revealed (CD-2).
    id_type: Mapped[str | None] = mapped_column(String(30))
    id_number: Mapped[str | None] = mapped_column(String(40), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the identity document says and what the counter recorded (BH-2, BH-7, CD-1):
    # the birth date read from the document's number (elderly care is derived from it),
    # special care staff record (disabled, other), whether a copy of the document is kept
    # (new subscribers), and an enterprise's account manager 客户经理.
    birth_date: Mapped[date | None] = mapped_column(Date())
    special_care: Mapped[str | None] = mapped_column(String(20))
    id_copy_kept: Mapped[bool] = mapped_column(Boolean(), default=False, server_default=false())
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CustomerProduct(Base):
    """A product the customer holds (CD-1): a number with its plan, the contract end date
    协议期 and what is owed 欠费 (fen). Filled by the BSS import; the counter reads it."""

    __tablename__ = "customer_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    number: Mapped[str] = mapped_column(String(20), index=True)
    plan: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # active | suspended | lost | cancelled
    contract_end: Mapped[date | None] = mapped_column(Date())
    arrears_fen: Mapped[int] = mapped_column(default=0)
    services: Mapped[str] = mapped_column(String(400), default="")  # VAS codes, comma-separated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Consent(Base):
    """One entry of the consent ledger 授权记录 (CD-3): append-only. A grant for a purpose
    (service, marketing, sharing with a named third party) with its validity, the channel it
    was given through and its evidence; a withdrawal is a later entry with ``granted`` false.
    The entry in force for a purpose is the latest one."""

    __tablename__ = "customer_consent"
    __table_args__ = (Index("ix_consent_customer_purpose", "customer_id", "purpose", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    purpose: Mapped[str] = mapped_column(String(20))  # service | marketing | sharing
    third_party: Mapped[str] = mapped_column(String(100), default="")  # sharing: with whom
    granted: Mapped[bool] = mapped_column(Boolean())
    valid_until: Mapped[date | None] = mapped_column(Date())
    channel: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))


class CustomerImportJob(Base):
    """One upload of customers (CSV or Excel) imported in the background (CD-1): its progress
    while it runs (rows checked, rows written, of about ``total``) and, once done, the counts
    and the row-level error report. Its final state is written in the import's own
    transaction, so a job reads ``done`` exactly when its rows are in."""

    __tablename__ = "customer_import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(10))  # csv | xlsx
    status: Mapped[str] = mapped_column(String(10))  # running | done | failed
    total: Mapped[int | None] = mapped_column()  # rows in the file, as far as known up front
    checked: Mapped[int] = mapped_column(default=0)
    written: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    products: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{line, errors}]
    message: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
