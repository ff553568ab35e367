"""Process health 过程健康度: where deals wait, where they leak, who skips which step.

Pure functions over DataFrames read from the Sales Stage Log and the checkpoint counts:

- `stage_stays`: each stay of a deal in a stage, from the deal's stage changes;
- `dwell_by_stage`: median, p90 and a histogram of the time spent in each stage, over the stays
  that ended in a period;
- `conversion_by_stage`: of the deals that entered a stage in a period, the share that later
  reached a later stage of the process, and the share that was won;
- `completion_matrix`: one row per rep, one column per checkpoint, a value per cell.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from sales_process.engine.alerts import percentile
from sales_process.engine.rollup import Buckets, Contribution, month_of

HOUR = 3600.0

# Dwell-time histogram: (label, upper bound in hours); the last bucket is open-ended.
DWELL_BUCKETS: tuple[tuple[str, float | None], ...] = (
	("≤ 1 d", 24.0),
	("1–3 d", 72.0),
	("3–7 d", 168.0),
	("1–2 w", 336.0),
	("2–4 w", 672.0),
	("> 4 w", None),
)

MOVE_COLUMNS = ["deal", "changed_on", "from_stage", "to_stage", "seconds_in_previous"]
STAY_COLUMNS = ["deal", "stage", "entered_on", "exited_on", "dwell_seconds"]


def bucket_key(index: int) -> str:
	"""Fieldname of histogram bucket `index` (labels hold symbols a fieldname must not)."""
	return f"dwell_bucket_{index}"


def _blank(values: pd.Series) -> pd.Series:
	return values.isna() | values.astype("string").str.strip().eq("").fillna(True)


def _stage_changes(moves: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
	"""`columns` of the rows that changed the stage, by time (rows of the same time in their given
	order); a row that changed only the status would split a stay in two."""
	frame = moves[list(columns)].copy()
	same = frame["from_stage"].astype("string").eq(frame["to_stage"].astype("string")).fillna(False)
	frame = frame[~same.astype(bool)]
	frame["changed_on"] = pd.to_datetime(frame["changed_on"])
	frame = frame.reset_index(drop=True)
	frame["_order"] = frame.index
	return frame.sort_values(["deal", "changed_on", "_order"], kind="mergesort").reset_index(drop=True)


def stage_stays(moves: pd.DataFrame) -> pd.DataFrame:
	"""Each stay of a deal in a stage.

	`moves` holds the deals' log rows (`MOVE_COLUMNS`; rows that changed only the status are
	skipped), in the order they were written for rows with the same time. A
	stay starts at the row that moved the deal into `to_stage` and ends at the deal's next
	stage change (`exited_on` is NaT while the deal is still there); its dwell is the
	wall-clock time between the two. When a deal's history starts with it leaving a stage it
	was never logged entering (history recorded from the middle), that stay's entry is
	unknown and its dwell is the row's `seconds_in_previous`.
	"""
	if moves.empty:
		return pd.DataFrame(columns=STAY_COLUMNS)
	frame = _stage_changes(moves, MOVE_COLUMNS)

	exited_on = frame.groupby("deal", sort=False)["changed_on"].shift(-1)
	stays = pd.DataFrame(
		{
			"deal": frame["deal"],
			"stage": frame["to_stage"],
			"entered_on": frame["changed_on"],
			"exited_on": exited_on,
		}
	)
	stays["dwell_seconds"] = (stays["exited_on"] - stays["entered_on"]).dt.total_seconds()

	first = frame.groupby("deal", sort=False).head(1)
	first = first[~_blank(first["from_stage"])]
	unknown_entry = pd.DataFrame(
		{
			"deal": first["deal"],
			"stage": first["from_stage"],
			"entered_on": pd.NaT,
			"exited_on": first["changed_on"],
			"dwell_seconds": pd.to_numeric(first["seconds_in_previous"], errors="coerce"),
		}
	)
	stays = pd.concat([unknown_entry, stays], ignore_index=True) if len(unknown_entry) else stays
	stays = stays[~_blank(stays["stage"])]
	return stays[STAY_COLUMNS].reset_index(drop=True)


def dwell_by_stage(
	stays: pd.DataFrame,
	start: datetime,
	end: datetime,
	buckets: Sequence[tuple[str, float | None]] = DWELL_BUCKETS,
) -> pd.DataFrame:
	"""Per stage, over the stays that ended in [start, end): exits, median and p90 dwell in hours
	(`engine.alerts.percentile`, linear interpolation) and the count per histogram bucket
	(`bucket_key(i)`: dwell ≤ the bucket's upper bound and above the previous one)."""
	columns = ["stage", "exits", "median_hours", "p90_hours"] + [bucket_key(i) for i in range(len(buckets))]
	ended = stays[
		stays["exited_on"].notna()
		& (pd.to_datetime(stays["exited_on"]) >= pd.Timestamp(start))
		& (pd.to_datetime(stays["exited_on"]) < pd.Timestamp(end))
		& pd.to_numeric(stays["dwell_seconds"], errors="coerce").notna()
	]
	rows = []
	for stage, group in ended.groupby("stage", sort=True):
		hours = (pd.to_numeric(group["dwell_seconds"]) / HOUR).tolist()
		row = {
			"stage": stage,
			"exits": len(hours),
			"median_hours": _round(percentile(hours, 0.5)),
			"p90_hours": _round(percentile(hours, 0.9)),
		}
		row.update(histogram(hours, buckets))
		rows.append(row)
	return pd.DataFrame(rows, columns=columns)


def histogram(hours: Sequence[float], buckets: Sequence[tuple[str, float | None]] = DWELL_BUCKETS) -> dict:
	"""Counts per bucket, keyed `bucket_key(i)`; a value on a bound falls in the lower bucket."""
	counts = {bucket_key(i): 0 for i in range(len(buckets))}
	for value in hours:
		for index, (_label, upper) in enumerate(buckets):
			if upper is None or value <= upper:
				counts[bucket_key(index)] += 1
				break
	return counts


def conversion_by_stage(
	moves: pd.DataFrame,
	sequence: Mapping[str, float],
	won_deals: Collection[str],
	start: datetime,
	end: datetime,
) -> pd.DataFrame:
	"""Per stage: deals that entered it in [start, end), of those how many later entered a stage
	further on in the process (`sequence`: stage → order; stages without an order never count as
	further on), and how many are won (`won_deals`). A deal entering a stage twice in the period
	counts once, from its first entry; "later" runs up to the newest row in `moves`, so recent
	entries have had less time to move on. Rates are % of entered (1 decimal, NaN for none)."""
	columns = ["stage", "entered", "advanced", "won", "to_next_rate", "to_won_rate"]
	if moves.empty:
		return pd.DataFrame(columns=columns)
	frame = _stage_changes(moves, ["deal", "changed_on", "from_stage", "to_stage"])
	frame["seq"] = pd.to_numeric(frame["to_stage"].map(dict(sequence)), errors="coerce")

	# the furthest stage the deal reached after each row: a running max from the end, one row on
	reached = frame["seq"].fillna(float("-inf"))
	furthest_from_here = reached[::-1].groupby(frame["deal"][::-1], sort=False).cummax().sort_index()
	frame["furthest_later"] = furthest_from_here.groupby(frame["deal"], sort=False).shift(-1)

	entries = frame[
		(frame["changed_on"] >= pd.Timestamp(start))
		& (frame["changed_on"] < pd.Timestamp(end))
		& ~_blank(frame["to_stage"])
	].drop_duplicates(["deal", "to_stage"], keep="first")
	entries = entries.assign(
		advanced=entries["furthest_later"].gt(entries["seq"]) & entries["seq"].notna(),
		won=entries["deal"].isin(set(won_deals)),
	)
	table = (
		entries.groupby("to_stage", sort=True)
		.agg(entered=("deal", "size"), advanced=("advanced", "sum"), won=("won", "sum"))
		.reset_index()
		.rename(columns={"to_stage": "stage"})
	)
	table[["entered", "advanced", "won"]] = table[["entered", "advanced", "won"]].astype("int64")
	table["to_next_rate"] = _share(table["advanced"], table["entered"])
	table["to_won_rate"] = _share(table["won"], table["entered"])
	return table[columns]


def stage_funnel(
	stages: Sequence[str],
	open_deals: pd.DataFrame,
	moves: pd.DataFrame,
	sequence: Mapping[str, float],
	won_deals: Collection[str],
	start: datetime,
	end: datetime,
	checkpoint_completion: pd.DataFrame | None = None,
) -> pd.DataFrame:
	"""One row per stage in `stages` order: the open deals now (`open_deals`: stage, open_deals,
	open_value, stalled), entries and conversion, dwell over the period, and the checkpoint
	completion at the stage (`checkpoint_completion`: stage, due, completed, compliance, band)."""
	conversion = conversion_by_stage(moves, sequence, won_deals, start, end)
	stays = dwell_by_stage(stage_stays(moves), start, end)
	return _funnel_table(stages, open_deals, conversion, stays, checkpoint_completion)


def _funnel_table(stages, open_deals, conversion, stays, checkpoint_completion) -> pd.DataFrame:
	table = pd.DataFrame({"stage": list(stages)})
	table = table.merge(open_deals, on="stage", how="left")
	table = table.merge(conversion, on="stage", how="left")
	table = table.merge(stays, on="stage", how="left")
	if checkpoint_completion is not None and not checkpoint_completion.empty:
		completion = checkpoint_completion[["stage", "due", "completed", "compliance", "band"]].rename(
			columns={
				"due": "checkpoints_due",
				"completed": "checkpoints_completed",
				"compliance": "checkpoint_compliance",
				"band": "checkpoint_band",
			}
		)
		table = table.merge(completion, on="stage", how="left")
	counts = ["open_deals", "stalled", "entered", "advanced", "won", "exits", "checkpoints_due"]
	counts += [bucket_key(i) for i in range(len(DWELL_BUCKETS))]
	for column in counts:
		if column not in table:
			table[column] = 0
		table[column] = pd.to_numeric(table[column], errors="coerce").fillna(0).astype("int64")
	table["open_value"] = (
		pd.to_numeric(table["open_value"], errors="coerce").fillna(0.0) if "open_value" in table else 0.0
	)
	for column in ("checkpoints_completed", "checkpoint_compliance", "checkpoint_band"):
		if column not in table:
			table[column] = None
	return table


def completion_matrix(
	cells: pd.DataFrame,
	rows: str,
	columns: str,
	value: str,
	column_order: Sequence[str] | None = None,
) -> pd.DataFrame:
	"""Pivot `cells` (one row per rows × columns pair) into one row per `rows` value and one
	column per `columns` value (in `column_order` when given; absent pairs are NaN)."""
	if cells.empty:
		return pd.DataFrame(columns=[rows, *(column_order or [])])
	wide = cells.pivot_table(index=rows, columns=columns, values=value, aggfunc="first", dropna=False)
	if column_order is not None:
		wide = wide.reindex(columns=list(column_order))
	wide.columns.name = None
	return wide.reset_index()


def safe_fieldname(name: str, prefix: str = "cp_") -> str:
	"""A column fieldname for a document name of any language: ASCII letters, digits and _, unique
	per name (a short hash keeps two names that read alike in ASCII apart)."""
	slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40]
	digest = hashlib.md5(name.encode("utf-8")).hexdigest()[:6]
	return f"{prefix}{slug}_{digest}" if slug else f"{prefix}{digest}"


def _share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
	return (100.0 * numerator / denominator).where(denominator > 0).round(1)


def _round(value: float | None) -> float | None:
	return None if value is None else round(value, 1)


# the Funnel Health rollup: what each Sales Stage Log row adds, per month, company, rep and stage

STAGE_ROLLUP_KEYS = ("month", "company", "rep", "stage")
# a stay's length in hours: to the hour up to 3 days, to 6 hours up to a week, to the day up to 30
# days, to the week up to 86 days; the report's buckets (24, 72, 168, 336, 672 h) are bounds
DWELL_HOURS = Buckets("dwell_", ((72, 1), (168, 6), (720, 24), (2064, 168)))
STAGE_ROLLUP_COUNTS = ("entered", "advanced", "won", "exits", *DWELL_HOURS.columns)


def changes_stage(from_stage: str | None, to_stage: str | None) -> bool:
	"""A log row that moved the stage (rows that changed only the status split no stay)."""
	return (from_stage or "") != (to_stage or "")


def is_later(stage: str | None, than: str | None, sequence: Mapping[str, float | None]) -> bool:
	"""`stage` comes after `than` in the process order (stages without an order are never later)."""
	after, before = sequence.get(stage or ""), sequence.get(than or "")
	if after is None or before is None or pd.isna(after) or pd.isna(before):
		return False
	return after > before


def log_row_contribution(row: Mapping) -> list[Contribution]:
	"""What a Sales Stage Log row adds to the funnel rollup.

	A deal's first arrival in a stage is one entry in the month it arrived: advanced once the deal
	has since reached a later stage (`advanced_on`), won while the deal is won (`deal_won`). A move
	out of a stage ends a stay there: one exit in the month it left, its length (`stay_seconds`)
	in the dwell histogram."""
	if not changes_stage(row.get("from_stage"), row.get("to_stage")):
		return []
	month = month_of(row.get("changed_on"))
	if month is None:
		return []
	company, rep = row.get("company") or "", row.get("rep") or ""
	items = []
	if row.get("to_stage") and row.get("first_entry"):
		counts = {
			"entered": 1,
			"advanced": int(bool(row.get("advanced_on"))),
			"won": int(bool(row.get("deal_won"))),
			"exits": 0,
		}
		items.append(Contribution((month, company, rep, row["to_stage"]), counts))
	stay = row.get("stay_seconds")
	if row.get("from_stage") and stay is not None and not pd.isna(stay):
		counts = {
			"entered": 0,
			"advanced": 0,
			"won": 0,
			"exits": 1,
			**DWELL_HOURS.count_of(float(stay) / HOUR),
		}
		items.append(Contribution((month, company, rep, row["from_stage"]), counts))
	return items


def dwell_from_buckets(counts: Mapping[str, int]) -> dict:
	"""Exits, median and p90 hours and the report's buckets from a stage's dwell bucket counts."""
	row = {
		"exits": DWELL_HOURS.total(counts),
		"median_hours": _round(DWELL_HOURS.percentile(counts, 0.5)),
		"p90_hours": _round(DWELL_HOURS.percentile(counts, 0.9)),
	}
	below = 0
	for index, (_label, upper) in enumerate(DWELL_BUCKETS):
		upto = DWELL_HOURS.count_at_most(counts, upper) if upper is not None else row["exits"]
		row[bucket_key(index)] = upto - below
		below = upto
	return row


def funnel_from_counts(
	stages: Sequence[str],
	open_deals: pd.DataFrame,
	counts: pd.DataFrame,
	dwell: Mapping[str, Mapping[str, int]],
	checkpoint_completion: pd.DataFrame | None = None,
) -> pd.DataFrame:
	"""`stage_funnel`'s table from rollup sums: `counts` has stage, entered, advanced, won per stage
	(summed over the period's months), `dwell` each stage's dwell bucket counts."""
	conversion = counts.reindex(columns=["stage", "entered", "advanced", "won"]).copy()
	for column in ("entered", "advanced", "won"):
		conversion[column] = pd.to_numeric(conversion[column], errors="coerce").fillna(0).astype("int64")
	conversion = conversion[conversion["entered"] > 0]
	conversion["to_next_rate"] = _share(conversion["advanced"], conversion["entered"])
	conversion["to_won_rate"] = _share(conversion["won"], conversion["entered"])
	stays = pd.DataFrame(
		[
			{"stage": stage, **dwell_from_buckets(buckets)}
			for stage, buckets in dwell.items()
			if DWELL_HOURS.total(buckets)
		],
		columns=["stage", "exits", "median_hours", "p90_hours"]
		+ [bucket_key(i) for i in range(len(DWELL_BUCKETS))],
	)
	return _funnel_table(stages, open_deals, conversion, stays, checkpoint_completion)


@dataclass(frozen=True)
class MoveFacts:
	"""What the server stamps on a new log row, from the deal's earlier rows."""

	first_entry: bool
	stay_seconds: float | None
	advances: tuple[str, ...] = ()  # earlier first entries this move takes to a later stage


def move_facts(
	history: Sequence[Mapping],
	from_stage: str | None,
	to_stage: str | None,
	changed_on: datetime,
	seconds_in_previous: float | None,
	sequence: Mapping[str, float | None],
) -> MoveFacts:
	"""`history`: the deal's rows (name, changed_on, from_stage, to_stage, first_entry, advanced_on),
	oldest first. The stay that ends is measured from the row that moved the deal into `from_stage`
	(the newest such row); when the history never shows that entry it is `seconds_in_previous`."""
	if not changes_stage(from_stage, to_stage):
		return MoveFacts(False, None)
	moves = [row for row in history if changes_stage(row.get("from_stage"), row.get("to_stage"))]
	stay = None
	if from_stage:
		entries = [row for row in moves if row.get("to_stage") == from_stage]
		if entries:
			stay = max((changed_on - entries[-1]["changed_on"]).total_seconds(), 0.0)
		elif seconds_in_previous is not None:
			stay = float(seconds_in_previous)
	first_entry = bool(to_stage) and not any(row.get("to_stage") == to_stage for row in moves)
	advances = tuple(
		row["name"]
		for row in moves
		if row.get("first_entry")
		and not row.get("advanced_on")
		and is_later(to_stage, row.get("to_stage"), sequence)
	)
	return MoveFacts(first_entry, stay, advances)
