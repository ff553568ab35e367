"""Visit effectiveness: are visits real, and do they move deals? (seed 003: 43 % of "on-target"
visits moved nothing).

A visit is *followed* when, within N days after its check-in, its deal advanced to a later stage
(by the stages' process order), was won, or had a checkpoint completed. The window is
(check-in, check-in + N days]: what happens at the very moment of check-in was not caused by it.
A visit on a deal whose window has not ended and that nothing has followed yet is *window open*:
it is neither moved nor "moved nothing" until its N days are over, so a period ending today does
not read as a run of useless visits. A visit without a deal cannot be followed: it moved nothing
(at once).

The report counts these per rep in SQL at scale, from the first progress stored on each visit
(Sales Visit Log.progressed_on); `visit_flags` + `count_per_rep` are the same rules over frames
(tests, and small data), and `effectiveness_table` turns counts into rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pandas as pd

from sales_process.engine.rollup import Buckets, Contribution, month_of

INSIDE = "Inside"
WON_STATUS = "Converted"
# A visit's progress is stored when it happens (Sales Visit Log.progressed_on) only for visits
# checked in at most this many days before: the longest follow-up window the report offers.
PROGRESS_HORIZON_DAYS = 90

COUNT_COLUMNS = [
	"visits",
	"with_result",
	"inside",
	"flagged",
	"without_deal",
	"moved",
	"window_open",
	"inside_moved",
	"inside_window_open",
]


# the Visit Effectiveness rollup: per month of check-in, company of the deal and rep
ROLLUP_KEYS = ("month", "company", "rep")
# the follow-up windows the report offers: "moved within N days" is stored for each of them
FOLLOW_WINDOWS = (1, 2, 3, 5, 7, 10, 14, 21, 30, 45, 60, 90)
# checked-out durations in minutes: to the minute up to 90, to 5 minutes up to 4 hours, to 30
# minutes up to 12 hours
DURATION_BUCKETS = Buckets("minutes_", ((90, 1), (240, 5), (720, 30)))
ROLLUP_COUNTS = (
	"visits",
	"with_result",
	"inside",
	"flagged",
	"without_deal",
	*(f"moved_{days}d" for days in FOLLOW_WINDOWS),
	*(f"inside_moved_{days}d" for days in FOLLOW_WINDOWS),
	*DURATION_BUCKETS.columns,
)
DEAL_DOCTYPE = "Opportunity"


def visit_contribution(visit: Mapping) -> list[Contribution]:
	"""What a visit adds to the rollup once checked in (a planned visit adds nothing)."""
	check_in = visit.get("check_in_time")
	if not check_in:
		return []
	has_deal = visit.get("reference_doctype") == DEAL_DOCTYPE and bool(visit.get("reference_name"))
	inside = visit.get("geofence_result") == INSIDE
	counts = {
		"visits": 1,
		"with_result": int(bool(visit.get("geofence_result"))),
		"inside": int(inside),
		"flagged": int(bool(visit.get("needs_review"))),
		"without_deal": int(not has_deal),
	}
	progressed = visit.get("progressed_on")
	if has_deal and progressed:
		for days in FOLLOW_WINDOWS:
			if progressed <= check_in + timedelta(days=days):
				counts[f"moved_{days}d"] = 1
				if inside:
					counts[f"inside_moved_{days}d"] = 1
	if visit.get("status") == "Checked Out" and visit.get("duration") is not None:
		counts.update(DURATION_BUCKETS.count_of(float(visit["duration"]) / 60.0))
	key = (month_of(check_in), visit.get("company") or "", visit.get("rep") or "")
	return [Contribution(key, counts)]


def counts_from_rollup(row: Mapping, days: int) -> dict[str, int]:
	"""A rep's COUNT_COLUMNS from summed rollup counts for a follow-up window of `days` (one of
	FOLLOW_WINDOWS; window-open counts, which depend on the moment, are the caller's)."""
	return {
		**{name: int(row.get(name) or 0) for name in ROLLUP_COUNTS[:5]},
		"moved": int(row.get(f"moved_{days}d") or 0),
		"inside_moved": int(row.get(f"inside_moved_{days}d") or 0),
	}


def median_from_buckets(counts: Mapping[str, int]) -> float | None:
	"""Median duration in minutes from the duration buckets (at most one bucket step above)."""
	value = DURATION_BUCKETS.percentile(counts or {}, 0.5)
	return None if value is None else round(value, 1)


def advancing_moves(sequences: Mapping[str, float | None]) -> list[tuple[str, str]]:
	"""Every (from_stage, to_stage) pair that moves a deal forward in the process order.

	Stages without an order are left out: a move into or out of them is not judged an advance.
	"""
	ordered = {stage: seq for stage, seq in sequences.items() if seq is not None and not pd.isna(seq)}
	return sorted(
		(earlier, later)
		for earlier, earlier_seq in ordered.items()
		for later, later_seq in ordered.items()
		if later_seq > earlier_seq
	)


def is_advance(
	from_stage: str | None,
	to_stage: str | None,
	from_status: str | None,
	to_status: str | None,
	sequences: Mapping[str, float | None],
) -> bool:
	"""A Stage Log row moving to a later stage, or winning the deal."""
	if to_status == WON_STATUS and from_status != WON_STATUS:
		return True
	before, after = sequences.get(from_stage or ""), sequences.get(to_stage or "")
	if before is None or after is None or pd.isna(before) or pd.isna(after):
		return False
	return after > before


def first_progress(
	visits: pd.DataFrame, progress: pd.DataFrame, horizon_days: int = PROGRESS_HORIZON_DAYS
) -> pd.Series:
	"""For each visit: the first progress of its deal after check-in, at most `horizon_days` later.

	What the server stores as Sales Visit Log.progressed_on. `visits` has columns deal,
	check_in_time; `progress` has deal, happened_on (advances, wins and completed checkpoints
	only). Returns a datetime Series aligned with `visits` (NaT: nothing followed).
	"""
	result = pd.Series(pd.NaT, index=visits.index, dtype="datetime64[ns]")
	if visits.empty or progress.empty:
		return result
	left = pd.DataFrame(
		{
			"deal": visits["deal"].astype("object"),
			"check_in_time": pd.to_datetime(visits["check_in_time"]).astype("datetime64[ns]"),
			"row": range(len(visits)),
		}
	)
	left = left[left["deal"].notna()].sort_values("check_in_time", kind="stable")
	right = pd.DataFrame(
		{
			"deal": progress["deal"].astype("object"),
			"happened_on": pd.to_datetime(progress["happened_on"]).astype("datetime64[ns]"),
		}
	)
	right = right[right["deal"].notna() & right["happened_on"].notna()].sort_values("happened_on")
	if left.empty or right.empty:
		return result
	# the first progress strictly after each check-in, on the same deal
	nearest = pd.merge_asof(
		left,
		right,
		left_on="check_in_time",
		right_on="happened_on",
		by="deal",
		direction="forward",
		allow_exact_matches=False,
	)
	within = nearest["happened_on"].notna() & (
		nearest["happened_on"] <= nearest["check_in_time"] + pd.Timedelta(days=horizon_days)
	)
	result.iloc[nearest.loc[within, "row"].to_numpy()] = nearest.loc[within, "happened_on"].to_numpy()
	return result


def followed_within(visits: pd.DataFrame, progress: pd.DataFrame, days: int) -> pd.Series:
	"""For each visit: did its deal progress within `days` after check-in? (boolean Series)"""
	return first_progress(visits, progress, days).notna()


def visit_flags(
	visits: pd.DataFrame,
	stage_moves: pd.DataFrame,
	completions: pd.DataFrame,
	sequences: Mapping[str, float | None],
	days: int,
	as_of: datetime,
) -> pd.DataFrame:
	"""Per visit: inside, with_result, flagged, without_deal, moved, window_open.

	`visits`: rep, deal, check_in_time, geofence_result, needs_review.
	`stage_moves`: deal, changed_on, from_stage, to_stage, from_status, to_status.
	`completions`: deal, completed_on (completed checkpoint records).
	"""
	advancing = pd.Series(
		[
			is_advance(row.from_stage, row.to_stage, row.from_status, row.to_status, sequences)
			for row in stage_moves.itertuples(index=False)
		],
		index=stage_moves.index,
		dtype=bool,
	)
	advances = stage_moves[advancing]
	progress = pd.concat(
		[
			pd.DataFrame({"deal": advances["deal"], "happened_on": advances["changed_on"]}),
			pd.DataFrame({"deal": completions["deal"], "happened_on": completions["completed_on"]}),
		],
		ignore_index=True,
	)
	moved = followed_within(visits, progress, days)
	check_in = pd.to_datetime(visits["check_in_time"])
	has_deal = visits["deal"].notna() & visits["deal"].astype(str).ne("")
	return pd.DataFrame(
		{
			"rep": visits["rep"],
			"inside": visits["geofence_result"].eq(INSIDE),
			"with_result": visits["geofence_result"].fillna("").astype(str).ne(""),
			"flagged": visits["needs_review"].fillna(0).astype(int).astype(bool),
			"without_deal": ~has_deal,
			"moved": moved,
			"window_open": ~moved & has_deal & (check_in + timedelta(days=days) > pd.Timestamp(as_of)),
		},
		index=visits.index,
	)


def count_per_rep(flags: pd.DataFrame) -> pd.DataFrame:
	"""The per-rep counts the report's SQL returns, from per-visit flags."""
	counts = pd.DataFrame(
		{
			"rep": flags["rep"],
			"visits": 1,
			"with_result": flags["with_result"],
			"inside": flags["inside"],
			"flagged": flags["flagged"],
			"without_deal": flags["without_deal"],
			"moved": flags["moved"],
			"window_open": flags["window_open"],
			"inside_moved": flags["inside"] & flags["moved"],
			"inside_window_open": flags["inside"] & flags["window_open"],
		}
	)
	if counts.empty:
		return pd.DataFrame(columns=["rep", *COUNT_COLUMNS])
	return counts.groupby("rep", sort=True).sum().astype("int64").reset_index()


def _share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
	numerator = numerator.astype("float64")
	denominator = denominator.astype("float64")
	return (100.0 * numerator / denominator.where(denominator > 0)).round(1)


def effectiveness_table(counts: pd.DataFrame, medians: Mapping[str, float | None]) -> pd.DataFrame:
	"""Rates per rep from the counts (`COUNT_COLUMNS` per rep) and each rep's median duration.

	Adds pass_rate (Inside ÷ visits with a geofence result), median_minutes, judged (visits whose
	window has ended or that already moved), moved_share, moved_nothing(+_share) and the same
	among Inside visits.
	"""
	table = counts.copy()
	for column in COUNT_COLUMNS:
		table[column] = pd.to_numeric(table[column]).fillna(0).astype("int64")
	table["pass_rate"] = _share(table["inside"], table["with_result"])
	table["median_minutes"] = table["rep"].map(lambda rep: medians.get(rep))
	add_follow_up_shares(table)
	return table.sort_values("rep", kind="stable").reset_index(drop=True)


def add_follow_up_shares(table: pd.DataFrame) -> pd.DataFrame:
	table["judged"] = table["visits"] - table["window_open"]
	table["moved_share"] = _share(table["moved"], table["judged"])
	table["moved_nothing"] = table["judged"] - table["moved"]
	table["moved_nothing_share"] = _share(table["moved_nothing"], table["judged"])
	table["inside_judged"] = table["inside"] - table["inside_window_open"]
	table["inside_moved_nothing"] = table["inside_judged"] - table["inside_moved"]
	table["inside_moved_nothing_share"] = _share(table["inside_moved_nothing"], table["inside_judged"])
	return table


def median_minutes(durations: pd.DataFrame, by: str | None = None):
	"""Median visit duration in minutes (one decimal), per `by` or overall; None without data."""
	minutes = pd.to_numeric(durations["duration"], errors="coerce") / 60.0
	if by is None:
		minutes = minutes.dropna()
		return round(float(minutes.median()), 1) if len(minutes) else None
	frame = pd.DataFrame({by: durations[by], "minutes": minutes}).dropna()
	return frame.groupby(by)["minutes"].median().round(1)


def totals(table: pd.DataFrame, median: float | None) -> dict:
	"""The whole selection in one row: counts summed, rates recomputed (not averaged)."""
	row = {column: int(table[column].sum()) if len(table) else 0 for column in COUNT_COLUMNS}
	frame = add_follow_up_shares(pd.DataFrame([row]))
	frame["pass_rate"] = _share(frame["inside"], frame["with_result"])
	# column by column: a row of mixed columns would turn the counts into floats
	result = {}
	for key in frame.columns:
		value = frame[key].iloc[0]
		result[key] = None if pd.isna(value) else value.item() if hasattr(value, "item") else value
	result["median_minutes"] = median
	return result
