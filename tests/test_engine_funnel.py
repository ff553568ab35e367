from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from sales_process.engine.compliance import compliance_from_counts
from sales_process.engine.funnel import (
	DWELL_BUCKETS,
	bucket_key,
	completion_matrix,
	conversion_by_stage,
	dwell_by_stage,
	histogram,
	safe_fieldname,
	stage_funnel,
	stage_stays,
)

SEQUENCE = {"A": 10, "B": 20, "C": 30}  # "D" has no place in the process
START, END = datetime(2026, 1, 2), datetime(2026, 1, 10)


def day(d: int, hour: int = 0) -> datetime:
	return datetime(2026, 1, d, hour)


def moves_frame(rows):
	return pd.DataFrame(rows, columns=["deal", "changed_on", "from_stage", "to_stage", "seconds_in_previous"])


def example_moves():
	"""Four deals, hand-followed in the tests below (hours in brackets: time in the stage left)."""
	return moves_frame(
		[
			("d1", day(1), None, "A", None),
			("d1", day(3), "A", "B", 48 * 3600),  # left A (48 h)
			("d1", day(6), "B", "C", 60 * 3600),  # left B (72 h; a status change at 3rd 12:00 split the log)
			("d2", day(2), None, "A", None),
			("d2", day(12), "A", "B", 240 * 3600),  # left A after the period
			("d2", day(13), "B", "A", 24 * 3600),
			("d3", day(5), "A", "C", 36 * 3600),  # history starts mid-way: entry to A unknown (36 h)
			("d4", day(4), None, "D", None),
			("d4", day(5), "D", "A", 24 * 3600),  # left D (24 h)
		]
	)


def test_stays_follow_each_deal_and_use_the_logged_time_when_the_entry_is_unknown():
	stays = stage_stays(example_moves())
	d1 = stays[stays["deal"] == "d1"]
	assert d1["stage"].tolist() == ["A", "B", "C"]
	assert (d1["dwell_seconds"] / 3600).tolist()[:2] == [48.0, 72.0]  # wall clock, not the split log row
	assert pd.isna(d1["exited_on"].iloc[-1])  # still in C
	d3 = stays[stays["deal"] == "d3"].set_index("stage")
	assert pd.isna(d3.loc["A", "entered_on"]) and d3.loc["A", "dwell_seconds"] == 36 * 3600
	assert len(stays) == 10  # nine rows entering a stage + d3's stay in A


def test_rows_that_changed_only_the_status_do_not_split_a_stay():
	with_status_row = pd.concat(
		[example_moves(), moves_frame([("d1", day(3, 12), "B", "B", 12 * 3600)])], ignore_index=True
	)
	stays = stage_stays(with_status_row)
	d1 = stays[stays["deal"] == "d1"]
	assert d1["stage"].tolist() == ["A", "B", "C"] and d1["dwell_seconds"].iloc[1] == 72 * 3600
	table = conversion_by_stage(with_status_row, SEQUENCE, set(), START, END).set_index("stage")
	assert table.loc["B", "entered"] == 1


def test_dwell_median_p90_and_histogram_over_exits_in_the_period():
	table = dwell_by_stage(stage_stays(example_moves()), START, END).set_index("stage")
	assert table.loc["A", "exits"] == 2  # d1 (48 h) and d3 (36 h); d2 left A after the period
	assert table.loc["A", "median_hours"] == 42.0
	assert table.loc["A", "p90_hours"] == pytest.approx(46.8)
	assert table.loc["B", ["exits", "median_hours", "p90_hours"]].tolist() == [1, 72.0, 72.0]
	assert table.loc["B", bucket_key(1)] == 1  # 72 h sits on the 1–3 d bound: the lower bucket
	assert table.loc["D", bucket_key(0)] == 1  # 24 h: ≤ 1 d
	assert "C" not in table.index  # nobody left C
	buckets = [bucket_key(i) for i in range(len(DWELL_BUCKETS))]
	assert (table[buckets].sum(axis=1) == table["exits"]).all()


def test_conversion_to_a_later_stage_and_to_won():
	table = conversion_by_stage(example_moves(), SEQUENCE, {"d1"}, START, END).set_index("stage")
	# A: d2 (entered 2nd, reached B on the 12th) and d4 (entered 5th, went nowhere after)
	assert table.loc["A", ["entered", "advanced", "won", "to_next_rate", "to_won_rate"]].tolist() == [
		2,
		1,
		0,
		50.0,
		0.0,
	]
	assert table.loc["B", ["entered", "advanced", "won"]].tolist() == [1, 1, 1]  # d1 went on to C, won
	assert table.loc["C", ["entered", "advanced", "won", "to_won_rate"]].tolist() == [2, 0, 1, 50.0]
	# a stage outside the process order never converts "further on"
	assert table.loc["D", ["entered", "advanced"]].tolist() == [1, 0]
	assert "A" in table.index and table.loc["A", "entered"] == 2  # d1 entered A before the period


def test_a_deal_entering_a_stage_twice_counts_once_from_its_first_entry():
	table = conversion_by_stage(example_moves(), SEQUENCE, set(), START, day(20)).set_index("stage")
	# d2 entered A on the 2nd and again on the 13th; d4 on the 5th
	assert table.loc["A", ["entered", "advanced"]].tolist() == [2, 1]


def test_going_back_and_forward_again_counts_as_advancing():
	moves = moves_frame(
		[
			("x", day(2), None, "B", None),
			("x", day(3), "B", "A", 86400),
			("x", day(4), "A", "C", 86400),
		]
	)
	table = conversion_by_stage(moves, SEQUENCE, set(), START, END).set_index("stage")
	assert table.loc["B", "advanced"] == 1 and table.loc["A", "advanced"] == 1


def test_empty_inputs():
	empty = moves_frame([])
	assert stage_stays(empty).empty
	assert conversion_by_stage(empty, SEQUENCE, set(), START, END).empty
	assert dwell_by_stage(stage_stays(empty), START, END).empty


def test_histogram_bounds():
	assert histogram([0, 24, 24.01, 72, 800]) == {
		bucket_key(0): 2,
		bucket_key(1): 2,
		bucket_key(2): 0,
		bucket_key(3): 0,
		bucket_key(4): 0,
		bucket_key(5): 1,
	}


def test_stage_funnel_puts_every_stage_in_process_order():
	open_deals = pd.DataFrame(
		[("A", 3, 3000.0, 1), ("C", 1, 500.0, 0)], columns=["stage", "open_deals", "open_value", "stalled"]
	)
	completion = compliance_from_counts(
		pd.DataFrame(
			[("A", 12, 11, 10, 0, 1), ("A", 8, 7, 7, 0, 1), ("B", 5, 4, 4, 0, 1)],
			columns=["stage", "due", "completed", "on_time", "waived", "open_overdue"],
		),
		["stage"],
	)
	table = stage_funnel(
		["A", "B", "C", "D"], open_deals, example_moves(), SEQUENCE, {"d1"}, START, END, completion
	).set_index("stage")
	assert table.index.tolist() == ["A", "B", "C", "D"]
	assert table.loc["A", ["open_deals", "open_value", "stalled", "entered"]].tolist() == [3, 3000.0, 1, 2]
	assert table.loc["B", ["open_deals", "open_value", "stalled"]].tolist() == [0, 0.0, 0]
	assert table.loc["A", ["checkpoints_due", "checkpoints_completed", "checkpoint_compliance"]].tolist() == [
		20,
		18,
		90.0,
	]
	assert table.loc["B", "checkpoint_band"] == "Watch"
	assert table.loc["C", "checkpoints_due"] == 0 and pd.isna(table.loc["C", "checkpoint_compliance"])
	assert table.loc["C", "exits"] == 0 and pd.isna(table.loc["C", "median_hours"])


def test_stage_funnel_without_checkpoint_counts():
	table = stage_funnel(
		["A"],
		pd.DataFrame(columns=["stage", "open_deals", "open_value", "stalled"]),
		moves_frame([]),
		{},
		(),
		START,
		END,
	)
	assert table.iloc[0][["open_deals", "entered", "checkpoints_due"]].tolist() == [0, 0, 0]


# the rep × checkpoint matrix


def test_matrix_has_one_row_per_rep_and_one_column_per_checkpoint_in_order():
	counts = pd.DataFrame(
		[
			("ann", "Clarify", 12, 11),
			("ann", "Match", 8, 7),
			("ann", "Contract", 5, 4),
			("bob", "Clarify", 4, 1),
		],
		columns=["rep", "checkpoint", "due", "completed"],
	).assign(on_time=0, waived=0, open_overdue=0)
	cells = compliance_from_counts(counts, ["rep", "checkpoint"])
	matrix = completion_matrix(
		cells, "rep", "checkpoint", "compliance", ["Clarify", "Match", "Contract", "Risk"]
	)
	assert matrix.columns.tolist() == ["rep", "Clarify", "Match", "Contract", "Risk"]
	ann = matrix.set_index("rep").loc["ann"]
	assert ann["Clarify"] == pytest.approx(91.7) and ann["Contract"] == 80.0
	bob = matrix.set_index("rep").loc["bob"]
	assert bob["Clarify"] == 25.0 and pd.isna(bob["Match"]) and pd.isna(bob["Risk"])
	assert completion_matrix(
		cells.iloc[0:0], "rep", "checkpoint", "compliance", ["Clarify"]
	).columns.tolist() == [
		"rep",
		"Clarify",
	]


def test_safe_fieldnames():
	names = [
		"Requirement Clarification",
		"首次需求澄清",
		"Requirement-Clarification",
		"Risk / Pre-registration",
	]
	keys = [safe_fieldname(name) for name in names]
	assert len(set(keys)) == len(keys)
	assert all(key.startswith("cp_") and key.isascii() and key.replace("_", "").isalnum() for key in keys)
	assert keys[0].startswith("cp_requirement_clarification_")
	assert safe_fieldname(names[1]) == keys[1]  # stable


# generated data


def generated_moves(deals: int = 400, seed: int = 3):
	rng = np.random.default_rng(seed)
	stages = ["A", "B", "C"]
	rows = []
	for deal in range(deals):
		when = datetime(2026, 1, 1) + timedelta(hours=int(rng.integers(0, 24 * 20)))
		stage = None
		for _ in range(int(rng.integers(1, 6))):
			target = stages[int(rng.integers(0, 3))]
			if target == stage:
				continue
			rows.append((f"deal-{deal}", when, stage, target, None))
			stage = target
			when += timedelta(hours=float(rng.exponential(60)))
	return moves_frame(rows)


def test_generated_stays_add_up_to_each_deals_logged_history():
	moves = generated_moves()
	stays = stage_stays(moves)
	assert len(stays) == len(moves)  # every history starts with an entry
	spans = moves.groupby("deal")["changed_on"].agg(lambda s: (s.max() - s.min()).total_seconds())
	closed = stays.dropna(subset=["dwell_seconds"]).groupby("deal")["dwell_seconds"].sum()
	pd.testing.assert_series_equal(closed.reindex(spans.index, fill_value=0.0), spans, check_names=False)


def test_generated_dwell_matches_numpy_and_conversion_is_bounded():
	moves = generated_moves()
	stays = stage_stays(moves)
	start, end = datetime(2026, 1, 5), datetime(2026, 1, 25)
	table = dwell_by_stage(stays, start, end).set_index("stage")
	for stage, row in table.iterrows():
		ended = stays[(stays["stage"] == stage) & (stays["exited_on"] >= start) & (stays["exited_on"] < end)]
		hours = ended["dwell_seconds"].to_numpy() / 3600
		assert row["exits"] == len(hours)
		assert row["median_hours"] == pytest.approx(np.quantile(hours, 0.5), abs=0.051)
		assert row["p90_hours"] == pytest.approx(np.quantile(hours, 0.9), abs=0.051)
	won = {f"deal-{i}" for i in range(0, 400, 7)}
	conversion = conversion_by_stage(moves, SEQUENCE, won, start, end)
	assert (conversion["advanced"] <= conversion["entered"]).all()
	assert (conversion["won"] <= conversion["entered"]).all()
	assert conversion.set_index("stage").loc["C", "advanced"] == 0  # nothing lies beyond the last stage
	entries = moves[(moves["changed_on"] >= start) & (moves["changed_on"] < end)].drop_duplicates(
		["deal", "to_stage"]
	)
	assert conversion["entered"].sum() == len(entries)
