"""Demo data for the counter (issue 10): products for the demo customers, and the visits the
demo shows — a customer served from the ID check to a signed combined slip, a value-added
request left unconfirmed (the embedded worker expires it: nothing activated), one still
waiting for the SMS reply, and a cancellation with its retention attempt. Loaded through the
services, idempotent (nothing is added once a visit exists). ``telcodesk demo`` runs it after
the orders."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.counter import service
from telcodesk.counter.models import CounterVisit
from telcodesk.counter.rules import Kind
from telcodesk.counter.schemas import DocumentIn, RetentionIn, TransactionIn, VisitIn
from telcodesk.customers import service as customers
from telcodesk.customers.models import Customer, CustomerProduct
from telcodesk.customers.schemas import CustomerEdit
from telcodesk.db import unit_of_work
from telcodesk.org import service as org

PLANS = ("5G 畅享 129 元", "5G 畅享 199 元", "4G 畅聊 59 元", "家庭融合 169 元", "校园卡 29 元")
AGENT = "gz.hall1"


def _products(session: Session, rng: random.Random) -> int:
    """One number per demo customer who has none: a third under contract, one in ten owing."""
    have = set(session.scalars(select(CustomerProduct.customer_id)))
    added = 0
    today = customers.today()
    for customer in session.scalars(
        select(Customer).where(Customer.merged_into_id.is_(None)).order_by(Customer.id)
    ):
        if customer.id in have or not customer.phone.startswith("1"):
            continue
        under = rng.random() < 0.33
        customers.add_product(
            session,
            customer,
            number=customer.phone,
            plan=rng.choice(PLANS),
            contract_end=today + timedelta(days=rng.randint(30, 700)) if under else None,
            arrears_fen=rng.choice((1280, 5800, 12900)) if rng.random() < 0.1 else 0,
            services="ringback" if rng.random() < 0.2 else "",
        )
        added += 1
    return added


def _doc(customer: Customer) -> DocumentIn:
    return DocumentIn.model_validate({"id_type": customer.id_type, "id_number": customer.id_number})


def load_counter_demo(factory: sessionmaker[Session], seed: int = 2026) -> int:
    """Returns the number of visits added (0 when they exist already)."""
    rng = random.Random(seed)
    with unit_of_work(factory) as session:
        _products(session, rng)
        if session.scalar(select(func.count()).select_from(CounterVisit)):
            return 0
        agent = org.get_staff_by_username(session, AGENT)
        people = [
            c
            for c in session.scalars(
                select(Customer)
                .where(
                    Customer.city_code == "440100",
                    Customer.type == "individual",
                    Customer.id_type == "resident_id",
                    Customer.merged_into_id.is_(None),
                )
                .order_by(Customer.id)
                .limit(40)
            )
            if c.phone.startswith("1")
        ]
        served, waiting, leaving = people[0], people[1], people[2]
        # Served from the ID check to a signed slip: a plan change told in advance, a payment,
        # a VAS the customer confirmed by SMS.
        visit = service.start_visit(
            session, agent, VisitIn(customer_id=served.id, document=_doc(served))
        )
        product = customers.products_of(session, served.id)[0]
        product.arrears_fen, product.contract_end = 5800, None
        service.add_transaction(
            session,
            agent,
            visit.number,
            TransactionIn(kind=Kind.PAYMENT, product_number=product.number, amount_fen=5800),
        )
        service.add_transaction(
            session,
            agent,
            visit.number,
            TransactionIn(
                kind=Kind.PLAN_CHANGE,
                product_number=product.number,
                plan="5G 畅享 199 元",
                notice_acknowledged=True,
            ),
        )
        service.add_transaction(
            session,
            agent,
            visit.number,
            TransactionIn(
                kind=Kind.VAS_SUBSCRIBE, product_number=product.number, service="video_vip"
            ),
        )
        service.answer_by_sms(session, product.number, "是")
        service.sign_visit(session, agent, visit.number)
        # A VAS request made an hour ago, never confirmed: the worker expires it (VA-1); and
        # one made now, still waiting for the reply.
        visit = service.start_visit(
            session, agent, VisitIn(customer_id=waiting.id, document=_doc(waiting))
        )
        number = customers.products_of(session, waiting.id)[0].number
        for service_code, ago in (
            ("roaming_pack", timedelta(hours=1)),
            ("cloud_drive", timedelta(0)),
        ):
            then = clock.now() - ago
            clock.set_clock(lambda then=then: then)  # type: ignore[misc]
            try:
                service.add_transaction(
                    session,
                    agent,
                    visit.number,
                    TransactionIn(
                        kind=Kind.VAS_SUBSCRIBE, product_number=number, service=service_code
                    ),
                )
            finally:
                clock.set_clock(None)
        # A cancellation with one retention offer, declined: the number is cancelled (VA-3).
        visit = service.start_visit(
            session, agent, VisitIn(customer_id=leaving.id, document=_doc(leaving))
        )
        product = customers.products_of(session, leaving.id)[0]
        product.arrears_fen, product.contract_end = 0, None
        service.add_transaction(
            session,
            agent,
            visit.number,
            TransactionIn(
                kind=Kind.CANCEL,
                product_number=product.number,
                retention=RetentionIn(offer="discount", accepted=False, reason="出国定居"),
            ),
        )
        service.sign_visit(session, agent, visit.number)
        # Two records corrected later (CD-4 error rate): the address had been typed wrong.
        for customer in people[3:5]:
            customers.update_customer(
                session,
                agent,
                customer.id,
                CustomerEdit(
                    address=f"{customer.address or '广东省广州市天河区'}（已更正）",
                    reason="地址录入有误",
                    correction=True,
                ),
            )
        return 3
