"""A deal's history facts and what they add to Sales Deal Month (engine.deal_history): hand-checked
deals, and generated histories whose sums give the same rates and funnel as counting deal by deal."""

import math
import random
from datetime import datetime, timedelta

import pandas as pd
import pytest

from sales_process.engine.deal_history import (
	CYCLE_DAYS,
	CYCLE_ROW,
	DEAL_ROLLUP_COUNTS,
	HistorySums,
	Move,
	deal_contribution,
	deal_fact,
	furthest_and_moves,
	history_from,
)
from sales_process.engine.rollup import Change, changes, total
from sales_process.engine.targets import history_rates, stage_conversions

ORDER = {"Prospecting": 10, "Qualification": 20, "Proposal": 30, "Negotiation": 40, "Parked": 0}
CREATED = datetime(2026, 3, 14, 9, 30)


def fact(**overrides):
	values = {
		"created_on": CREATED,
		"company": "C",
		"rep": "a",
		"won_on": None,
		"lost_on": None,
		"amount": 0.0,
		"furthest": 10,
		"moves": 0,
		"visits": 0,
		"quotations": 0,
	}
	return deal_fact(**{**values, **overrides})


def test_furthest_stage_and_forward_moves():
	moves = [
		Move(None, "Prospecting"),  # the first entry: no move from a stage
		Move("Prospecting", "Proposal"),
		Move("Proposal", "Qualification"),  # back
		Move("Qualification", "Proposal"),
		Move("Proposal", "Parked"),  # out of the order: neither forward nor furthest
		Move("Parked", "Negotiation"),  # from outside the order: not counted as forward
	]
	assert furthest_and_moves(moves, "Negotiation", ORDER) == (40, 2)
	assert furthest_and_moves([], "Qualification", ORDER) == (20, 0)  # a deal never logged
	assert furthest_and_moves([], "Parked", ORDER) == (0, 0)
	assert furthest_and_moves([], None, ORDER) == (0, 0)


def test_what_an_open_a_lost_and_a_won_deal_add():
	month = CREATED.date().replace(day=1)
	(open_row,) = deal_contribution(fact(moves=2, visits=3, quotations=1))
	assert open_row.key == (month, "C", "a", 10)
	# an open deal's moves count as moves, not advances; its quotations not at all
	assert {k: v for k, v in open_row.counts.items() if v} == {"deals": 1, "moves": 2, "visits": 3}

	(lost_row,) = deal_contribution(
		fact(lost_on=CREATED + timedelta(days=9), moves=1, quotations=2, amount=500)
	)
	assert lost_row.counts["decided"] == 1 and lost_row.counts["won"] == 0
	assert (lost_row.counts["advances"], lost_row.counts["quotations"], lost_row.counts["won_amount"]) == (
		1,
		2,
		0,
	)

	won = fact(won_on=CREATED + timedelta(days=20), lost_on=CREATED, amount=8_000, furthest=30, moves=2)
	assert won["lost_on"] is None  # won wins: a deal is never both
	deal_row, cycle_row = deal_contribution(won)
	assert deal_row.key == (month, "C", "a", 30)
	assert (deal_row.counts["won"], deal_row.counts["won_amount"], deal_row.counts["won_with_amount"]) == (
		1,
		8_000,
		1,
	)
	assert cycle_row.key == (month, "C", "a", CYCLE_ROW)
	assert cycle_row.counts == {CYCLE_DAYS.column(CYCLE_DAYS.index(20)): 1}
	assert set(deal_row.counts) | set(cycle_row.counts) <= set(DEAL_ROLLUP_COUNTS)

	# a won deal without an amount counts as won, not in the average amount
	deal_row, _cycle = deal_contribution(fact(won_on=CREATED + timedelta(days=1)))
	assert (deal_row.counts["won"], deal_row.counts["won_with_amount"]) == (1, 0)


def test_a_change_of_facts_moves_the_rows_by_the_difference():
	before = fact(moves=1, visits=2)
	after = fact(won_on=CREATED + timedelta(days=40), amount=1_000, furthest=40, moves=3, visits=5, rep="b")
	others = [fact(visits=1), fact(rep="b", lost_on=CREATED + timedelta(days=2))]
	kept = total([c for f in [before, *others] for c in deal_contribution(f)])
	for key, change in changes(deal_contribution(before), deal_contribution(after)).items():
		kept.setdefault(key, Change()).add(change)
	expected = total([c for f in [after, *others] for c in deal_contribution(f)])
	assert {k: c.without_zeros().counts for k, c in kept.items() if not c.is_zero()} == {
		k: c.counts for k, c in expected.items()
	}


def generated(seed: int, size: int = 400):
	rng = random.Random(seed)
	stages = [("Prospecting", 10), ("Qualification", 20), ("Proposal", 30), ("Negotiation", 40)]
	facts = []
	for _ in range(size):
		outcome = rng.choice(["open", "won", "lost", "lost"])
		created = CREATED + timedelta(days=rng.randint(0, 300), minutes=rng.randint(0, 1440))
		facts.append(
			fact(
				created_on=created,
				rep=rng.choice("abcd"),
				won_on=created + timedelta(days=rng.uniform(0, 200)) if outcome == "won" else None,
				lost_on=created + timedelta(days=3) if outcome == "lost" else None,
				amount=rng.choice([0, 5_000, 12_000]),
				furthest=rng.choice([0, 10, 20, 30, 40]),
				moves=rng.randint(0, 4),
				visits=rng.randint(0, 6),
				quotations=rng.randint(0, 2),
			)
		)
	return stages, facts


@pytest.mark.parametrize("seed", range(5))
def test_monthly_sums_give_the_rates_and_funnel_of_a_deal_by_deal_count(seed):
	stages, facts = generated(seed)
	rows = total([c for f in facts for c in deal_contribution(f)])
	per_rep_furthest: dict = {}
	for (_month, _company, rep, furthest), change in rows.items():
		per_rep_furthest.setdefault((rep, furthest), Change()).add(change)
	history = history_from(HistorySums.of(per_rep_furthest))
	rates = history_rates(history.counts, history.cycles, min_decided=1).set_index("rep")
	conversions = stage_conversions(history.funnel, stages)

	deals = pd.DataFrame(facts)
	deals["won"] = deals["won_on"].notna()
	deals["decided"] = deals["won"] | deals["lost_on"].notna()
	for rep, group in deals.groupby("rep"):
		decided = group[group["decided"]]
		assert rates.loc[rep, "decided"] == len(decided)
		assert rates.loc[rep, "win_rate"] == pytest.approx(decided["won"].mean())
		assert rates.loc[rep, "advances_per_deal"] == pytest.approx(decided["moves"].sum() / len(decided))
		moves = group["moves"].sum()
		assert rates.loc[rep, "visits_per_advance"] == pytest.approx(group["visits"].sum() / moves)
		won = decided[decided["won"]]
		# quotations of every decided deal (a lost deal was quoted too) per won deal
		assert rates.loc[rep, "quotations_per_won"] == pytest.approx(decided["quotations"].sum() / len(won))
		with_amount = won[won["won_amount"] > 0]
		assert rates.loc[rep, "avg_won_amount"] == pytest.approx(with_amount["won_amount"].mean())
		days = ((won["won_on"] - won["created_on"]).dt.total_seconds() / 86400).median()
		# read from day buckets: at most one step (≤ 28 days past 24 weeks) above the exact median
		assert days - 1e-9 <= rates.loc[rep, "cycle_days"] <= days + 28 + 1e-9
		# the funnel from the sums: reached = won, or furthest at or past the stage
		of_rep = conversions[conversions["rep"].eq(rep)]
		for (_name, sequence), reached in zip(stages, of_rep["reached"], strict=False):
			by_hand = int(
				(decided["won"] | (decided["furthest"].where(decided["furthest"] > 0) >= sequence)).sum()
			)
			assert reached == by_hand
		product = math.prod(of_rep["conversion"].dropna())
		reached_first = of_rep["reached"].iloc[0]
		assert product == pytest.approx(len(won) / reached_first)


def pipeline_fact(**values):
	base = dict(
		created_on=datetime(2026, 1, 5),
		company="C",
		rep="a@x",
		won_on=None,
		lost_on=None,
		amount=1000.0,
		furthest=1,
		moves=0,
		visits=0,
		quotations=0,
		is_open=True,
		stage="Proposal",
		probability=40,
	)
	return deal_fact(**{**base, **values})


def test_only_an_open_deal_adds_to_the_pipeline_its_amount_and_weights():
	from sales_process.engine.deal_history import pipeline_contribution

	(item,) = pipeline_contribution(pipeline_fact())
	assert item.key == ("C", "a@x", "Proposal", 0)
	assert item.counts == {
		"deals": 1,
		"amount": 1000.0,
		"weighted_by_deal": 40_000.0,
		"weighted_by_model": 0.0,
	}
	(scored,) = pipeline_contribution(pipeline_fact(model_probability=62.5, probability=150))
	assert scored.key[-1] == 1
	assert (scored.counts["weighted_by_deal"], scored.counts["weighted_by_model"]) == (100_000.0, 62_500.0)
	assert pipeline_contribution(pipeline_fact(is_open=False)) == []


def test_the_pipeline_sums_weigh_as_the_deals_do():
	"""On generated open deals, `weighted_pipeline` of the summed groups equals it over the deals:
	stage probability when the stage has one, else the deal's own, the model's for scored deals."""
	from sales_process.engine.deal_history import pipeline_contribution, pipeline_groups
	from sales_process.engine.targets import weighted_pipeline

	rng = random.Random(3)
	stage_probabilities = {"Qualification": 10.0, "Proposal": 0.0, "Negotiation": 70.0}
	facts = []
	for _ in range(300):
		scored = rng.random() < 0.4
		facts.append(
			pipeline_fact(
				rep=rng.choice(["a@x", "b@x", "c@x"]),
				stage=rng.choice([*stage_probabilities, None]),
				amount=float(rng.randrange(0, 90) * 100),
				probability=rng.choice([0, 20, 50, 100, 120]),
				model_probability=rng.random() * 100 if scored else None,
				is_open=rng.random() < 0.8,
			)
		)
	sums = {}
	for key, change in total(item for fact in facts for item in pipeline_contribution(fact)).items():
		sums[key[1:]] = change.counts
	open_facts = [fact for fact in facts if fact["is_open"]]
	for use_model in (False, True):
		deals = pd.DataFrame(
			[
				(
					fact["rep"],
					None if use_model and fact["scored"] else fact["stage"],
					fact["model_probability"] if use_model and fact["scored"] else fact["probability"],
					fact["amount"],
				)
				for fact in open_facts
			],
			columns=["rep", "stage", "probability", "amount"],
		)
		expected = weighted_pipeline(deals, stage_probabilities)
		got = weighted_pipeline(pipeline_groups(sums, use_model), stage_probabilities)
		assert got.sort_index().to_dict() == pytest.approx(expected.sort_index().to_dict())


def test_a_trailing_row_sums_the_twelve_months_before_its_month():
	"""Sales Deal Trailing Year: a deal counts on the twelve rows after its month of creation, so
	the row of a month equals Sales Deal Month's twelve months before it, summed."""
	from datetime import date

	from sales_process.engine.deal_history import months_later, trailing_contribution

	_stages, facts = generated(3, size=300)
	monthly = total([c for f in facts for c in deal_contribution(f)])
	trailing = total([c for f in facts for c in trailing_contribution(f)])
	months = sorted({key[0] for key in monthly})
	for window_end in [months_later(months[0], step) for step in range(0, 16)]:
		history = {months_later(window_end, -step) for step in range(1, 13)}
		expected: dict = {}
		for (month, *rest), change in monthly.items():
			if month in history:
				expected.setdefault(tuple(rest), Change()).add(change)
		got = {tuple(rest): change for (month, *rest), change in trailing.items() if month == window_end}
		assert {k: c.without_zeros().counts for k, c in got.items()} == {
			k: c.without_zeros().counts for k, c in expected.items() if not c.is_zero()
		}
	assert months_later(date(2026, 11, 1), 2) == date(2027, 1, 1)
	assert months_later(date(2026, 1, 1), -1) == date(2025, 12, 1)


def test_a_history_is_covered_by_trailing_rows_where_twelve_months_run_together():
	from datetime import date

	from sales_process.engine.deal_history import months_later, trailing_cover

	def run(first, count):
		return [months_later(first, step) for step in range(count)]

	nov = date(2025, 11, 1)
	assert trailing_cover(run(nov, 12)) == ([date(2026, 11, 1)], [])
	assert trailing_cover(run(nov, 13)) == ([date(2026, 11, 1)], [date(2026, 11, 1)])
	assert trailing_cover(run(nov, 24)) == ([date(2026, 11, 1), date(2027, 11, 1)], [])
	assert trailing_cover(run(nov, 11)) == ([], run(nov, 11))
	assert trailing_cover([]) == ([], [])
	# a gap breaks the run: a month the period cuts is counted from the facts, not a whole month
	gapped = run(nov, 5) + run(date(2026, 5, 1), 7)
	assert trailing_cover(gapped) == ([], sorted(gapped))
