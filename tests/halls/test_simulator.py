"""The hall simulator runs the real policy and scores the real estimate (BH-1, T-3): on a
short seeded morning the estimate's error is within the aim (MAE ≤ 3 min, p90 ≤ 6 min), the
same seed gives the same day, and the day's KPIs come out as the live hall's do."""

from __future__ import annotations

from telcodesk.halls import kpis, sim_days, simulator


def test_a_seeded_morning_scores_the_estimate_within_the_aim() -> None:
    day = sim_days.short_morning()
    result = simulator.simulate(day, seed=7)
    assert len(result.scored) > 60
    assert result.mae() <= 3 and result.p90() <= 6, (result.mae(), result.p90())
    again = simulator.simulate(day, seed=7)
    assert again.scored == result.scored and again.visits == result.visits
    by_type = kpis.by(result.visits, "type")
    assert set(by_type) >= {"A", "B", "V"}
    vip = by_type["V"]
    assert vip.wait_p50 is not None and vip.wait_p50 <= 5  # T-3: VIP ≤ 5 min
    assert result.summary.wait_p90 is not None and result.summary.wait_p90 <= 30
    for number, busy in result.busy.items():
        assert 0 < busy <= result.open_minutes[number] + 1e-9


def test_a_counter_plan_short_of_counters_shows_in_the_kpis() -> None:
    full = simulator.simulate(sim_days.short_morning(), seed=3)
    short = simulator.simulate(
        simulator.Day(**{**sim_days.short_morning().__dict__, "counters": sim_days.COUNTERS[:2]}),
        seed=3,
    )
    assert (short.summary.wait_mean or 0) > (full.summary.wait_mean or 0)


def test_cli_simulates_a_counter_plan_against_t3() -> None:
    from typer.testing import CliRunner

    from telcodesk.cli import app as cli
    from telcodesk.cli import console

    console.width = 200
    runner = CliRunner()
    ok = runner.invoke(cli, ["halls", "simulate", "--days", "2"])
    assert ok.exit_code == 0, ok.output
    assert "T-3 met" in ok.output and "estimate MAE" in ok.output
    thin = runner.invoke(cli, ["halls", "simulate", "--days", "2", "--counters", "1:vip,2:general"])
    assert thin.exit_code == 1 and "T-3 not met" in thin.output
    bad = runner.invoke(cli, ["halls", "simulate", "--counters", "1:nope"])
    assert bad.exit_code == 2 and "profile" in bad.output
