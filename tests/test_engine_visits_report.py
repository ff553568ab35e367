"""Visit effectiveness maths on small hand-checked frames and on generated data."""

import random
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from sales_process.engine.rollup import total
from sales_process.engine.visits_report import (
	COUNT_COLUMNS,
	FOLLOW_WINDOWS,
	PROGRESS_HORIZON_DAYS,
	advancing_moves,
	count_per_rep,
	counts_from_rollup,
	effectiveness_table,
	first_progress,
	followed_within,
	is_advance,
	median_from_buckets,
	median_minutes,
	totals,
	visit_contribution,
	visit_flags,
)

SEQUENCES = {"Prospecting": 10, "Qualification": 20, "Proposal": 70, "Unordered": None}
T0 = datetime(2026, 9, 1, 10, 0)
AS_OF = datetime(2026, 10, 31)
DAY = timedelta(days=1)

VISIT_COLUMNS = ["rep", "deal", "check_in_time", "geofence_result", "needs_review"]
MOVE_COLUMNS = ["deal", "changed_on", "from_stage", "to_stage", "from_status", "to_status"]


def visits(rows):
	return pd.DataFrame(rows, columns=VISIT_COLUMNS)


def moves(rows):
	return pd.DataFrame(rows, columns=MOVE_COLUMNS)


def completions(rows):
	return pd.DataFrame(rows, columns=["deal", "completed_on"])


def test_advancing_moves_follow_the_process_order():
	pairs = advancing_moves(SEQUENCES)
	assert ("Prospecting", "Qualification") in pairs and ("Prospecting", "Proposal") in pairs
	assert ("Qualification", "Prospecting") not in pairs
	assert not any("Unordered" in pair for pair in pairs)
	assert len(pairs) == 3


def test_is_advance():
	assert is_advance("Prospecting", "Proposal", "Open", "Open", SEQUENCES)
	assert not is_advance("Proposal", "Qualification", "Open", "Open", SEQUENCES)  # backwards
	assert not is_advance("Proposal", "Proposal", "Open", "Lost", SEQUENCES)  # lost is no progress
	assert is_advance("Proposal", "Proposal", "Quotation", "Converted", SEQUENCES)  # won
	assert not is_advance(None, "Prospecting", None, "Open", SEQUENCES)  # the deal's first row
	assert not is_advance("Prospecting", "Unordered", "Open", "Open", SEQUENCES)


def test_window_is_after_check_in_and_up_to_n_days():
	frame = visits(
		[
			("a", "D1", T0, "Inside", 0),  # advance exactly 7 days later: counted
			("a", "D2", T0, "Inside", 0),  # advance at the check-in moment: not caused by the visit
			("a", "D3", T0, "Inside", 0),  # advance 7 days + 1 s later: too late
			("a", "D4", T0, "Inside", 0),  # an earlier advance, then a late one: not followed
			("a", None, T0, "Inside", 0),  # no deal
		]
	)
	progress = pd.DataFrame(
		[
			("D1", T0 + 7 * DAY),
			("D2", T0),
			("D3", T0 + 7 * DAY + timedelta(seconds=1)),
			("D4", T0 - DAY),
			("D4", T0 + 9 * DAY),
		],
		columns=["deal", "happened_on"],
	)
	assert followed_within(frame, progress, 7).tolist() == [True, False, False, False, False]


def test_the_first_progress_counts_even_when_a_later_one_is_outside():
	frame = visits([("a", "D1", T0, "Inside", 0), ("a", "D1", T0 + 20 * DAY, "Inside", 0)])
	progress = pd.DataFrame([("D1", T0 + DAY), ("D1", T0 + 40 * DAY)], columns=["deal", "happened_on"])
	assert followed_within(frame, progress, 7).tolist() == [True, False]


def example_flags():
	"""Rep a: 5 visits; rep b: 3 visits (one still in its window on AS_OF)."""
	frame = visits(
		[
			("a", "D1", T0, "Inside", 0),  # stage advance on day 2 → moved
			("a", "D2", T0, "Inside", 0),  # checkpoint completed on day 3 → moved
			("a", "D3", T0, "Inside", 0),  # moved backwards → nothing
			("a", None, T0, "Outside", 1),  # no deal → nothing
			("a", "D5", T0, None, 1),  # no geofence result, deal won on day 1 → moved
			("b", "D6", AS_OF - 2 * DAY, "Inside", 0),  # window open, nothing yet
			("b", "D7", T0, "No Site Location", 0),  # nothing
			("b", None, AS_OF - DAY, "Inside", 0),  # recent, but no deal to wait for: nothing
		]
	)
	stage_moves = moves(
		[
			("D1", T0 + 2 * DAY, "Prospecting", "Qualification", "Open", "Open"),
			("D3", T0 + 2 * DAY, "Proposal", "Qualification", "Open", "Open"),
			("D5", T0 + DAY, "Proposal", "Proposal", "Quotation", "Converted"),
		]
	)
	done = completions([("D2", T0 + 3 * DAY), ("D7", T0 - DAY)])
	return visit_flags(frame, stage_moves, done, SEQUENCES, 7, AS_OF)


def test_visit_flags():
	flags = example_flags()
	assert flags["moved"].tolist() == [True, True, False, False, True, False, False, False]
	assert flags["window_open"].tolist() == [False, False, False, False, False, True, False, False]
	assert flags["without_deal"].tolist() == [False, False, False, True, False, False, False, True]
	assert flags["with_result"].tolist() == [True, True, True, True, False, True, True, True]


def test_rates_per_rep():
	counts = count_per_rep(example_flags())
	durations = pd.DataFrame(
		[("a", 600), ("a", 1800), ("a", 3000), ("b", 900), ("b", None)], columns=["rep", "duration"]
	)
	table = effectiveness_table(counts, median_minutes(durations, "rep")).set_index("rep")
	a = table.loc["a"]
	assert (a["visits"], a["with_result"], a["inside"], a["flagged"], a["without_deal"]) == (5, 4, 3, 2, 1)
	assert a["pass_rate"] == 75.0  # 3 Inside ÷ 4 with a result
	assert a["median_minutes"] == 30.0
	assert (a["judged"], a["moved"], a["moved_nothing"]) == (5, 3, 2)
	assert (a["moved_share"], a["moved_nothing_share"]) == (60.0, 40.0)
	# Inside visits: D1, D2 moved, D3 nothing → 1 of 3
	assert (a["inside_judged"], a["inside_moved_nothing"]) == (3, 1)
	assert a["inside_moved_nothing_share"] == pytest.approx(33.3)
	b = table.loc["b"]
	assert (b["visits"], b["window_open"], b["judged"], b["moved_nothing"]) == (3, 1, 2, 2)
	assert b["pass_rate"] == pytest.approx(66.7) and b["median_minutes"] == 15.0
	# of its two Inside visits one is still in its window, the other has no deal
	assert (b["inside_judged"], b["inside_moved_nothing_share"]) == (1, 100.0)


def test_totals_recompute_rates_from_sums():
	counts = count_per_rep(example_flags())
	durations = pd.DataFrame([("a", 600), ("a", 1800), ("b", 3000)], columns=["rep", "duration"])
	table = effectiveness_table(counts, median_minutes(durations, "rep"))
	total = totals(table, median_minutes(durations))
	assert (total["visits"], total["judged"], total["moved"], total["moved_nothing"]) == (8, 7, 3, 4)
	assert isinstance(total["visits"], int)
	assert total["moved_nothing_share"] == pytest.approx(57.1)
	assert total["pass_rate"] == pytest.approx(71.4)  # 5 Inside ÷ 7 with a result
	assert total["median_minutes"] == 30.0
	assert total["inside_moved_nothing_share"] == 50.0  # D3 and the deal-less one of 4 judged


def test_seed_43_percent_of_on_target_visits_moved_nothing():
	"""100 Inside visits, 57 followed by progress → 43 % moved nothing."""
	frame = visits([("a", f"D{i}", T0, "Inside", 0) for i in range(100)])
	stage_moves = moves(
		[(f"D{i}", T0 + DAY, "Prospecting", "Qualification", "Open", "Open") for i in range(57)]
	)
	flags = visit_flags(frame, stage_moves, completions([]), SEQUENCES, 7, AS_OF)
	table = effectiveness_table(count_per_rep(flags), {})
	assert table.loc[0, "inside_moved_nothing_share"] == 43.0


def test_empty_selection():
	flags = visit_flags(visits([]), moves([]), completions([]), SEQUENCES, 7, AS_OF)
	counts = count_per_rep(flags)
	assert counts.empty and list(counts.columns) == ["rep", *COUNT_COLUMNS]
	table = effectiveness_table(counts, {})
	assert table.empty
	assert totals(table, None)["visits"] == 0
	assert median_minutes(pd.DataFrame(columns=["rep", "duration"])) is None


def test_generated_data_matches_a_plain_python_loop():
	rng = np.random.default_rng(11)
	deals = [f"D{i}" for i in range(200)]
	start = datetime(2026, 1, 1)
	rows = []
	for _ in range(2000):
		deal = None if rng.random() < 0.25 else deals[rng.integers(len(deals))]
		rows.append(
			(
				f"rep{rng.integers(5)}",
				deal,
				start + timedelta(minutes=int(rng.integers(0, 300 * 24 * 60))),
				["Inside", "Outside", "No Device Location", None][rng.integers(4)],
				int(rng.random() < 0.1),
			)
		)
	stages = ["Prospecting", "Qualification", "Proposal", "Unordered"]
	move_rows = [
		(
			deals[rng.integers(len(deals))],
			start + timedelta(minutes=int(rng.integers(0, 310 * 24 * 60))),
			stages[rng.integers(4)],
			stages[rng.integers(4)],
			"Open",
			["Open", "Converted", "Lost"][rng.integers(3)],
		)
		for _ in range(600)
	]
	done_rows = [
		(deals[rng.integers(len(deals))], start + timedelta(minutes=int(rng.integers(0, 310 * 24 * 60))))
		for _ in range(400)
	]
	as_of = datetime(2026, 10, 20)
	flags = visit_flags(visits(rows), moves(move_rows), completions(done_rows), SEQUENCES, 5, as_of)

	progress = [
		(deal, when)
		for deal, when, before, after, old, new in move_rows
		if is_advance(before, after, old, new, SEQUENCES)
	] + done_rows
	for index, (_rep, deal, check_in, _result, _review) in enumerate(rows):
		moved = bool(deal) and any(
			d == deal and check_in < when <= check_in + 5 * DAY for d, when in progress
		)
		assert flags["moved"].iloc[index] == moved, index
		assert flags["window_open"].iloc[index] == (bool(deal) and not moved and check_in + 5 * DAY > as_of)
	counts = count_per_rep(flags)
	assert counts["visits"].sum() == 2000
	assert counts["inside_moved"].sum() == sum(
		1 for index, row in enumerate(rows) if row[3] == "Inside" and flags["moved"].iloc[index]
	)


def test_the_stored_first_progress_answers_every_window_up_to_the_horizon():
	"""Storing only the first progress after check-in (up to 90 days) loses no answer the report asks."""
	rng = random.Random(11)
	start = datetime(2026, 1, 1)
	deals = [f"D{i}" for i in range(40)] + [None]
	visit_frame = pd.DataFrame(
		{
			"deal": [rng.choice(deals) for _ in range(600)],
			"check_in_time": [start + timedelta(hours=rng.randrange(24 * 200)) for _ in range(600)],
		}
	)
	progress = pd.DataFrame(
		{
			"deal": [rng.choice(deals[:-1]) for _ in range(150)],
			"happened_on": [start + timedelta(hours=rng.randrange(24 * 300)) for _ in range(150)],
		}
	)
	stored = first_progress(visit_frame, progress)
	check_in = pd.to_datetime(visit_frame["check_in_time"])
	assert stored.notna().any() and stored.isna().any()
	assert ((stored > check_in) & (stored <= check_in + timedelta(days=PROGRESS_HORIZON_DAYS)))[
		stored.notna()
	].all()
	for days in (1, 7, 30, PROGRESS_HORIZON_DAYS):
		from_stored = (stored <= check_in + timedelta(days=days)).fillna(False)
		assert from_stored.tolist() == followed_within(visit_frame, progress, days).tolist(), days


def test_the_rollup_of_a_month_gives_the_counts_for_every_window():
	"""Per-month rows with a count per follow-up window answer "moved within N days" for each."""
	rng = random.Random(3)
	start = datetime(2026, 5, 1)
	stored = []
	for index in range(500):
		check_in = start + timedelta(minutes=rng.randrange(31 * 24 * 60))
		on_deal = rng.random() > 0.2
		progressed = (
			check_in + timedelta(minutes=rng.randrange(1, 95 * 24 * 60))
			if on_deal and rng.random() < 0.6
			else None
		)
		stored.append(
			{
				"rep": rng.choice(["a", "b"]),
				"company": "C",
				"reference_doctype": "Opportunity" if on_deal else None,
				"reference_name": f"D{index}" if on_deal else None,
				"check_in_time": check_in,
				"geofence_result": rng.choice(["Inside", "Outside", None]),
				"needs_review": int(rng.random() < 0.1),
				"progressed_on": progressed,
				"status": "Checked Out",
				"duration": rng.randrange(60, 7200),
			}
		)
	rows = total(item for visit in stored for item in visit_contribution(visit))
	for days in FOLLOW_WINDOWS:
		for rep in ("a", "b"):
			change = rows[(datetime(2026, 5, 1).date(), "C", rep)]
			from_rollup = counts_from_rollup(change.counts, days)
			mine = [v for v in stored if v["rep"] == rep]
			moved = [
				v
				for v in mine
				if v["progressed_on"] and v["progressed_on"] <= v["check_in_time"] + timedelta(days=days)
			]
			assert from_rollup["visits"] == len(mine)
			assert from_rollup["moved"] == len(moved)
			assert from_rollup["inside_moved"] == sum(1 for v in moved if v["geofence_result"] == "Inside")
			assert from_rollup["without_deal"] == sum(1 for v in mine if not v["reference_name"])
			assert from_rollup["flagged"] == sum(v["needs_review"] for v in mine)
	counts = rows[(datetime(2026, 5, 1).date(), "C", "a")].counts
	durations = pd.DataFrame([(v["rep"], v["duration"]) for v in stored], columns=["rep", "duration"])
	exact = median_minutes(durations, "rep")["a"]
	assert exact <= median_from_buckets(counts) <= exact + 5


def test_a_planned_visit_adds_nothing_and_a_visit_without_a_deal_cannot_move():
	assert visit_contribution({"check_in_time": None}) == []
	(item,) = visit_contribution(
		{"check_in_time": T0, "progressed_on": T0 + DAY, "reference_doctype": None, "rep": "a"}
	)
	assert item.counts["without_deal"] == 1 and "moved_1d" not in item.counts
	(item,) = visit_contribution(
		{
			"check_in_time": T0,
			"progressed_on": T0 + DAY,
			"reference_doctype": "Opportunity",
			"reference_name": "D",
			"rep": "a",
		}
	)
	assert item.counts["moved_1d"] == 1 and item.counts["moved_90d"] == 1
	(item,) = visit_contribution(
		{
			"check_in_time": T0,
			"progressed_on": T0 + DAY + timedelta(seconds=1),
			"reference_doctype": "Opportunity",
			"reference_name": "D",
			"rep": "a",
		}
	)
	assert "moved_1d" not in item.counts and item.counts["moved_2d"] == 1
