"""A response strategy's uses: one per deal and strategy, at its first answer, by the deal's outcome."""

import random
from datetime import date, datetime, timedelta

import pandas as pd

from sales_process.engine.objections_report import LOST, OPEN, WON, strategy_table, strategy_table_from_sums
from sales_process.engine.rollup import total
from sales_process.engine.strategy_uses import (
	STRATEGY_ROLLUP_COUNTS,
	deal_outcome,
	strategy_contribution,
	strategy_uses,
)

STORED = pd.DataFrame(columns=["strategy", "times_used", "times_won", "win_rate"])


def answer(name, day, strategy, rep="a@x"):
	return {"name": name, "creation": datetime(2026, 3, day, 9), "strategy": strategy, "assigned_to": rep}


def test_a_won_deal_is_won_even_if_it_was_lost_before():
	assert deal_outcome(won=True, lost=True) == WON
	assert deal_outcome(won=False, lost=True) == LOST
	assert deal_outcome(won=False, lost=False) == OPEN


def test_the_first_answer_with_a_strategy_gives_its_moment_and_rep():
	answers = [
		answer("O3", 20, "Bundle", "b@x"),
		answer("O1", 3, "Bundle", "a@x"),
		answer("O2", 3, "Discount"),
		answer("O4", 1, None),
	]
	uses = strategy_uses(answers, "C", OPEN)
	assert set(uses) == {"Bundle", "Discount"}
	assert (uses["Bundle"]["first_used_on"], uses["Bundle"]["rep"]) == (datetime(2026, 3, 3, 9), "a@x")
	assert uses["Discount"]["company"] == "C" and uses["Discount"]["outcome"] == OPEN
	# the same moment: the name decides, so a rebuild gives the same rep
	tied = strategy_uses([answer("O9", 3, "Bundle", "z@x"), answer("O8", 3, "Bundle", "y@x")], None, WON)
	assert tied["Bundle"]["rep"] == "y@x" and tied["Bundle"]["company"] == ""


def test_a_use_counts_one_deal_by_its_outcome_in_the_month_of_first_use():
	use = {"strategy": "Bundle", "first_used_on": datetime(2026, 3, 31, 23), "company": "C", "rep": "a@x"}
	(item,) = strategy_contribution({**use, "outcome": WON})
	assert item.key == (date(2026, 3, 1), "C", "a@x", "Bundle")
	assert item.counts == {"deals_used": 1, "deals_won": 1}
	assert strategy_contribution({**use, "outcome": LOST})[0].counts == {"deals_used": 1, "deals_lost": 1}
	assert strategy_contribution({**use, "outcome": OPEN})[0].counts == {"deals_used": 1, "still_open": 1}
	assert strategy_contribution({**use, "first_used_on": None}) == []


def test_summed_uses_give_the_table_of_distinct_deals():
	"""On generated answers over a whole history, the monthly sums give what counting distinct
	(strategy, deal) pairs gives."""
	rng = random.Random(11)
	strategies = ["Bundle", "Discount", "Reference Visit"]
	outcomes = {f"D{i}": rng.choice([WON, LOST, OPEN]) for i in range(80)}
	uses = []
	pairs = []
	for deal, outcome in outcomes.items():
		answers = [
			{
				"name": f"{deal}-{index}",
				"creation": datetime(2026, 1, 1) + timedelta(hours=rng.randrange(24 * 300)),
				"strategy": rng.choice([*strategies, None]),
				"assigned_to": "a@x",
			}
			for index in range(rng.randrange(0, 6))
		]
		uses += strategy_uses(answers, "C", outcome).values()
		pairs += [(answer["strategy"], deal, outcome) for answer in answers if answer["strategy"]]
	sums = total(item for use in uses for item in strategy_contribution(use))
	counted = pd.DataFrame(
		[
			{"strategy": key[3], **{name: change.counts.get(name, 0) for name in STRATEGY_ROLLUP_COUNTS}}
			for key, change in sums.items()
		]
	)
	expected = strategy_table(pd.DataFrame(pairs, columns=["strategy", "deal", "outcome"]), STORED)
	got = strategy_table_from_sums(counted, STORED)
	pd.testing.assert_frame_equal(got, expected)
