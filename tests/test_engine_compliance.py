from datetime import datetime, timedelta

import pandas as pd
import pytest

from sales_process.engine.compliance import (
	band,
	compliance_from_counts,
	compliance_rate,
	compliance_table,
	subtree_totals,
)
from sales_process.engine.rules import RecordState, RecordStatus
from sales_process.engine.stages import Position, has_moved, transitions_from_history

AS_OF = datetime(2026, 11, 30)
PAST = AS_OF - timedelta(days=3)
FUTURE = AS_OF + timedelta(days=3)


def frame(rows):
	return pd.DataFrame(rows, columns=["rep", "checkpoint", "status", "due_on", "completed_on"])


def seed_rows():
	"""The seed's example: 12 + 8 + 5 = 25 due, 22 completed → 88 %."""
	rows = []
	for checkpoint, due, done in (("Clarify", 12, 11), ("Match", 8, 7), ("Contract", 5, 4)):
		for i in range(due):
			completed = i < done
			rows.append(
				(
					"rep-a",
					checkpoint,
					RecordStatus.COMPLETED if completed else RecordStatus.OVERDUE,
					PAST,
					PAST - timedelta(hours=1) if completed else None,
				)
			)
	return rows


def test_seed_example_is_88_percent():
	table = compliance_table(frame(seed_rows()), ["rep"], AS_OF)
	row = table.iloc[0]
	assert (row["due"], row["completed"], row["compliance"]) == (25, 22, 88.0)
	assert row["band"] == "Good"


def test_per_checkpoint_breakdown():
	table = compliance_table(frame(seed_rows()), ["checkpoint"], AS_OF).set_index("checkpoint")
	assert table.loc["Clarify", "compliance"] == pytest.approx(91.7)
	assert table.loc["Contract", "compliance"] == 80.0
	assert table.loc["Contract", "band"] == "Watch"


def test_not_yet_due_records_are_not_counted_unless_completed_early():
	rows = [
		("rep", "c", RecordStatus.PENDING, FUTURE, None),
		("rep", "c", RecordStatus.COMPLETED, FUTURE, PAST),
	]
	row = compliance_table(frame(rows), ["rep"], AS_OF).iloc[0]
	assert (row["due"], row["completed"], row["on_time"], row["compliance"]) == (1, 1, 1, 100.0)


def test_waived_records_leave_both_numerator_and_denominator():
	rows = [
		("rep", "c", RecordStatus.WAIVED, PAST, None),
		("rep", "c", RecordStatus.CANCELLED, PAST, None),
		("rep", "c", RecordStatus.OVERDUE, PAST, None),
	]
	row = compliance_table(frame(rows), ["rep"], AS_OF).iloc[0]
	assert (row["due"], row["completed"], row["waived"], row["open_overdue"]) == (1, 0, 1, 1)
	assert row["compliance"] == 0.0 and row["band"] == "Poor"


def test_late_completion_counts_but_not_on_time():
	rows = [("rep", "c", RecordStatus.COMPLETED, PAST, PAST + timedelta(hours=5))]
	row = compliance_table(frame(rows), ["rep"], AS_OF).iloc[0]
	assert (row["compliance"], row["on_time_rate"]) == (100.0, 0.0)


def test_group_with_nothing_due_has_no_rate():
	rows = [("rep", "c", RecordStatus.PENDING, FUTURE, None)]
	row = compliance_table(frame(rows), ["rep"], AS_OF).iloc[0]
	assert row["due"] == 0 and pd.isna(row["compliance"]) and row["band"] is None


def test_overall_without_grouping():
	table = compliance_table(frame(seed_rows()), [], AS_OF)
	assert len(table) == 1 and table.iloc[0]["compliance"] == 88.0


@pytest.mark.parametrize(
	"rate, expected", [(85.1, "Good"), (85.0, "Watch"), (70.0, "Watch"), (69.9, "Poor"), (None, None)]
)
def test_bands(rate, expected):
	assert band(rate) == expected


def test_compliance_rate_of_one_deal():
	records = [
		RecordState("a", "k", RecordStatus.COMPLETED, due_on=FUTURE),
		RecordState("b", "k", RecordStatus.OVERDUE, due_on=PAST),
		RecordState("c", "k", RecordStatus.PENDING, due_on=FUTURE),
		RecordState("d", "k", RecordStatus.WAIVED, due_on=PAST),
	]
	assert compliance_rate(records, AS_OF) == 50.0
	assert compliance_rate(records[2:], AS_OF) is None


# stage history


def test_transitions_rebuilt_from_versions():
	created = datetime(2026, 1, 1, 9)
	changes = [
		(datetime(2026, 1, 3, 9), "rep@x", "sales_stage", "Prospecting", "Needs Analysis"),
		(datetime(2026, 1, 2, 9), "rep@x", "probability", 10, 20),
		(datetime(2026, 1, 5, 9), "Administrator", "status", "Open", "Quotation"),
	]
	transitions = transitions_from_history(created, "rep@x", Position("Needs Analysis", "Quotation"), changes)
	assert [(t.to_position.stage, t.to_position.status) for t in transitions] == [
		("Prospecting", "Open"),
		("Needs Analysis", "Open"),
		("Needs Analysis", "Quotation"),
	]
	assert [t.seconds_in_previous for t in transitions] == [None, 2 * 86400, 2 * 86400]


def test_untracked_history_is_the_current_position_since_creation():
	created = datetime(2026, 1, 1, 9)
	(only,) = transitions_from_history(created, None, Position("Qualification", "Open"), [])
	assert only.to_position == Position("Qualification", "Open") and only.changed_on == created


def test_has_moved():
	assert has_moved(None, Position("a", "Open"))
	assert not has_moved(Position("a", "Open"), Position("a", "Open"))
	assert has_moved(Position("a", "Open"), Position("a", "Quotation"))


# from counts the database has already summed


def counts_frame(rows):
	return pd.DataFrame(
		rows, columns=["rep", "checkpoint", "month", "due", "completed", "on_time", "waived", "open_overdue"]
	)


def seed_counts():
	"""The seed's 12 + 8 + 5 = 25 due, 22 completed, as three GROUP BY rows (one split over two months)."""
	return counts_frame(
		[
			("rep-a", "Clarify", "2026-09", 7, 6, 6, 1, 1),
			("rep-a", "Clarify", "2026-10", 5, 5, 4, 0, 0),
			("rep-a", "Match", "2026-10", 8, 7, 5, 0, 1),
			("rep-a", "Contract", "2026-10", 5, 4, 4, 2, 1),
		]
	)


def test_seed_example_from_counts_is_88_percent():
	(row,) = compliance_from_counts(seed_counts(), ["rep"]).to_dict("records")
	assert (row["due"], row["completed"], row["on_time"], row["waived"], row["open_overdue"]) == (
		25,
		22,
		19,
		3,
		3,
	)
	assert (row["compliance"], row["on_time_rate"], row["band"]) == (88.0, 76.0, "Good")


def test_counts_and_records_give_the_same_table():
	from_records = compliance_table(frame(seed_rows()), ["checkpoint"], AS_OF)
	grouped = from_records[["checkpoint", "due", "completed", "on_time", "waived", "open_overdue"]]
	from_counts = compliance_from_counts(grouped, ["checkpoint"])
	pd.testing.assert_frame_equal(from_counts, from_records[from_counts.columns], check_dtype=False)


def test_rates_are_pooled_not_averaged():
	counts = counts_frame([("a", "x", "m", 1, 0, 0, 0, 1), ("b", "x", "m", 9, 9, 9, 0, 0)])
	(row,) = compliance_from_counts(counts, ["checkpoint"]).to_dict("records")
	assert row["compliance"] == 90.0  # 9 of 10, not the mean of 0 % and 100 %


def test_counts_without_grouping_and_with_nothing_due():
	assert compliance_from_counts(seed_counts(), []).iloc[0]["compliance"] == 88.0
	empty = compliance_from_counts(counts_frame([]), ["rep"])
	assert empty.empty and "band" in empty.columns
	(row,) = compliance_from_counts(counts_frame([("a", "x", "m", 0, 0, 0, 2, 0)]), ["rep"]).to_dict(
		"records"
	)
	assert pd.isna(row["compliance"]) and row["band"] is None and row["waived"] == 2


# subtree totals over the Sales Person tree

TREE = [("Director", None), ("North", "Director"), ("Ann", "North"), ("Bob", "North"), ("South", "Director")]
MEMBERS = {"dir@x": ["Director"], "ann@x": ["Ann"], "bob@x": ["Bob"], "sue@x": ["South"]}


def per_rep(rows):
	return pd.DataFrame(rows, columns=["rep", "due", "completed", "on_time", "waived", "open_overdue"])


def test_each_node_counts_its_whole_subtree_in_tree_order():
	counts = per_rep([("ann@x", 12, 11, 10, 0, 1), ("bob@x", 8, 7, 7, 1, 1), ("sue@x", 5, 4, 4, 0, 1)])
	table = subtree_totals(counts, "rep", TREE, MEMBERS)
	assert table["node"].tolist() == ["Director", "North", "Ann", "Bob", "South"]
	assert table["depth"].tolist() == [0, 1, 2, 2, 1]
	totals = table.set_index("node")
	assert (totals.loc["Director", "due"], totals.loc["Director", "completed"]) == (25, 22)
	assert totals.loc["Director", "compliance"] == 88.0 and totals.loc["Director", "band"] == "Good"
	assert (totals.loc["North", "due"], totals.loc["North", "compliance"]) == (20, 90.0)
	assert totals.loc["South", "band"] == "Watch"
	assert totals.loc["North", "members"] == ["ann@x", "bob@x"]


def test_empty_subtrees_are_left_out_and_a_member_at_two_nodes_counts_once():
	counts = per_rep([("ann@x", 4, 2, 2, 0, 2)])
	members = {**MEMBERS, "ann@x": ["Ann", "North"]}
	table = subtree_totals(counts, "rep", TREE, members)
	assert table["node"].tolist() == ["Director", "North", "Ann"]
	assert table.set_index("node").loc["North", "due"] == 4
	everything = subtree_totals(counts, "rep", TREE, members, keep_empty=True)
	assert len(everything) == 5 and everything.set_index("node").loc["South", "due"] == 0


def test_a_node_whose_parent_is_outside_the_list_is_a_root():
	table = subtree_totals(per_rep([("bob@x", 1, 1, 1, 0, 0)]), "rep", [("Bob", "North")], MEMBERS)
	assert table[["node", "parent", "depth"]].values.tolist() == [["Bob", None, 0]]


@pytest.mark.parametrize("others_due", [0, 4])
def test_a_group_with_nothing_due_has_no_band_not_nan(others_due):
	"""A rep whose only record of a checkpoint was waived has nothing due: no rate and no band,
	as None (NaN is not JSON: the desk could not read the report's answer)."""
	counts = pd.DataFrame(
		[
			{"rep": "a", "due": 0, "completed": 0, "on_time": 0, "waived": 1, "open_overdue": 0},
			{
				"rep": "b",
				"due": others_due,
				"completed": others_due,
				"on_time": 0,
				"waived": 0,
				"open_overdue": 0,
			},
		]
	)
	records = compliance_from_counts(counts, ["rep"]).to_dict("records")
	assert records[0]["band"] is None
	assert records[1]["band"] == ("Good" if others_due else None)
