"""The funnel rollup (what each Stage Log row adds, stamped as the server writes the rows) gives the
Funnel Health figures that the frame-based definitions give over the same moves."""

import random
from datetime import datetime, timedelta

import pandas as pd
import pytest

from sales_process.engine.funnel import (
	DWELL_BUCKETS,
	bucket_key,
	changes_stage,
	conversion_by_stage,
	dwell_by_stage,
	funnel_from_counts,
	log_row_contribution,
	move_facts,
	stage_funnel,
	stage_stays,
)
from sales_process.engine.rollup import Change, total

SEQUENCE = {"A": 10, "B": 20, "C": 30, "D": 40, "X": None}
STAGES = ["A", "B", "C", "D", "X"]


def write(rows: list[dict], deal: str, changed_on, from_stage, to_stage, won: set):
	"""Append a log row as the server does: facts from the deal's earlier rows, earlier entries advanced."""
	history = [row for row in rows if row["deal"] == deal]
	facts = move_facts(history, from_stage, to_stage, changed_on, None, SEQUENCE)
	for row in history:
		if row["name"] in facts.advances:
			row["advanced_on"] = changed_on
	rows.append(
		{
			"name": f"{deal}-{len(history)}",
			"deal": deal,
			"changed_on": changed_on,
			"from_stage": from_stage,
			"to_stage": to_stage,
			"seconds_in_previous": None,
			"first_entry": facts.first_entry,
			"advanced_on": None,
			"deal_won": deal in won,
			"stay_seconds": facts.stay_seconds,
			"company": "C1",
			"rep": "r",
		}
	)


def story(seed: int, deals: int = 150, reentries: bool = False):
	rng = random.Random(seed)
	start = datetime(2026, 1, 1)
	rows, won = [], set()
	for index in range(deals):
		deal = f"d{index}"
		moment = start + timedelta(hours=rng.randrange(24 * 200))
		path = ["A"]
		for stage in ("B", "C", "D"):
			if rng.random() < 0.7:
				path.append(stage)
		if reentries and rng.random() < 0.3 and len(path) > 1:
			path += [path[-2], path[-1]]  # back one stage and forward again
		if rng.random() < 0.1:
			path.append("X")  # an unordered stage
		previous = None
		if rng.random() < 0.4:
			won.add(deal)
		for stage in path:
			write(rows, deal, moment, previous, stage, won)
			previous = stage
			moment += timedelta(hours=rng.uniform(0.5, 24 * 40))
	return rows, won


def rollup_table(rows, start, end):
	months = total(item for row in rows for item in log_row_contribution(row))
	chosen = [(key, change) for key, change in months.items() if start <= key[0] < end]
	per_stage: dict[str, Change] = {}
	for key, change in chosen:
		per_stage.setdefault(key[3], Change()).add(change)
	counts = pd.DataFrame(
		[{"stage": stage, **change.counts} for stage, change in per_stage.items()],
		columns=["stage", "entered", "advanced", "won", "exits"],
	)
	dwell = {stage: change.counts for stage, change in per_stage.items()}
	empty = pd.DataFrame(columns=["stage", "open_deals", "open_value", "stalled"])
	return funnel_from_counts(STAGES, empty, counts, dwell).set_index("stage")


def moves_frame(rows):
	return pd.DataFrame(rows)[["deal", "changed_on", "from_stage", "to_stage", "seconds_in_previous"]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_without_reentries_the_rollup_is_the_frame_definition(seed):
	rows, won = story(seed)
	start, end = datetime(2026, 3, 1), datetime(2026, 6, 1)
	from_rollup = rollup_table(rows, start.date(), end.date())
	empty = pd.DataFrame(columns=["stage", "open_deals", "open_value", "stalled"])
	expected = stage_funnel(STAGES, empty, moves_frame(rows), SEQUENCE, won, start, end).set_index("stage")
	for column in ["entered", "advanced", "won", "exits"] + [
		bucket_key(i) for i in range(len(DWELL_BUCKETS))
	]:
		assert from_rollup[column].tolist() == expected[column].tolist(), column
	assert from_rollup["to_next_rate"].fillna(-1).tolist() == expected["to_next_rate"].fillna(-1).tolist()
	# the median read from the buckets lies at most one bucket step above the exact one
	for stage in STAGES:
		exact, rounded = expected.at[stage, "median_hours"], from_rollup.at[stage, "median_hours"]
		if pd.isna(exact):
			assert pd.isna(rounded)
		else:
			step = 1 if exact <= 72 else 6 if exact <= 168 else 24 if exact <= 720 else 168
			assert exact - 0.1 <= rounded <= exact + step + 0.1


def test_a_reentry_is_not_a_new_entry():
	rows, won = [], set()
	t = datetime(2026, 2, 1)
	write(rows, "d", t, None, "A", won)
	write(rows, "d", t + timedelta(days=1), "A", "B", won)
	write(rows, "d", t + timedelta(days=2), "B", "A", won)  # back
	write(rows, "d", t + timedelta(days=3), "A", "B", won)  # forward again
	assert [row["first_entry"] for row in rows] == [True, True, False, False]
	# the stay in A that ends on day 3 started on day 2 (its last entry), not on day 0
	assert rows[3]["stay_seconds"] == 86400
	table = rollup_table(rows, datetime(2026, 2, 1).date(), datetime(2026, 3, 1).date())
	assert (table.at["A", "entered"], table.at["A", "advanced"], table.at["A", "exits"]) == (1, 1, 2)
	assert (table.at["B", "entered"], table.at["B", "exits"]) == (1, 1)


def test_status_only_rows_add_nothing_and_an_unknown_entry_uses_the_stored_time():
	assert not changes_stage("A", "A") and changes_stage(None, "A") and not changes_stage(None, "")
	row = {"changed_on": datetime(2026, 2, 2), "from_stage": "A", "to_stage": "A", "first_entry": 0}
	assert log_row_contribution(row) == []
	facts = move_facts([], "B", "C", datetime(2026, 2, 2), 7200, SEQUENCE)
	assert (facts.first_entry, facts.stay_seconds) == (True, 7200)


def test_unordered_stages_are_never_an_advance():
	rows, won = [], set()
	t = datetime(2026, 2, 1)
	write(rows, "d", t, None, "A", won)
	write(rows, "d", t + timedelta(days=1), "A", "X", won)
	assert rows[0]["advanced_on"] is None
	write(rows, "d", t + timedelta(days=2), "X", "C", won)
	assert rows[0]["advanced_on"] == t + timedelta(days=2)


def test_dwell_buckets_from_the_histogram_match_the_stays():
	rows, won = story(9)
	stays = stage_stays(moves_frame(rows))
	start, end = datetime(2026, 1, 1), datetime(2027, 1, 1)
	exact = dwell_by_stage(stays, start, end).set_index("stage")
	table = rollup_table(rows, start.date(), end.date())
	for stage in exact.index:
		for index in range(len(DWELL_BUCKETS)):
			assert table.at[stage, bucket_key(index)] == exact.at[stage, bucket_key(index)]
	conversion = conversion_by_stage(moves_frame(rows), SEQUENCE, won, start, end).set_index("stage")
	assert table.loc[conversion.index, "won"].tolist() == conversion["won"].tolist()
