"""The counter's demo (issue 10, "done when"): a customer served to a signed slip, a VAS
request that expires unconfirmed when the worker runs, one waiting, a cancellation with its
retention attempt, corrections that the data-quality KPIs count; idempotent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from telcodesk import clock
from telcodesk.config import Settings
from telcodesk.counter import kpis
from telcodesk.counter.demo import load_counter_demo
from telcodesk.counter.models import CounterTransaction, CounterVisit
from telcodesk.db import unit_of_work
from telcodesk.demo import load_demo
from telcodesk.org import service as org
from telcodesk.worker import Worker


def test_the_counter_demo(factory: sessionmaker[Session], settings: Settings) -> None:
    load_demo(factory, orders=0)
    assert load_counter_demo(factory) == 3
    assert load_counter_demo(factory) == 0
    assert Worker(factory, settings).run_job("expire_unconfirmed_services") == 1
    with unit_of_work(factory) as session:
        visits = list(session.scalars(select(CounterVisit).order_by(CounterVisit.id)))
        assert [v.signed_at is not None for v in visits] == [True, False, True]
        states = {(t.kind, t.state) for t in session.scalars(select(CounterTransaction))}
        assert states == {
            ("payment", "completed"),
            ("plan_change", "completed"),
            ("vas_subscribe", "completed"),
            ("vas_subscribe", "expired"),
            ("vas_subscribe", "confirmation_sent"),
            ("cancel", "completed"),
        }
        admin = org.get_staff_by_username(session, "admin.gd")
        now = clock.now()
        rows = kpis.data_quality(session, admin, now.replace(year=now.year - 5), now)
        assert {r.city_code for r in rows} == {"440100", "440300", "440600"}
        gz = next(r for r in rows if r.city_code == "440100")
        assert gz.error_rate.numerator == 2 and gz.completeness.denominator > 500
        assert gz.completeness.value is not None and gz.completeness.value < 1  # enterprises
