"""Erlang B, C and A (CC-3) against the stored reference of pyworkforce (4 decimals), and the
properties that tie them together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from telcodesk.halls import staffing

REFERENCE = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "halls_erlang_reference.json").read_text()
)


def test_erlang_c_agrees_with_pyworkforce_to_four_decimals() -> None:
    for case in REFERENCE:
        got = staffing.required_positions(**case["input"])
        want = case["required"]
        assert (got.raw_positions, got.positions) == (want["raw_positions"], want["positions"])
        for field in ("service_level", "occupancy", "waiting_probability"):
            assert getattr(got, field) == pytest.approx(want[field], abs=5e-5), (case, field)
        load = staffing.offered_load(
            case["input"]["transactions"], case["input"]["aht"], case["input"]["interval"]
        )
        for n, sl in case["service_level_at"].items():
            assert staffing.service_level(
                int(n), load, case["input"]["answer_within"], case["input"]["aht"]
            ) == pytest.approx(sl, abs=5e-5)
        for n, pw in case["waiting_probability_at"].items():
            assert staffing.erlang_c(int(n), load) == pytest.approx(pw, abs=5e-5)
    assert len(REFERENCE) >= 300


def test_erlang_b_textbook_value() -> None:
    # 10 Erlangs on 10 trunks block 21.46 % of calls (standard Erlang B table).
    assert staffing.erlang_b(10, 10.0) == pytest.approx(0.2146, abs=1e-4)


def test_erlang_a_tends_to_erlang_c_with_patient_callers() -> None:
    n, transactions, aht, interval, t = 12, 100, 3.0, 30, 1 / 3
    load = staffing.offered_load(transactions, aht, interval)
    patient = staffing.erlang_a(n, transactions, aht, 1e6, interval, t)
    assert patient.waiting_probability == pytest.approx(staffing.erlang_c(n, load), abs=1e-3)
    assert patient.service_level == pytest.approx(staffing.service_level(n, load, t, aht), abs=1e-3)
    assert patient.asa == pytest.approx(staffing.asa(n, load, aht), rel=1e-2)
    impatient = staffing.erlang_a(n, transactions, aht, 1.0, interval, t)
    assert 0 < impatient.abandonment < 0.2
    assert (
        impatient.asa < patient.asa and impatient.waiting_probability < patient.waiting_probability
    )


def test_servers_for_a_mean_wait() -> None:
    # 60 arrivals an hour at 8 minutes: 8 Erlangs; 9 servers wait long, 11 little.
    n = staffing.servers_for_mean_wait(60, 8, 2)
    load = 8.0
    assert staffing.erlang_c(n, load) * 8 / (n - load) <= 2
    assert staffing.erlang_c(n - 1, load) * 8 / (n - 1 - load) > 2
