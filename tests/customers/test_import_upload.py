"""Customer import by upload (CD-1, issue 10 item 7), on both engines: a CSV and an Excel
workbook with bad rows, uploaded through the API and the console; the job reports progress,
then its counts; bad rows come back as a downloadable report with their line and errors;
good rows land with their products; nothing is half written; another staff member's job is
404; a file of the wrong kind or without the required columns is refused at once."""

from __future__ import annotations

import csv
import io
import time
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from telcodesk import config
from telcodesk.cli import app as cli
from telcodesk.customers.models import Customer, CustomerImportJob, CustomerProduct
from telcodesk.db import unit_of_work
from tests.conftest import console_login, login
from tests.customers.test_imports import CSV, GOOD_ID
from tests.factories import World

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook() -> bytes:
    """Rows as Excel holds them: phones and arrears typed as numbers, a contract end as a
    date, an empty trailing row."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "phone", "city_code", "tier", "id_type", "id_number", "plan"])
    sheet.append(["表一", 13722220001, 440100, "gold", "resident_id", GOOD_ID, "5G"])
    sheet.append(["表二", "137 2222 0002", "440106", None, None, None, "4G"])
    sheet.append(["坏号码", 1372222, 440100, None, None, None, None])
    sheet.append(["坏地市", 13722220003, 440199, None, None, None, None])
    sheet.append(["坏等级", 13722220004, 440100, "platinum", None, None, None])
    sheet["H1"] = "contract_end"
    sheet["H2"] = date(2027, 6, 30)
    sheet.append([None] * 8)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _wait(client: TestClient, headers: dict[str, str], job: int) -> dict[str, Any]:
    for _ in range(300):
        res = client.get(f"/api/v1/customers/imports/{job}", headers=headers)
        assert res.status_code == 200, res.text
        if res.json()["status"] != "running":
            return dict(res.json())
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def _count(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        products = session.scalar(select(func.count()).select_from(CustomerProduct)) or 0
        return customers, products


def test_a_csv_upload_with_bad_rows_reports_them_and_lands_the_good_ones(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    admin = login(client, world.admin.username)
    before = _count(factory)
    files = {"file": ("bss.csv", CSV.encode("utf-8-sig"), "text/csv")}
    res = client.post("/api/v1/customers/imports", files=files, headers=admin)
    assert res.status_code == 202, res.text
    assert res.json()["format"] == "csv" and res.json()["total"] == 10
    done = _wait(client, admin, res.json()["id"])
    assert done["status"] == "done" and done["percent"] == 100
    assert (done["checked"], done["imported"], done["products"], done["rejected"]) == (10, 2, 2, 8)
    assert _count(factory) == (before[0] + 2, before[1] + 2)
    report = client.get(done["errors_url"], headers=admin)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.text.lstrip("\ufeff"))))
    assert rows[0] == ["line", "errors"]
    assert [int(r[0]) for r in rows[1:]] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert "id_checksum" in rows[2][1]
    other = login(client, world.supervisor.username)
    assert client.get(f"/api/v1/customers/imports/{done['id']}", headers=other).status_code == 404
    assert client.get(done["errors_url"], headers=other).status_code == 404


def test_an_excel_upload_with_bad_rows(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    admin = login(client, world.admin.username)
    files = {"file": ("bss.xlsx", _workbook(), XLSX_TYPE)}
    res = client.post("/api/v1/customers/imports", files=files, headers=admin)
    assert res.status_code == 202, res.text
    done = _wait(client, admin, res.json()["id"])
    assert done["format"] == "xlsx" and done["status"] == "done"
    assert (done["imported"], done["products"], done["rejected"]) == (2, 2, 3)
    report = client.get(done["errors_url"], headers=admin).text
    lines = [r[0] for r in csv.reader(io.StringIO(report))]
    assert lines[1:] == ["4", "5", "6"]  # Excel's own row numbers
    with unit_of_work(factory) as session:
        first = session.scalars(select(Customer).where(Customer.phone == "13722220001")).one()
        assert (first.tier, first.id_number) == ("gold", GOOD_ID)
        product = session.scalars(
            select(CustomerProduct).where(CustomerProduct.number == "13722220001")
        ).one()
        assert product.contract_end == date(2027, 6, 30)
        assert session.scalars(select(Customer).where(Customer.phone == "13722220002")).one()


def test_a_file_of_the_wrong_kind_or_columns_is_refused_before_any_job(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    admin = login(client, world.admin.username)
    gbk = "name,phone,city_code\n张三,13800138000,440100\n".encode("gbk")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)  # an old .xls
    cases = [
        (("a.csv", "姓名,电话\n张三,13800138000\n".encode(), "text/csv"), "csv_columns"),
        (("a.csv", gbk, "text/csv"), "import_format"),
        (("a.xls", ole, "application/vnd.ms-excel"), "import_format"),
        (("a.xlsx", b"PK\x03\x04" + bytes(100), XLSX_TYPE), "xlsx_invalid"),
        (("a.csv", b"", "text/csv"), "import_file"),
    ]
    for upload, code in cases:
        res = client.post("/api/v1/customers/imports", files={"file": upload}, headers=admin)
        assert res.status_code == 422, (upload[0], res.text)
        assert res.json()["code"] == code and res.json()["message_zh"] and res.json()["message_en"]
    form = client.post("/api/v1/customers/imports", data={"x": "1"}, headers=admin)
    assert form.status_code == 422 and form.json()["code"] == "import_file"
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(CustomerImportJob)) == 0


def test_the_console_upload_shows_progress_then_the_report(
    client: TestClient, world: World, factory: sessionmaker[Session]
) -> None:
    console_login(client, world.admin.username)
    page = client.get("/console/customer-imports")
    assert page.status_code == 200 and 'id="import-form"' in page.text
    files = {"file": ("bss.xlsx", _workbook(), XLSX_TYPE)}
    res = client.post("/console/customer-imports", files=files, follow_redirects=False)
    assert res.status_code == 303, res.text
    job_page = res.headers["location"]
    shown = client.get(job_page)
    assert shown.status_code == 200 and 'id="import-bar"' in shown.text
    for _ in range(300):
        card = client.get(f"{job_page}/progress", headers={"HX-Request": "true"})
        if 'data-status="running"' not in card.text:
            break
        assert 'hx-trigger="every 1s"' in card.text
        time.sleep(0.1)
    assert 'data-status="done"' in card.text and 'id="import-imported">2<' in card.text
    assert "hx-trigger" not in card.text  # polling stops
    report = client.get(f"{job_page}/errors.csv")
    assert report.status_code == 200 and "platinum" in report.text
    bad = client.post(
        "/console/customer-imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    )
    assert bad.status_code == 422 and 'id="import-error"' in bad.text


def test_the_cli_imports_an_excel_workbook(
    world: World,
    factory: sessionmaker[Session],
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    book = tmp_path / "bss.xlsx"
    book.write_bytes(_workbook())
    errors = tmp_path / "errors.csv"
    monkeypatch.setenv("TELCODESK_DATABASE_URL", db_url)
    config.get_settings.cache_clear()
    try:
        args = ["customers", "import", str(book), "--actor", world.admin.username]
        res = CliRunner().invoke(cli, [*args, "--errors", str(errors)])
    finally:
        config.get_settings.cache_clear()
    assert res.exit_code == 0, res.output
    assert "imported 2 (products 2) · rejected 3" in res.output
    assert errors.read_text().count("\n") == 4
