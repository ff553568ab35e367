"""Target back-calculation (engine.targets) on small hand-checked frames and on generated data."""

import math
import random
from datetime import date, timedelta

import pandas as pd
import pytest

from sales_process.engine.deal_history import CYCLE_DAYS
from sales_process.engine.rollup import Change
from sales_process.engine.targets import (
	GREEN,
	ORANGE,
	RED,
	TEAM,
	WON_STEP,
	Rate,
	Status,
	back_calculation,
	coverage_band,
	days_left,
	history_rates,
	needs,
	prorate_target,
	split_target,
	stage_conversions,
	team_summary,
	weakest_step,
	weakest_steps,
	weeks_left,
	weighted_pipeline,
)

# Q4 2026, read on 20 November: 11 days of November and 31 of December are left = 6 weeks
FROM, TO, TODAY = date(2026, 10, 1), date(2026, 12, 31), date(2026, 11, 20)


def history_frame(rows):
	return pd.DataFrame(
		rows,
		columns=[
			"rep",
			"decided",
			"won",
			"won_amount",
			"won_with_amount",
			"advances",
			"moves",
			"visits",
			"quotations",
		],
	)


def cycle_buckets(days: pd.DataFrame) -> dict:
	"""Per rep, the won deals' days (`rep`, `days`) counted in the cycle buckets, as the rollup has them."""
	per_rep: dict = {}
	for rep, value in days.dropna().itertuples(index=False):
		per_rep.setdefault(rep, Change()).add(Change(CYCLE_DAYS.count_of(value)))
	return {rep: change.counts for rep, change in per_rep.items()}


def hand_history():
	"""Rep a has a history of their own; b (2 decided deals) and c (no won deal) are too thin.

	Team: 20 decided, 5 won → 25 %; 210 000 won over 5 deals → 42 000; 40 advances over 20
	deals → 2 a deal; 72 visits over 48 moves → 1.5 a move; 10 quotations over 5 won → 2.
	"""
	history = history_frame(
		[
			("a", 10, 4, 200_000, 4, 30, 36, 45, 6),
			("b", 2, 1, 10_000, 1, 2, 4, 5, 2),
			("c", 8, 0, 0, 0, 8, 8, 22, 2),
		]
	)
	cycles = pd.DataFrame([("a", days) for days in (20, 30, 40, 100)] + [("b", 10)], columns=["rep", "days"])
	return history, cycle_buckets(cycles)


def hand_plan():
	return pd.DataFrame(
		[
			("a", 300_000, 60_000, 480_000, 8),
			("b", 100_000, 37_000, 189_000, 2),
			("c", 100_000, 100_000, 0, 0),
		],
		columns=["rep", "target", "won", "weighted_pipeline", "new_last_weeks"],
	)


# the period


def test_weeks_left_count_from_today_or_the_start_whichever_is_later():
	assert days_left(FROM, TO, TODAY) == 42
	assert weeks_left(FROM, TO, TODAY) == 6.0
	# a period not started yet: all of it
	assert days_left(date(2027, 1, 1), date(2027, 1, 14), TODAY) == 14
	# the last day counts; after it, nothing is left
	assert days_left(FROM, TO, TO) == 1
	assert weeks_left(FROM, TO, date(2027, 1, 1)) == 0


# targets


def test_a_year_target_spread_evenly_by_days():
	# 365 000 a year is 1 000 a day; Q4 has 92 days
	assert prorate_target(365_000, date(2026, 1, 1), date(2026, 12, 31), FROM, TO) == pytest.approx(92_000)
	# outside the fiscal year: nothing
	assert prorate_target(365_000, date(2025, 1, 1), date(2025, 12, 31), FROM, TO) == 0


def test_a_year_target_spread_by_the_monthly_distribution():
	percentages = {month: 5.0 for month in ("January", "February", "March", "April", "May", "June")}
	percentages.update(
		{"July": 5, "August": 5, "September": 5, "October": 15, "November": 20, "December": 20}
	)
	year = (date(2026, 1, 1), date(2026, 12, 31))
	assert sum(percentages.values()) == 100
	# Q4: 15 + 20 + 20 = 55 % of 1 200 000
	assert prorate_target(1_200_000, *year, FROM, TO, percentages) == pytest.approx(660_000)
	# 16 November – 31 December: half of November's 20 % (15 of 30 days) and December's 20 % = 30 %
	assert prorate_target(1_200_000, *year, date(2026, 11, 16), TO, percentages) == pytest.approx(360_000)


def test_a_fiscal_year_from_april_takes_the_calendar_months_of_the_following_year():
	percentages = {"January": 10, "February": 10, "March": 20, "April": 60}
	# 1 January – 31 March 2027 is in the fiscal year April 2026 – March 2027: 40 %
	share = prorate_target(
		100_000, date(2026, 4, 1), date(2027, 3, 31), date(2027, 1, 1), date(2027, 3, 31), percentages
	)
	assert share == pytest.approx(40_000)


def test_split_by_the_reps_own_targets_else_evenly():
	assert split_target(500, ["a", "b", "c"], {"a": 300, "b": 100}) == {"a": 375, "b": 125, "c": 0}
	even = split_target(300, ["a", "b", "c"], {})
	assert even == {"a": 100, "b": 100, "c": 100}
	assert split_target(300, [], {"a": 1}) == {}


# history


def test_stage_to_stage_conversion_multiplies_to_the_win_rate():
	stages = [("Prospecting", 10), ("Qualification", 20), ("Negotiation", 30)]
	funnel = pd.DataFrame(
		[
			("r", 10, False, 4),  # lost in Prospecting
			("r", 20, False, 3),
			("r", 30, False, 1),
			("r", 20, True, 2),  # won without the stage ever set to Negotiation
		],
		columns=["rep", "furthest", "won", "deals"],
	)
	table = stage_conversions(funnel, stages)
	assert list(table["to_stage"]) == ["Qualification", "Negotiation", WON_STEP]
	assert list(table["reached"]) == [10, 6, 3]
	assert list(table["advanced"]) == [6, 3, 2]
	assert table["conversion"].tolist() == pytest.approx([0.6, 0.5, 2 / 3])
	assert math.prod(table["conversion"]) == pytest.approx(2 / 10)
	assert weakest_step(table, "r") == ("Qualification", "Negotiation", 0.5)
	assert weakest_step(table, "nobody") is None


def test_rates_of_a_rep_with_history_and_team_rates_for_thin_histories():
	history, cycles = hand_history()
	rates = history_rates(history, cycles, reps=["a", "b", "c", "d"]).set_index("rep")
	team = rates.loc[TEAM]
	assert (team["win_rate"], team["avg_won_amount"], team["cycle_days"]) == (0.25, 42_000, 30)
	assert (team["advances_per_deal"], team["visits_per_advance"], team["quotations_per_won"]) == (2, 1.5, 2)

	a = rates.loc["a"]
	assert not a["team_rates"]
	assert (a["win_rate"], a["avg_won_amount"], a["cycle_days"]) == (0.4, 50_000, 35)
	assert (a["advances_per_deal"], a["visits_per_advance"], a["quotations_per_won"]) == (3, 1.25, 1.5)
	for thin in ("b", "c", "d"):  # 2 decided deals; no won deal; no history at all
		assert rates.loc[thin, "team_rates"]
		assert rates.loc[thin, "win_rate"] == 0.25
		assert rates.loc[thin, "cycle_days"] == 30
	assert rates.loc["d", "decided"] == 0


def test_a_rate_a_history_cannot_give_is_borrowed_from_the_team():
	history = history_frame(
		[
			("a", 4, 2, 0, 0, 0, 0, 3, 2),  # never moved a stage, no amount on the won deals
			("b", 4, 1, 40_000, 1, 4, 8, 4, 1),
		]
	)
	rates = history_rates(history, {}).set_index("rep")
	a = rates.loc["a"]
	assert not a["team_rates"]
	# nobody has a cycle time, so there is none to borrow
	assert set(a["borrowed"]) == {Rate.AVG_WON_AMOUNT, Rate.VISITS_PER_ADVANCE}
	assert a["avg_won_amount"] == 40_000
	assert a["visits_per_advance"] == (3 + 4) / 8
	assert a["advances_per_deal"] == 0  # their own: zero is an answer, not a gap
	assert math.isnan(a["cycle_days"])


def test_weighted_pipeline_takes_the_stage_probability_else_the_deals():
	open_deals = pd.DataFrame(
		[
			("a", "Proposal", 50, 400_000),  # stage 70 %
			("a", "Custom", 50, 400_000),  # no stage probability: the deal's 50 %
			("b", "Prospecting", 90, 1_890_000),  # stage 10 %, whatever the rep typed
			("b", None, None, 5_000),  # nothing known: weight 0
		],
		columns=["rep", "stage", "probability", "amount"],
	)
	weighted = weighted_pipeline(open_deals, {"Proposal": 70, "Prospecting": 10, "Custom": 0})
	assert weighted.to_dict() == pytest.approx({"a": 480_000, "b": 189_000})
	assert weighted_pipeline(open_deals.iloc[0:0], {}).empty


def test_coverage_bands():
	assert coverage_band(3.0) == GREEN
	assert coverage_band(2.99) == ORANGE
	assert coverage_band(1.0) == ORANGE
	assert coverage_band(0.99) == RED
	assert coverage_band(None) is None


# the back-calculation


def test_needs_per_week_worked_by_hand():
	history, cycles = hand_history()
	rates = history_rates(history, cycles)
	table = back_calculation(hand_plan(), rates, FROM, TO, TODAY).set_index("rep")

	a = table.loc["a"]
	# 240 000 left ÷ (40 % × 50 000) = 12 new deals in 6 weeks = 2 a week; 4.8 wins = 0.8 a week;
	# 2 × 3 advances × 1.25 visits = 7.5 visits; 0.8 × 1.5 = 1.2 quotations; 480 000 ÷ 240 000 = 2×
	assert (a["remaining"], a["status"]) == (240_000, Status.PLANNED)
	assert a["new_per_week"] == pytest.approx(2.0)
	assert a["wins_per_week"] == pytest.approx(0.8)
	assert a["advances_per_week"] == pytest.approx(6.0)
	assert a["visits_per_week"] == pytest.approx(7.5)
	assert a["quotations_per_week"] == pytest.approx(1.2)
	assert (a["coverage"], a["band"], a["pace_per_week"]) == (2.0, ORANGE, 2.0)
	assert not a["team_rates"] and not a["cycle_beyond_period"]

	b = table.loc["b"]
	# team rates: 63 000 ÷ (25 % × 42 000) = 6 in 6 weeks = 1 a week; 1.5 wins = 0.25 a week;
	# 1 × 2 × 1.5 = 3 visits; 0.25 × 2 = 0.5 quotations; 189 000 ÷ 63 000 = 3× exactly: green
	assert b["team_rates"]
	assert b["new_per_week"] == pytest.approx(1.0)
	assert b["wins_per_week"] == pytest.approx(0.25)
	assert b["visits_per_week"] == pytest.approx(3.0)
	assert b["quotations_per_week"] == pytest.approx(0.5)
	assert (b["coverage"], b["band"]) == (3.0, GREEN)

	c = table.loc["c"]
	assert (c["status"], c["remaining"], c["new_per_week"]) == (Status.TARGET_MET, 0, 0)
	assert pd.isna(c["coverage"]) and pd.isna(c["band"])  # nothing left to cover

	summary = team_summary(table.reset_index(), 500_000, FROM, TO, TODAY)
	assert (summary["target"], summary["won"], summary["remaining"]) == (500_000, 197_000, 303_000)
	assert summary["coverage"] == pytest.approx(669_000 / 303_000)
	assert summary["band"] == ORANGE
	assert (summary["weeks_left"], summary["days_left"]) == (6.0, 42)
	assert summary["new_per_week"] == pytest.approx(3.0)


def test_a_period_already_over_needs_nothing_more():
	history, cycles = hand_history()
	table = back_calculation(hand_plan(), history_rates(history, cycles), FROM, TO, date(2027, 1, 5))
	assert set(table["status"]) == {Status.PERIOD_OVER}
	assert table["new_per_week"].isna().all()
	a = table.set_index("rep").loc["a"]
	assert a["remaining"] == 240_000  # the gap is still shown
	assert pd.isna(a["coverage"])  # but nothing is left for the pipeline to cover
	summary = team_summary(table, 500_000, FROM, TO, date(2027, 1, 5))
	assert (summary["weeks_left"], summary["coverage"], summary["new_per_week"]) == (0, None, None)


def test_a_zero_win_rate_cannot_be_reached_rather_than_infinite():
	history = history_frame([("a", 6, 0, 0, 0, 6, 6, 6, 3)])
	plan = pd.DataFrame([("a", 100_000, 0, 50_000, 1)], columns=hand_plan().columns)
	row = back_calculation(plan, history_rates(history, {}), FROM, TO, TODAY).iloc[0]
	assert row["team_rates"]  # no won deal: the team's rates, and the team won nothing either
	assert row["status"] == Status.UNREACHABLE
	assert row["new_per_week"] is None or math.isnan(row["new_per_week"])
	assert row["coverage"] == 0.5 and row["band"] == RED


def test_no_share_of_the_target_needs_nothing():
	need = needs(0, 5_000, {Rate.WIN_RATE: 0.5, Rate.AVG_WON_AMOUNT: 100}, 4)
	assert (need.status, need.new_opportunities, need.remaining) == (Status.NO_TARGET, 0, 0)


def test_a_cycle_longer_than_the_days_left_is_marked():
	history, cycles = hand_history()
	# 14 days left; a's median cycle is 35 days, the team's (b) 30
	table = back_calculation(hand_plan(), history_rates(history, cycles), FROM, TO, date(2026, 12, 18))
	flagged = table.set_index("rep")["cycle_beyond_period"]
	assert flagged.to_dict() == {"a": True, "b": True, "c": False}  # c met the target: nothing to open


# generated data


def generated_deals(seed: int, reps=("r1", "r2", "r3", "r4"), deals=400):
	rng = random.Random(seed)
	stages = [("S1", 10), ("S2", 20), ("S3", 30), ("S4", 40)]
	rows = []
	for _ in range(deals):
		rep = rng.choice(reps)
		furthest = rng.choice([10, 10, 20, 20, 30, 40])
		won = rng.random() < furthest / 100
		moves = [s for _, s in stages if s <= furthest]
		rows.append(
			{
				"rep": rep,
				"furthest": furthest,
				"won": won,
				"amount": rng.choice([0, 10_000, 25_000, 80_000]) if won else 0,
				"advances": len(moves) - 1,
				"visits": rng.randint(0, 6),
				"quotations": rng.randint(0, 2),
				"days": rng.uniform(5, 120) if won else None,
			}
		)
	return stages, pd.DataFrame(rows)


@pytest.mark.parametrize("seed", range(5))
def test_generated_history_agrees_with_a_deal_by_deal_count(seed):
	stages, deals = generated_deals(seed)
	funnel = deals.groupby(["rep", "furthest", "won"]).size().rename("deals").reset_index()
	conversions = stage_conversions(funnel, stages)
	history = history_frame(
		[
			(
				rep,
				len(group),
				int(group["won"].sum()),
				float(group.loc[group["won"] & (group["amount"] > 0), "amount"].sum()),
				int((group["won"] & (group["amount"] > 0)).sum()),
				int(group["advances"].sum()),
				int(group["advances"].sum()),
				int(group["visits"].sum()),
				int(group["quotations"].sum()),
			)
			for rep, group in deals.groupby("rep")
		]
	)
	cycles = cycle_buckets(deals.loc[deals["won"], ["rep", "days"]])
	rates = history_rates(history, cycles).set_index("rep")
	for rep, group in deals.groupby("rep"):
		win_rate = group["won"].mean()
		# every deal is in a stage, so the funnel's product is the win rate
		product = math.prod(conversions.loc[conversions["rep"].eq(rep), "conversion"])
		assert product == pytest.approx(win_rate)
		if not rates.loc[rep, "team_rates"]:
			assert rates.loc[rep, "win_rate"] == pytest.approx(win_rate)
			# a value reads as its bucket's bound: the median is at most one step (≤ 7 days here) above
			exact = group["days"].dropna().median()
			assert exact - 1e-9 <= rates.loc[rep, "cycle_days"] <= exact + 7 + 1e-9
	assert rates.loc[TEAM, "win_rate"] == pytest.approx(deals["won"].mean())
	won_amounts = deals.loc[deals["won"] & (deals["amount"] > 0), "amount"]
	assert rates.loc[TEAM, "avg_won_amount"] == pytest.approx(won_amounts.mean())

	# back to the target: the needs, times the weeks and the rates, give the remaining target again
	rng = random.Random(seed)
	plan = pd.DataFrame(
		[
			(rep, rng.uniform(0, 500_000), rng.uniform(0, 200_000), rng.uniform(0, 900_000), 3)
			for rep in rates.index
			if rep != TEAM
		],
		columns=hand_plan().columns,
	)
	table = back_calculation(plan, rates.reset_index(), FROM, TO, TODAY)
	weeks = weeks_left(FROM, TO, TODAY)
	for row in table.itertuples():
		if row.status != Status.PLANNED:
			assert row.remaining == 0 or row.status == Status.UNREACHABLE
			continue
		assert row.new_per_week * weeks * row.win_rate * row.avg_won_amount == pytest.approx(row.remaining)
		assert row.wins_per_week * weeks * row.avg_won_amount == pytest.approx(row.remaining)
		assert row.visits_per_week == pytest.approx(
			row.new_per_week * row.advances_per_deal * row.visits_per_advance
		)
		assert row.coverage == pytest.approx(row.weighted_pipeline / row.remaining)


def test_generated_targets_sum_back_to_the_year():
	rng = random.Random(7)
	for _ in range(20):
		weights = [rng.random() for _ in range(12)]
		percentages = {month: 100 * w / sum(weights) for month, w in zip(range(1, 13), weights, strict=True)}
		start = date(2026, rng.choice([1, 4, 7]), 1)
		end = date(start.year + 1, start.month, 1) - timedelta(days=1)
		amount = rng.uniform(1, 1e6)
		quarters = [start]
		for _ in range(3):
			month = quarters[-1].month + 3
			quarters.append(date(quarters[-1].year + (month > 12), (month - 1) % 12 + 1, 1))
		bounds = [*quarters, end + timedelta(days=1)]
		parts = [
			prorate_target(amount, start, end, bounds[i], bounds[i + 1] - timedelta(days=1), percentages)
			for i in range(4)
		]
		assert sum(parts) == pytest.approx(amount)
		assert prorate_target(amount, start, end, start, end) == pytest.approx(amount)
		shares = split_target(amount, ["a", "b", "c"], {"a": rng.random(), "c": rng.random()})
		assert sum(shares.values()) == pytest.approx(amount) and shares["b"] == 0


@pytest.mark.parametrize("seed", range(3))
def test_weakest_steps_of_every_rep_at_once_match_one_by_one(seed):
	stages, deals = generated_deals(seed)
	funnel = deals.groupby(["rep", "furthest", "won"]).size().rename("deals").reset_index()
	conversions = stage_conversions(funnel, stages)
	every = weakest_steps(conversions)
	for rep in set(deals["rep"]) | {"nobody"}:
		assert every.get(rep) == weakest_step(conversions, rep)
