"""Bulk import of customers and their products from CSV (CD-1): the BSS's export loaded in one
go, with a row-level error report.

How: every row is checked first, in Python, by the same rules as registration — the number in
its normal form (``phones``), the city a real GB/T 2260 city, kind and tier known, the
identity document by its own rules (``identity``; a person a personal document, an
enterprise its credit code), a plan, a contract end date and arrears in fen when given — and
against the numbers already held by live customers and earlier rows of the file (one customer
per number). Bad rows are reported with their line and every error; the good rows are then
written in the caller's transaction, with keys taken up front so the products can point to
their customers: COPY on PostgreSQL, executemany on SQLite, in chunks. Nothing is half
written: a row is all of its customer and product or nothing, and the whole load commits or
rolls back as one.

Columns: ``name, phone, city_code`` (required), ``type, tier, id_type, id_number, address,
alt_phone, plan, contract_end (YYYY-MM-DD), arrears_fen``. The same columns come from CSV
(UTF-8, with or without a BOM) or from the first sheet of an Excel workbook (.xlsx, read
streaming with openpyxl's read-only mode; numbers typed as numbers — a phone, arrears — and
dates typed as dates are taken as their text).
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, BinaryIO, TextIO

import openpyxl
import phonenumbers
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from telcodesk import clock, regions
from telcodesk.customers import identity, phones
from telcodesk.customers.models import Customer, CustomerProduct
from telcodesk.customers.schemas import CustomerType, Tier
from telcodesk.errors import DomainError, ValidationFailed
from telcodesk.org import permissions
from telcodesk.org.models import Staff
from telcodesk.org.permissions import Permission
from telcodesk.org.scope import scope_of

REQUIRED = ("name", "phone", "city_code")
CHUNK = 10_000
CHECK_STEP = 5_000  # rows between two reports of the checking's progress
KINDS = {t.value for t in CustomerType}
TIERS = {t.value for t in Tier}


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    products: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {line, errors}

    @property
    def rejected(self) -> int:
        return len(self.errors)


_MOBILE = re.compile(r"1[0-9]{10}")


@cache
def _china_descs() -> tuple[tuple[re.Pattern[str], frozenset[int]], ...]:
    """libphonenumber's own number descriptions for China (general first, then every type),
    compiled once: a number is valid when it fits the general one and any type."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    assert meta is not None and meta.general_desc is not None
    kinds = (
        meta.premium_rate,
        meta.toll_free,
        meta.shared_cost,
        meta.voip,
        meta.personal_number,
        meta.pager,
        meta.uan,
        meta.voicemail,
        meta.fixed_line,
        meta.mobile,
    )
    general = meta.general_desc
    out = [
        (
            re.compile(general.national_number_pattern or "^$"),
            frozenset(general.possible_length or ()),
        )
    ]
    for d in kinds:
        if d is None or not d.national_number_pattern or tuple(d.possible_length or ()) == (-1,):
            continue
        lengths = frozenset(d.possible_length or general.possible_length or ())
        out.append((re.compile(d.national_number_pattern), lengths))
    return tuple(out)


def _mobile_valid(number: str) -> bool:
    """Whether an 11-digit number starting with 1 is valid, as ``phonenumbers.is_valid_number``
    decides, by its metadata's patterns directly: parsing a million rows through the library
    took most of an import's checking time."""
    general, *kinds = _china_descs()

    def fits(desc: tuple[re.Pattern[str], frozenset[int]]) -> bool:
        return len(number) in desc[1] and desc[0].fullmatch(number) is not None

    return fits(general) and any(fits(k) for k in kinds)


def _phone(raw: str) -> str | None:
    """The number's normal form; a mobile already in it is checked against the metadata's
    patterns (a million rows would spend most of their time in the parser otherwise)."""
    if _MOBILE.fullmatch(raw):
        return raw if _mobile_valid(raw) else None
    return phones.try_normalise(raw)


def _row(
    raw: dict[str, str], today: date, now: Any
) -> tuple[dict[str, Any], dict | None, list[str]]:
    errors: list[str] = []
    get = lambda k: (raw.get(k) or "").strip()  # noqa: E731
    name, kind, tier = get("name"), get("type") or "individual", get("tier") or "standard"
    if not name or len(name) > 100:
        errors.append("name: 1-100 characters / 姓名须为 1-100 个字符")
    if kind not in KINDS:
        errors.append(f"type: unknown {kind} / 客户类型不存在")
    if tier not in TIERS:
        errors.append(f"tier: unknown {tier} / 客户等级不存在")
    phone = _phone(get("phone"))
    if phone is None:
        errors.append("phone: not a full number / 号码不完整或不合法")
    alt = None
    if get("alt_phone"):
        alt = phones.try_normalise(get("alt_phone"))
        if alt is None:
            errors.append("alt_phone: not a full number / 备用号码不合法")
    city = regions.city_of(get("city_code")) if regions.is_known(get("city_code")) else None
    if city is None:
        errors.append("city_code: not a GB/T 2260 city / 地市代码不存在")
    document = None
    if get("id_type") or get("id_number"):
        try:
            document = identity.validate(get("id_type"), get("id_number"), today=today)
            if (kind == "enterprise") != (document.kind in identity.ENTERPRISE_DOCUMENTS):
                errors.append("id_type: enterprise ↔ credit code / 政企用统一社会信用代码")
        except DomainError as exc:
            errors.append(f"id_number: {exc.code} / {exc.message_zh}")
    address = get("address") or None
    if address and len(address) > 200:
        errors.append("address: at most 200 characters / 地址过长")
    customer = {
        "name": name,
        "phone": phone,
        "alt_phone": alt if alt != phone else None,
        "type": kind,
        "tier": tier,
        "province_code": (city or "000000")[:2] + "0000",
        "city_code": city,
        "id_type": document.kind.value if document else None,
        "id_number": document.number if document else None,
        "birth_date": document.birth_date if document else None,
        "address": address,
        "created_at": now,
        "id_copy_kept": False,
        "merged_into_id": None,
    }
    product = None
    if get("plan"):
        contract_end = None
        if get("contract_end"):
            try:
                contract_end = date.fromisoformat(get("contract_end"))
            except ValueError:
                errors.append("contract_end: YYYY-MM-DD / 协议期须为日期")
        arrears = get("arrears_fen") or "0"
        if not arrears.isdigit() or int(arrears) > 10**9:
            errors.append("arrears_fen: whole fen, 0 or more / 欠费须为非负整数（分）")
        product = {
            "number": phone,
            "plan": get("plan")[:100],
            "status": "active",
            "contract_end": contract_end,
            "arrears_fen": int(arrears) if arrears.isdigit() else 0,
            "services": "",
            "created_at": now,
        }
    return customer, product, errors


def _require_columns(names: Iterable[str]) -> None:
    missing = [c for c in REQUIRED if c not in set(names)]
    if missing:
        raise ValidationFailed(
            f"文件缺少列：{', '.join(missing)}",
            f"The file lacks columns: {', '.join(missing)}",
            code="csv_columns",
            details={"missing": missing},
        )


def read(source: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(source)
    _require_columns(reader.fieldnames or [])
    for row in reader:
        yield reader.line_num, row


def _cell(value: Any) -> str:
    """An Excel cell as the text a CSV would hold: 13800138000.0 → 13800138000, a date →
    YYYY-MM-DD, empty → ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def open_xlsx(source: BinaryIO) -> Any:
    """The workbook, read-only (rows streamed, not loaded); 422 when it is no workbook."""
    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(
            "不是有效的 Excel 文件（.xlsx）", "Not an Excel workbook (.xlsx)", code="xlsx_invalid"
        ) from exc


def read_xlsx(book: Any) -> Iterator[tuple[int, dict[str, str]]]:
    """The first sheet's rows after its header, numbered as Excel numbers them."""
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = [_cell(v).strip() for v in next(rows, ())]
    _require_columns(header)
    for line, values in enumerate(rows, start=2):
        if values is None or all(v is None for v in values):
            continue  # Excel's empty trailing rows
        yield line, {k: _cell(v) for k, v in zip(header, values, strict=False) if k}


def xlsx_rows(book: Any) -> int | None:
    """Rows below the header as the sheet's dimension says (None when it does not)."""
    sheet = book.worksheets[0]
    return max(sheet.max_row - 1, 0) if sheet.max_row else None


def _ids(session: Session, n: int) -> list[int]:
    """Keys for ``n`` new customers, taken before the rows are written."""
    if n == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        stmt = text(
            "SELECT nextval(pg_get_serial_sequence('customer', 'id')) FROM generate_series(1, :n)"
        )
        return [int(i) for (i,) in session.execute(stmt, {"n": n})]
    top = session.scalar(select(func.max(Customer.id))) or 0
    return list(range(top + 1, top + 1 + n))


def _write(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    cols = list(rows[0])
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row([row[c] for c in cols])


def import_customers(
    session: Session,
    actor: Staff,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    progress: Callable[[int], None] | None = None,
    checked: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row, report the bad ones, write the good ones (see the module docstring).
    The actor needs CUSTOMER_EDIT; a row of a city outside their region is refused (CD-2).
    The caller's unit of work commits."""
    permissions.require(actor, Permission.CUSTOMER_EDIT)
    scope = scope_of(actor)
    report = ImportReport()
    now, today = clock.now(), clock.local(clock.now()).date()
    held = set(
        session.scalars(select(Customer.phone).where(Customer.merged_into_id.is_(None)))
    ) | set(session.scalars(select(CustomerProduct.number)))
    good: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for line, raw in rows:
        report.rows += 1
        if checked and report.rows % CHECK_STEP == 0:
            checked(report.rows)
        customer, product, errors = _row(raw, today, now)
        city = customer["city_code"]
        if city is not None and not scope.covers(city[:2] + "0000", city):
            errors.append("city_code: outside your region / 不在您的辖区内")
        if customer["phone"] is not None and customer["phone"] in held:
            errors.append("phone: the number has a customer already / 该号码已有客户")
        if errors:
            report.errors.append({"line": line, "errors": errors})
            continue
        held.add(customer["phone"])
        good.append((customer, product))
    if checked:
        checked(report.rows)
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        ids = _ids(session, len(chunk))
        customers, products = [], []
        for key, (customer, product) in zip(ids, chunk, strict=True):
            customers.append({"id": key, **customer})
            if product is not None:
                products.append({"customer_id": key, **product})
        _write(session, Customer.__table__, customers)
        _write(session, CustomerProduct.__table__, products)
        report.imported += len(customers)
        report.products += len(products)
        if progress:
            progress(len(chunk))
    session.flush()
    return report
