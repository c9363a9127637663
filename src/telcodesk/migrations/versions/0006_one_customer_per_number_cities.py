"""one customer per number; province-coded customers and orders get their city

Revision ID: 0006_customers
Revises: 0005_notify
Create Date: 2026-12-01 22:30:00

Existing databases (BH-5, CC-1, CD-2):
1. every customer number is brought to its normal form (13800138000, 02012345678); a number
   that does not parse stays as it was;
2. customers sharing a number are merged into the oldest: their orders move to it with a
   history row each (by the system account, when there is one), the duplicates stay as
   records pointing to it, and one audit record per merge names them;
3. customers and orders whose city is a province code (xx0000) get a city: the number's
   attribution when it lies in that province, else the province's first city (its capital);
   an order takes its customer's city when both are in one province;
4. the number becomes unique among live customers.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006_customers"
down_revision: str | None = "0005_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("merged_into_id IS NULL")
FK = "fk_customer_merged_into_id_customer"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; a batch copy of the table would
        # have to drop it, which the orders' foreign keys refuse.
        op.execute(
            "ALTER TABLE customer ADD COLUMN merged_into_id INTEGER REFERENCES customer (id)"
        )
    else:
        op.add_column("customer", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FK, "customer", "customer", ["merged_into_id"], ["id"])
    op.add_column("customer", sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
    _normalise_and_merge(bind)
    _give_cities(bind)
    op.create_index(
        "uq_customer_phone_live",
        "customer",
        ["phone"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    """The columns and the key go; merged records stay as separate customers again, and the
    numbers keep their normal form."""
    op.drop_index("uq_customer_phone_live", table_name="customer")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE customer DROP COLUMN merged_at")
        op.execute("ALTER TABLE customer DROP COLUMN merged_into_id")
        return
    op.drop_constraint(FK, "customer", type_="foreignkey")
    op.drop_column("customer", "merged_at")
    op.drop_column("customer", "merged_into_id")


def _now(bind: Any) -> datetime:
    now = datetime.now(UTC)
    return now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now


def _number(order_id: int, created: Any) -> str:
    from telcodesk.workorders.rules import public_number

    if isinstance(created, str):  # SQLite hands back text
        created = datetime.fromisoformat(created)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return public_number(order_id, created)


def _normalise_and_merge(bind: Any) -> None:
    from telcodesk.customers.phones import try_normalise

    customers = bind.execute(sa.text("SELECT id, phone, alt_phone FROM customer ORDER BY id"))
    owner: dict[str, int] = {}
    merges: list[tuple[int, int]] = []  # (duplicate, kept)
    for cid, phone, alt in customers.all():
        normal = try_normalise(phone) or phone.strip()
        alt_normal = (try_normalise(alt) or alt.strip()) if alt else None
        bind.execute(
            sa.text("UPDATE customer SET phone = :p, alt_phone = :a WHERE id = :id"),
            {"p": normal, "a": alt_normal if alt_normal != normal else None, "id": cid},
        )
        if normal in owner:
            merges.append((cid, owner[normal]))
        else:
            owner[normal] = cid
    if not merges:
        return
    now = _now(bind)
    system = bind.execute(sa.text("SELECT id FROM staff WHERE username = 'system'")).scalar()
    for duplicate, kept in merges:
        orders = [
            (order_id, _number(order_id, created), status)
            for order_id, created, status in bind.execute(
                sa.text(
                    "SELECT id, created_at, status FROM work_order WHERE customer_id = :d"
                    " ORDER BY id"
                ),
                {"d": duplicate},
            )
        ]
        bind.execute(
            sa.text(
                "UPDATE work_order SET customer_id = :k, version = version + 1"
                " WHERE customer_id = :d"
            ),
            {"k": kept, "d": duplicate},
        )
        if system is not None:
            for order_id, _, status in orders:
                bind.execute(
                    sa.text(
                        "INSERT INTO order_event (order_id, at, actor_id, action, from_status,"
                        " to_status, reason, changes) VALUES (:o, :at, :a, 'customer_merged',"
                        " :s, :s, :r, :c)"
                    ).bindparams(sa.bindparam("c", type_=sa.JSON)),
                    {
                        "o": order_id,
                        "at": now,
                        "a": system,
                        "s": status,
                        "r": "同一号码的重复客户合并 / duplicate of the same number",
                        "c": {"customer_id": [duplicate, kept]},
                    },
                )
        bind.execute(
            sa.text("UPDATE customer SET merged_into_id = :k, merged_at = :at WHERE id = :d"),
            {"k": kept, "at": now, "d": duplicate},
        )
        bind.execute(
            sa.text(
                "INSERT INTO audit_record (at, actor_id, action, object_type, object_id, details)"
                " VALUES (:at, NULL, 'customer_merged', 'customer', :k, :details)"
            ).bindparams(sa.bindparam("details", type_=sa.JSON)),
            {
                "at": now,
                "k": str(kept),
                "details": {
                    "merged": duplicate,
                    "orders": [number for _, number, _ in orders],
                    "reason": "迁移 0006：同一号码只保留一个客户 / one customer per number",
                },
            },
        )


def _give_cities(bind: Any) -> None:
    from telcodesk import regions
    from telcodesk.customers.phones import attribution

    def city_in(province: str, phone: str | None) -> str | None:
        attributed = attribution(phone) if phone else None
        if attributed and attributed[:2] == province[:2]:
            return attributed
        first = regions.cities(province)
        return first[0][0] if first else None

    rows = bind.execute(
        sa.text("SELECT id, phone, province_code FROM customer WHERE city_code LIKE '__0000'")
    ).all()
    for cid, phone, province in rows:
        found = city_in(province, phone)
        if found:
            bind.execute(
                sa.text("UPDATE customer SET city_code = :c WHERE id = :id"),
                {"c": found, "id": cid},
            )
    orders = bind.execute(
        sa.text(
            "SELECT o.id, o.province_code, c.city_code, c.phone FROM work_order o"
            " JOIN customer c ON c.id = o.customer_id WHERE o.city_code LIKE '__0000'"
        )
    ).all()
    for oid, province, customer_city, phone in orders:
        if customer_city[:2] == province[:2] and not customer_city.endswith("0000"):
            city: str | None = customer_city
        else:
            city = city_in(province, phone)
        if city:
            bind.execute(
                sa.text(
                    "UPDATE work_order SET city_code = :c, version = version + 1 WHERE id = :id"
                ),
                {"c": city, "id": oid},
            )
