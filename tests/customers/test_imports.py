"""Bulk import of customers and products (CD-1): a file with bad rows on both engines — the bad
rows are reported with their line and every error, the good rows land with their products,
nothing is half written, and another region's rows are refused (CD-2)."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk.customers import identity, imports, phones
from telcodesk.customers.models import Customer, CustomerProduct
from telcodesk.db import unit_of_work
from tests.factories import World

BODY = "44010619750505123"
GOOD_ID = BODY + identity.id_check_character(BODY)
CSV = f"""name,phone,city_code,type,tier,id_type,id_number,address,plan,contract_end,arrears_fen
王一,13711110001,440100,individual,gold,resident_id,{GOOD_ID},广州天河1号,5G,2027-01-31,0
王二,13711110002,440106,,,,,,4G 59,,5800
坏号码,1371111,440100,,,,,,,,
坏证件,13711110003,440100,individual,,resident_id,440106197505051234,,,,
重复号码,13800138000,440100,,,,,,,,
文件内重复,13711110001,440100,,,,,,,,
坏地市,13711110004,440199,,,,,,,,
外省,13711110005,310100,,,,,,,,
坏协议期,13711110006,440100,,,,,,5G,2027-02-30,x
政企无码,0755-86013388,440300,enterprise,,resident_id,{GOOD_ID},,,,
"""


def test_a_file_with_bad_rows(factory: sessionmaker[Session], world: World) -> None:
    with unit_of_work(factory) as session:
        before = session.scalar(select(func.count()).select_from(Customer))
        report = imports.import_customers(session, world.admin, imports.read(io.StringIO(CSV)))
    assert (report.rows, report.imported, report.products) == (10, 2, 2)
    by_line = {e["line"]: e["errors"] for e in report.errors}
    assert sorted(by_line) == [4, 5, 6, 7, 8, 9, 10, 11]
    assert by_line[4][0].startswith("phone")
    assert "id_checksum" in by_line[5][0]
    assert "already" in by_line[6][0] and "already" in by_line[7][0]
    assert by_line[8][0].startswith("city_code")
    assert "outside your region" in by_line[9][0]
    assert len(by_line[10]) == 2  # every error of the row, not the first only
    assert by_line[11][0].startswith("id_type")
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == before + 2
        wang = session.scalars(select(Customer).where(Customer.phone == "13711110001")).one()
        assert (wang.tier, wang.city_code, str(wang.birth_date)) == ("gold", "440100", "1975-05-05")
        second = session.scalars(select(Customer).where(Customer.phone == "13711110002")).one()
        assert second.city_code == "440100"  # a district gives its city
        products = {p.number: p for p in session.scalars(select(CustomerProduct))}
        assert products["13711110002"].arrears_fen == 5800
        assert products["13711110001"].customer_id == wang.id
    # New customers after an import get fresh keys (the sequence moved past the loaded rows).
    from telcodesk.customers import service as customers
    from telcodesk.customers.schemas import CustomerIn

    with unit_of_work(factory) as session:
        later = customers.create_customer(
            session, CustomerIn(name="后来", phone="13711119999"), default_city="440100"
        )
        assert later.id > wang.id


@settings(max_examples=3000, deadline=None)
@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_the_mobile_shortcut_agrees_with_the_parser(number: str) -> None:
    assert imports._phone(number) == phones.try_normalise(number)
