import json
import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from sales_process.engine.alerts import percentile
from sales_process.engine.compliance import (
	COUNT_COLUMNS,
	IMMEDIATE_GRACE,
	compliance_table,
	completed_on_time,
	record_contribution,
	unsettled,
)
from sales_process.engine.rollup import (
	Contribution,
	ceil_step,
	changes,
	count_at_most,
	dwell_hours_key,
	histogram_percentile,
	merged,
	month_of,
	total,
)


def test_changes_are_new_minus_old_and_drop_what_did_not_move():
	old = [Contribution(("2026-01", "a"), {"due": 1, "completed": 0})]
	new = [
		Contribution(("2026-01", "a"), {"due": 1, "completed": 1}),
		Contribution(("2026-02", "b"), {"due": 1, "completed": 0}),
	]
	delta = changes(old, new)
	assert delta[("2026-01", "a")].counts == {"due": 0, "completed": 1}
	assert delta[("2026-02", "b")].counts == {"due": 1, "completed": 0}
	assert changes(new, new) == {}


def test_a_move_to_another_key_takes_from_one_row_and_gives_to_the_other():
	before = [Contribution(("m", "rep1"), {"due": 1}, {"minutes": {30: 1}})]
	after = [Contribution(("m", "rep2"), {"due": 1}, {"minutes": {30: 1}})]
	delta = changes(before, after)
	assert delta[("m", "rep1")].counts == {"due": -1}
	assert delta[("m", "rep1")].histograms == {"minutes": {30: -1}}
	assert delta[("m", "rep2")].histograms == {"minutes": {30: 1}}


def test_histogram_changes_that_cancel_leave_no_bucket():
	delta = changes(
		[Contribution(("m",), {"n": 1}, {"h": {5: 1}})], [Contribution(("m",), {"n": 2}, {"h": {5: 1}})]
	)
	assert delta[("m",)].histograms == {}
	assert delta[("m",)].counts == {"n": 1}


def test_histogram_percentile_is_the_percentile_of_the_values_it_holds():
	rng = random.Random(7)
	for _ in range(200):
		values = [rng.randint(0, 40) for _ in range(rng.randint(1, 30))]
		histogram = {}
		for value in values:
			histogram[value] = histogram.get(value, 0) + 1
		for share in (0.0, 0.5, 0.9, 1.0):
			assert histogram_percentile(histogram, share) == pytest.approx(percentile(values, share))
	assert histogram_percentile({}, 0.5) is None
	assert histogram_percentile({3: 0}, 0.5) is None


def test_histograms_read_back_from_json_merge_by_value():
	stored = [json.loads(json.dumps({1: 2, 5: 1})), {"1": 1, "7": 0}]
	assert merged(stored) == {1: 3, 5: 1}
	assert count_at_most({1: 3, 5: 1, 9: 2}, 5) == 4


def test_ceil_step_rounds_up_and_never_below_zero():
	assert ceil_step(0, 1) == 0
	assert ceil_step(0.01, 1) == 1
	assert ceil_step(2.0, 1) == 2
	assert ceil_step(-3, 1) == 0
	assert ceil_step(float("nan"), 1) == 0
	assert ceil_step(169, 6) == 174


@pytest.mark.parametrize("bound", [24, 72, 168, 336, 672])
def test_dwell_buckets_split_exactly_at_the_reports_bounds(bound):
	for hours in (bound - 0.01, bound, bound + 0.01, bound - 5.5, bound + 5.5):
		assert (dwell_hours_key(hours) <= bound) == (hours <= bound)


def test_dwell_key_is_at_most_one_step_above_the_length():
	for hours in (0.5, 23.2, 100.1, 170.2, 500.5, 800.1, 2000.0):
		key = dwell_hours_key(hours)
		step = 1 if hours <= 168 else 6 if hours <= 720 else 24
		assert hours <= key < hours + step


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
		assert {name: rollup[key].counts[name] for name in COUNT_COLUMNS} == {
			name: row[name] for name in COUNT_COLUMNS
		}
	assert len(rollup) == len(table)


def test_rollup_less_what_is_not_yet_due_is_the_count_at_any_moment():
	rng = random.Random(5)
	records = [r for r in random_records(rng, 400) if r["due_on"]]
	as_of = datetime(2026, 4, 10, 12)
	settled = total(item for record in records for item in record_contribution(record)).values()
	counts = {name: sum(change.counts[name] for change in settled) for name in COUNT_COLUMNS}
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
