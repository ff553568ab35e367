"""Objection analysis maths on small hand-checked frames and on generated data."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from sales_process.engine.objections_report import (
	LOST,
	OPEN,
	WON,
	matrix,
	months_between,
	outcome,
	overall,
	strategy_table,
	summarize,
	top_types,
	type_ranking,
)

PAIR_COLUMNS = ["objection_type", "deal", "objections", "deal_status", "amount"]


def pairs(rows, extra=()):
	return pd.DataFrame(rows, columns=[*PAIR_COLUMNS[:1], *extra, *PAIR_COLUMNS[1:]])


# Price: 3 objections on D1 (open, 100), 1 on D2 (lost, 50), 2 on no deal
# Tender: 1 on D1 (open, 100), 2 on D3 (converted, 400)
# Timing: 1 on D4 (open, 900)
EXAMPLE = [
	("Price", "D1", 3, "Open", 100.0),
	("Price", "D2", 1, "Lost", 50.0),
	("Price", None, 2, None, None),
	("Tender", "D1", 1, "Open", 100.0),
	("Tender", "D3", 2, "Converted", 400.0),
	("Timing", "D4", 1, "Quotation", 900.0),
]


def test_summary_per_type_counts_each_open_deal_once():
	table = summarize(pairs(EXAMPLE), ["objection_type"]).set_index("objection_type")
	price = table.loc["Price"]
	assert (price["objections"], price["deals"], price["value_at_stake"]) == (6, 2, 100.0)
	# lost share: 1 objection on a lost deal ÷ 4 objections raised on a deal
	assert (price["on_deals"], price["lost_objections"], price["lost_share"]) == (4, 1, 25.0)
	tender = table.loc["Tender"]
	assert (tender["objections"], tender["deals"], tender["value_at_stake"], tender["lost_share"]) == (
		3,
		2,
		100.0,  # the converted deal is not at stake any more
		0.0,
	)


def test_overall_counts_a_deal_with_two_types_once():
	totals = overall(pairs(EXAMPLE))
	assert totals == {"objections": 10, "deals": 4, "value_at_stake": 1000.0, "lost_share": 12.5}


def test_overall_of_nothing():
	assert overall(pairs([]))["objections"] == 0


def test_ranking_by_count_and_by_value():
	ranking = type_ranking(pairs(EXAMPLE), top_n=10)
	assert ranking["objection_type"].tolist() == ["Price", "Tender", "Timing"]
	assert ranking["rank_by_count"].tolist() == [1, 2, 3]
	assert ranking["rank_by_value"].tolist() == [2, 2, 1]  # ties share the rank


def test_top_n_keeps_the_top_of_either_ranking():
	ranking = type_ranking(pairs(EXAMPLE), top_n=1)
	# Price leads by count, Timing by value
	assert ranking["objection_type"].tolist() == ["Price", "Timing"]
	assert top_types(pairs(EXAMPLE), 1) == ["Price"]


def test_a_type_with_nothing_at_stake_is_not_top_by_value():
	rows = [("A", "D1", 5, "Lost", 10.0), ("B", "D2", 1, "Lost", 10.0)]
	assert type_ranking(pairs(rows), top_n=1)["objection_type"].tolist() == ["A"]


def test_breakdown_by_item_group_counts_a_deal_in_each_of_its_groups():
	rows = [
		("Price", "Pumps", "D1", 3, "Open", 100.0),
		("Price", "Valves", "D1", 3, "Open", 100.0),
		("Price", "Valves", "D2", 1, "Open", 40.0),
	]
	table = summarize(pairs(rows, ["item_group"]), ["objection_type", "item_group"]).set_index("item_group")
	assert table.loc["Pumps", "objections"] == 3 and table.loc["Pumps", "value_at_stake"] == 100.0
	assert table.loc["Valves", "objections"] == 4 and table.loc["Valves", "value_at_stake"] == 140.0
	assert table.loc["Valves", "deals"] == 2


def test_months_between_crosses_the_year():
	assert months_between(date(2025, 11, 15), date(2026, 2, 1)) == [
		"2025-11",
		"2025-12",
		"2026-01",
		"2026-02",
	]
	assert months_between(date(2026, 3, 1), date(2026, 3, 31)) == ["2026-03"]


def test_trend_matrix_fills_empty_months_and_keeps_the_given_rows():
	counts = pd.DataFrame(
		[("Price", "2026-01", 4), ("Price", "2026-03", 1), ("Tender", "2026-02", 2), ("Other", "2026-01", 9)],
		columns=["objection_type", "month", "objections"],
	)
	table = matrix(
		counts, "objection_type", "month", ["2026-01", "2026-02", "2026-03"], rows=["Price", "Tender"]
	)
	assert table.to_dict("records") == [
		{"objection_type": "Price", "2026-01": 4, "2026-02": 0, "2026-03": 1, "total": 5},
		{"objection_type": "Tender", "2026-01": 0, "2026-02": 2, "2026-03": 0, "total": 2},
	]


def test_matrix_names_missing_keys_and_orders_by_total():
	counts = pd.DataFrame(
		[("Price", "Prospecting", 1), (None, None, 3)], columns=["objection_type", "stage", "objections"]
	)
	table = matrix(counts, "objection_type", "stage", ["Prospecting", ""])
	assert table["objection_type"].tolist() == ["", "Price"]
	assert table.iloc[0][""] == 3 and table.iloc[0]["total"] == 3


def test_outcome():
	assert outcome("Converted", False) == WON
	assert outcome("Quotation", True) == WON  # a submitted Sales Order came from it
	assert outcome("Lost", False) == LOST and outcome("Closed", False) == LOST
	assert outcome("Open", False) == OPEN


def test_strategy_win_rate_counts_distinct_deals_beside_the_stored_figures():
	uses = pd.DataFrame(
		[
			("Bundle", "D1", WON),
			("Bundle", "D1", WON),  # used twice on the same deal: one use
			("Bundle", "D2", LOST),
			("Bundle", "D3", OPEN),
			("Bundle", None, OPEN),  # not on a deal: not a use
			("Discount", "D4", WON),
		],
		columns=["strategy", "deal", "outcome"],
	)
	stored = pd.DataFrame(
		[("Bundle", 5, 1, 20.0), ("Unused", 2, 0, 0.0)],
		columns=["strategy", "times_used", "times_won", "win_rate"],
	)
	table = strategy_table(uses, stored).set_index("strategy")
	bundle = table.loc["Bundle"]
	assert (bundle["deals_used"], bundle["deals_won"], bundle["deals_lost"], bundle["still_open"]) == (
		3,
		1,
		1,
		1,
	)
	assert bundle["win_rate"] == pytest.approx(33.3) and bundle["decided_win_rate"] == 50.0
	assert (bundle["stored_times_used"], bundle["stored_win_rate"]) == (5, 20.0)
	assert table.loc["Discount", "win_rate"] == 100.0 and table.loc["Discount", "stored_times_used"] == 0
	assert table.loc["Unused", "deals_used"] == 0 and pd.isna(table.loc["Unused", "win_rate"])
	assert table.index.tolist() == ["Bundle", "Discount", "Unused"]


def test_generated_data_matches_a_plain_python_count():
	rng = np.random.default_rng(7)
	types = ["Price", "Tender", "Timing", "Trust", None]
	statuses = ["Open", "Quotation", "Lost", "Converted", "Closed"]
	deal_status = {f"D{i}": statuses[rng.integers(len(statuses))] for i in range(300)}
	deal_amount = {deal: float(rng.integers(1, 1000)) for deal in deal_status}
	objections = [
		(types[rng.integers(len(types))], None if rng.random() < 0.1 else f"D{rng.integers(300)}")
		for _ in range(3000)
	]
	frame = (
		pd.DataFrame(objections, columns=["objection_type", "deal"])
		.fillna({"objection_type": ""})
		.groupby(["objection_type", "deal"], dropna=False)
		.size()
		.rename("objections")
		.reset_index()
	)
	frame["deal_status"] = frame["deal"].map(deal_status)
	frame["amount"] = frame["deal"].map(deal_amount)
	table = summarize(frame, ["objection_type"]).set_index("objection_type")
	for objection_type in ["Price", "Tender", ""]:
		mine = [deal for kind, deal in objections if (kind or "") == objection_type]
		on_deals = [deal for deal in mine if deal]
		open_deals = {deal for deal in on_deals if deal_status[deal] not in ("Lost", "Closed", "Converted")}
		row = table.loc[objection_type]
		assert row["objections"] == len(mine)
		assert row["deals"] == len(set(on_deals))
		assert row["value_at_stake"] == pytest.approx(sum(deal_amount[deal] for deal in open_deals))
		lost = sum(1 for deal in on_deals if deal_status[deal] == "Lost")
		assert row["lost_share"] == pytest.approx(round(100.0 * lost / len(on_deals), 1))
	totals = overall(frame)
	assert totals["objections"] == 3000
	assert totals["deals"] == len({deal for _, deal in objections if deal})


def test_the_rollup_over_a_whole_history_gives_the_pair_summary():
	"""Over every month, the stamped firsts count each deal once per type, as the pair summary does."""
	import random
	from datetime import datetime, timedelta

	from sales_process.engine.objections_report import (
		deal_objection_facts,
		objection_contribution,
		overall_from_sums,
		summary_from_sums,
	)
	from sales_process.engine.rollup import total

	rng = random.Random(4)
	deals = {
		f"D{i}": (rng.choice(["Open", "Lost", "Converted"]), float(rng.randrange(1, 50) * 1000))
		for i in range(60)
	}
	rows = []
	for index in range(400):
		deal = rng.choice([*deals, None])
		rows.append(
			{
				"name": f"O{index:04d}",
				"creation": datetime(2026, 1, 1) + timedelta(hours=rng.randrange(24 * 300)),
				"reference_name": deal,
				"objection_type": rng.choice(["Too Expensive", "Timing", "Tender", None]),
				"assigned_to": "rep",
				"company": "C",
				"stage": "S",
			}
		)
	for deal, (status, amount) in deals.items():
		mine = [row for row in rows if row["reference_name"] == deal]
		for name, facts in deal_objection_facts(mine, status == "Lost", status == "Open", amount).items():
			next(row for row in mine if row["name"] == name).update(facts)
	sums = pd.DataFrame(
		[
			{"objection_type": key[3], **change.counts}
			for key, change in total(item for row in rows for item in objection_contribution(row)).items()
		]
	)
	pairs = pd.DataFrame(
		[
			(
				row["objection_type"] or "",
				row["reference_name"],
				1,
				*(deals[row["reference_name"]] if row["reference_name"] else (None, None)),
			)
			for row in rows
		],
		columns=["objection_type", "deal", "objections", "deal_status", "amount"],
	)
	pairs = pairs.groupby(["objection_type", "deal", "deal_status", "amount"], dropna=False, as_index=False)[
		"objections"
	].sum()
	expected = summarize(pairs, ["objection_type"]).set_index("objection_type")
	got = summary_from_sums(sums, ["objection_type"]).set_index("objection_type")
	for column in ("objections", "deals", "value_at_stake", "on_deals", "lost_objections", "lost_share"):
		assert got.loc[expected.index, column].tolist() == expected[column].tolist(), column
	assert overall_from_sums(sums) == overall(pairs)


def test_item_groups_are_stamped_distinct_and_sorted_and_none_is_a_group_of_its_own():
	from sales_process.engine.objections_report import item_groups_of, item_groups_text

	assert item_groups_text(["Valves", "Pumps", None, "", "Pumps"]) == "Pumps\nValves"
	assert item_groups_of("Pumps\nValves") == ["Pumps", "Valves"]
	assert item_groups_of("") == [""] and item_groups_of(None) == [""]


def test_an_objection_counts_under_each_item_group_of_its_deal():
	from sales_process.engine.objections_report import ITEM_GROUP_COUNTS, objection_item_group_contribution

	row = {
		"creation": date(2026, 3, 5),
		"reference_name": "D1",
		"objection_type": "Price",
		"assigned_to": "rep",
		"company": "C",
		"item_groups": "Pumps\nValves",
		"first_of_type": 1,
		"deal_lost": 0,
		"open_value": 100.0,
		"first_on_deal": 1,
		"open_value_any": 100.0,
	}
	items = objection_item_group_contribution(row)
	assert [item.key for item in items] == [
		(date(2026, 3, 1), "C", "rep", "Price", "Pumps"),
		(date(2026, 3, 1), "C", "rep", "Price", "Valves"),
	]
	assert all(set(item.counts) == set(ITEM_GROUP_COUNTS) for item in items)
	assert items[0].counts == {
		"objections": 1,
		"on_deals": 1,
		"lost_objections": 0,
		"deals": 1,
		"open_value": 100.0,
	}
	on_no_deal = objection_item_group_contribution({**row, "reference_name": None, "item_groups": None})
	assert [item.key[-1] for item in on_no_deal] == [""] and on_no_deal[0].counts["on_deals"] == 0


def test_the_item_group_rollup_over_a_whole_history_gives_the_pair_summary():
	"""Every objection under each of its deal's item groups, firsts stamped per deal: the sums give
	what `summarize` gives over (type, item group, deal) pairs."""
	import random
	from datetime import datetime, timedelta

	from sales_process.engine.objections_report import (
		deal_objection_facts,
		item_groups_text,
		objection_item_group_contribution,
		summary_from_sums,
	)
	from sales_process.engine.rollup import total

	rng = random.Random(7)
	groups = ["Pumps", "Valves", "Seals"]
	deals = {
		f"D{i}": (
			rng.choice(["Open", "Lost", "Converted"]),
			float(rng.randrange(1, 50) * 1000),
			rng.sample(groups, rng.randrange(0, 3)),
		)
		for i in range(60)
	}
	rows = []
	for index in range(400):
		deal = rng.choice([*deals, None])
		rows.append(
			{
				"name": f"O{index:04d}",
				"creation": datetime(2026, 1, 1) + timedelta(hours=rng.randrange(24 * 300)),
				"reference_name": deal,
				"objection_type": rng.choice(["Too Expensive", "Timing", None]),
				"assigned_to": "rep",
				"company": "C",
				"item_groups": item_groups_text(deals[deal][2]) if deal else None,
			}
		)
	for deal, (status, amount, _groups) in deals.items():
		mine = [row for row in rows if row["reference_name"] == deal]
		for name, facts in deal_objection_facts(mine, status == "Lost", status == "Open", amount).items():
			next(row for row in mine if row["name"] == name).update(facts)
	contributions = [item for row in rows for item in objection_item_group_contribution(row)]
	sums = pd.DataFrame(
		[
			{"objection_type": key[3], "item_group": key[4], **change.counts}
			for key, change in total(contributions).items()
		]
	)
	pairs = pd.DataFrame(
		[
			(row["objection_type"] or "", group, row["reference_name"], 1, *deals[deal][:2])
			if (deal := row["reference_name"])
			else (row["objection_type"] or "", "", None, 1, None, None)
			for row in rows
			for group in ((deals[row["reference_name"]][2] or [""]) if row["reference_name"] else [""])
		],
		columns=["objection_type", "item_group", "deal", "objections", "deal_status", "amount"],
	)
	pairs = pairs.groupby(
		["objection_type", "item_group", "deal", "deal_status", "amount"], dropna=False, as_index=False
	)["objections"].sum()
	by = ["item_group", "objection_type"]
	expected = summarize(pairs, by).set_index(by)
	got = summary_from_sums(sums, by).set_index(by)
	for column in ("objections", "deals", "value_at_stake", "on_deals", "lost_objections", "lost_share"):
		assert got.loc[expected.index, column].tolist() == expected[column].tolist(), column
	assert len(got) == len(expected)
