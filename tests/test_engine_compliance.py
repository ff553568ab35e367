from datetime import datetime, timedelta

import pandas as pd
import pytest

from sales_process.engine.compliance import band, compliance_rate, compliance_table
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
