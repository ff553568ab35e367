import math
import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from sales_process.engine.alerts import percentile
from sales_process.engine.compliance import (
	COUNT_COLUMNS,
	IMMEDIATE_GRACE,
	completed_on_time,
	compliance_table,
	record_contribution,
	unsettled,
)
from sales_process.engine.rollup import Buckets, Contribution, changes, month_of, total, unpacked, whole

DWELL = Buckets("d_", ((72, 1), (168, 6), (720, 24), (2064, 168)))


def test_changes_are_new_minus_old_and_drop_what_did_not_move():
	old = [Contribution(("2026-01", "a"), {"due": 1, "completed": 0})]
	new = [
		Contribution(("2026-01", "a"), {"due": 1, "completed": 1}),
		Contribution(("2026-02", "b"), {"due": 1, "completed": 0}),
	]
	delta = changes(old, new)
	assert delta[("2026-01", "a")].counts == {"completed": 1}
	assert delta[("2026-02", "b")].counts == {"due": 1}
	assert changes(new, new) == {}


def test_a_move_to_another_key_takes_from_one_row_and_gives_to_the_other():
	before = [Contribution(("m", "rep1"), {"due": 1, "minutes_030": 1})]
	after = [Contribution(("m", "rep2"), {"due": 1, "minutes_030": 1})]
	delta = changes(before, after)
	assert delta[("m", "rep1")].counts == {"due": -1, "minutes_030": -1}
	assert delta[("m", "rep2")].counts == {"due": 1, "minutes_030": 1}


def test_bucket_bounds_widen_and_every_value_finds_the_first_bound_at_or_above_it():
	bounds = DWELL.bounds
	assert bounds[:3] == (0.0, 1.0, 2.0) and 72.0 in bounds and 78.0 in bounds and 192.0 in bounds
	assert len(DWELL.columns) == len(bounds) + 1 == 121
	assert DWELL.index(0) == 0 and DWELL.index(-5) == 0 and DWELL.index(float("nan")) == 0
	assert DWELL.upper(DWELL.index(0.2)) == 1.0
	assert DWELL.upper(DWELL.index(72.0)) == 72.0
	assert DWELL.upper(DWELL.index(72.01)) == 78.0
	assert DWELL.index(5000) == len(bounds)  # above the last bound: the overflow bucket
	assert DWELL.count_of(3.5) == {"d_004": 1}


def test_the_region_formula_the_database_uses_finds_the_same_bucket():
	rng = random.Random(2)
	values = (
		[rng.uniform(0, 2500) for _ in range(3000)] + [float(b) for b in DWELL.bounds] + [0.5, 2064.0, 2064.5]
	)
	for value in values:
		expected = DWELL.index(value)
		found = len(DWELL.bounds)
		for lower, up_to, step, offset in DWELL.regions:
			if value <= up_to:
				found = offset + math.ceil((value - lower) / step)
				break
		assert found == expected, value


@pytest.mark.parametrize("bound", [24, 72, 168, 336, 672])
def test_the_reports_dwell_bounds_split_the_buckets_exactly(bound):
	rng = random.Random(bound)
	values = [rng.uniform(0, 1500) for _ in range(500)] + [bound, bound - 0.001, bound + 0.001]
	counts = {}
	for value in values:
		for column, one in DWELL.count_of(value).items():
			counts[column] = counts.get(column, 0) + one
	assert DWELL.count_at_most(counts, bound) == sum(1 for value in values if value <= bound)
	assert DWELL.total(counts) == len(values)


def test_a_bucketed_percentile_is_the_percentile_of_the_values_rounded_up_to_their_bound():
	rng = random.Random(7)
	minutes = Buckets("m_", ((90, 1), (240, 5), (720, 30)))
	for _ in range(100):
		values = [rng.uniform(1, 400) for _ in range(rng.randint(1, 60))]
		counts = {}
		for value in values:
			column = minutes.column(minutes.index(value))
			counts[column] = counts.get(column, 0) + 1
		rounded = [minutes.upper(minutes.index(value)) for value in values]
		for value, up in zip(values, rounded, strict=True):
			step = 1 if value <= 90 else 5 if value <= 240 else 30
			assert value - 1e-9 <= up < value + step
		for share in (0.5, 0.9):
			# the percentile of the values each rounded up to its bound
			assert minutes.percentile(counts, share) == pytest.approx(percentile(rounded, share))
	assert minutes.percentile({}, 0.5) is None


def test_month_of():
	assert month_of(datetime(2026, 3, 31, 23, 59)) == date(2026, 3, 1)
	assert month_of(date(2026, 2, 14)) == date(2026, 2, 1)
	assert month_of(None) is None


# compliance: what a record adds to the rollup


def test_immediate_checkpoints_have_their_first_minute():
	start = datetime(2026, 1, 5, 9)
	assert completed_on_time(start, start, start + IMMEDIATE_GRACE)
	assert not completed_on_time(start, start, start + IMMEDIATE_GRACE + timedelta(seconds=1))
	assert completed_on_time(start, start + timedelta(hours=48), start + timedelta(hours=48))
	assert not completed_on_time(start, start + timedelta(hours=48), start + timedelta(hours=48, seconds=1))
	assert completed_on_time(start, None, start + timedelta(days=99))


def test_compliance_table_counts_the_stamped_on_time_flag():
	start = datetime(2026, 1, 5, 9)
	records = pd.DataFrame(
		[
			# a Risk Pre-registration met 30 s after it started: due == triggered, on time by its grace
			{
				"rep": "a",
				"status": "Completed",
				"due_on": start,
				"completed_on": start + timedelta(seconds=30),
				"on_time": 1,
			}
		]
	)
	row = compliance_table(records, ["rep"], start + timedelta(days=1)).iloc[0]
	assert (row["due"], row["completed"], row["on_time"], row["on_time_rate"]) == (1, 1, 1, 100.0)


STATUSES = ["Pending", "Due Soon", "Overdue", "Completed", "Waived", "Cancelled"]


def random_records(rng, count):
	base = datetime(2026, 3, 1)
	rows = []
	for index in range(count):
		due_on = base + timedelta(hours=rng.randint(0, 24 * 120))
		status = rng.choice(STATUSES)
		completed = status == "Completed"
		rows.append(
			{
				"name": f"r{index}",
				"due_on": due_on if rng.random() > 0.03 else None,
				"company": rng.choice(["C1", "C2"]),
				"assigned_to": rng.choice(["a", "b", "c"]),
				"checkpoint": rng.choice(["X", "Y"]),
				"stage": rng.choice(["S1", "S2", None]),
				"status": status,
				"on_time": int(completed and rng.random() < 0.7),
				"completed_on": due_on - timedelta(hours=1) if completed and due_on else None,
			}
		)
	return rows


def test_the_rollup_of_an_ended_month_is_its_compliance_table():
	rng = random.Random(11)
	records = random_records(rng, 600)
	rollup = total(item for record in records for item in record_contribution(record))
	frame = pd.DataFrame(records).dropna(subset=["due_on"])
	frame["month"] = frame["due_on"].map(month_of)
	frame["stage"] = frame["stage"].fillna("")
	as_of = datetime(2026, 12, 1)  # every month has ended
	table = compliance_table(frame, ["month", "company", "assigned_to", "checkpoint", "stage"], as_of)
	table = table[(table[COUNT_COLUMNS] != 0).any(axis=1)]  # a group of cancelled records adds nothing
	for row in table.to_dict("records"):
		key = (row["month"], row["company"], row["assigned_to"], row["checkpoint"], row["stage"])
		assert {name: rollup[key].counts.get(name, 0) for name in COUNT_COLUMNS} == {
			name: row[name] for name in COUNT_COLUMNS
		}
	assert len(rollup) == len(table)


def test_rollup_less_what_is_not_yet_due_is_the_count_at_any_moment():
	rng = random.Random(5)
	records = [r for r in random_records(rng, 400) if r["due_on"]]
	as_of = datetime(2026, 4, 10, 12)
	settled = total(item for record in records for item in record_contribution(record)).values()
	counts = {name: sum(change.counts.get(name, 0) for change in settled) for name in COUNT_COLUMNS}
	for record in records:
		if record["due_on"] > as_of:
			for name, value in unsettled(record["status"]).items():
				counts[name] -= value
	table = compliance_table(pd.DataFrame(records), [], as_of).iloc[0]
	assert counts == {name: int(table[name]) for name in COUNT_COLUMNS}


def test_a_record_without_a_due_time_counts_nowhere():
	assert record_contribution({"due_on": None, "status": "Pending"}) == []


def test_empty_key_parts_are_empty_text_so_one_row_holds_them():
	(item,) = record_contribution({"due_on": datetime(2026, 1, 3), "status": "Pending", "stage": None})
	assert item.key == (date(2026, 1, 1), "", "", "", "")


# --- sums packed into one text by the database ------------------------------------------------


def test_packed_sums_read_back_per_count_in_order():
	assert unpacked("3,0,12", ("visits", "flagged", "inside"), whole) == {
		"visits": 3,
		"flagged": 0,
		"inside": 12,
	}


def test_a_decimal_sum_reads_as_a_float_or_to_its_whole_part():
	assert unpacked("2,1500.250000000", ("won", "won_amount")) == {"won": 2.0, "won_amount": 1500.25}
	assert whole("1500.750000000") == 1500
	assert whole("-3") == -3


def test_a_sum_left_out_of_the_text_is_an_error_not_a_shifted_count():
	# CONCAT_WS leaves a NULL out: the counts after it would land in the wrong columns
	with pytest.raises(ValueError, match="3 sums packed, 2 read"):
		unpacked("3,12", ("visits", "flagged", "inside"))


def test_sparse_sums_read_back_with_the_empty_buckets_left_out():
	from sales_process.engine.rollup import unpacked_sparse

	columns = ("a", "b", "c", "d")
	assert unpacked_sparse("1:2 3:0.5", columns) == {"b": 2.0, "d": 0.5}
	assert unpacked_sparse("", columns) == {}
	assert unpacked_sparse(None, columns) == {}
