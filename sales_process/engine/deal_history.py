"""A rep's deal history for Target Back-calculation, kept per month of creation (DESIGN.md §3).

Target Back-calculation reads a rep's rates from the cohort of deals they opened in the months
before the period: win rate, average won amount, cycle time, stage advances, visits per advance,
quotations per won deal and the stage-to-stage funnel. Reading them from the deals, their 900 k
stage moves, 1.6 M visits and their quotations took a large org's month 51 s. So each deal keeps
one row of facts (`deal_fact`: its outcome, furthest stage, forward moves, visits and submitted
quotations, worked out again whenever one of them changes), and `Sales Deal Month` sums what the
facts add (`deal_contribution`) per month of creation, company, rep and furthest stage.

The cycle time is a median, so won deals also count their days from creation to won in
`CYCLE_DAYS` buckets, on one row per month and rep whose furthest is `CYCLE_ROW`: a reader of
the counts selects the ten count columns of the other rows, a reader of the cycle the buckets.

Pure functions; `process.deal_rollup` reads the documents and writes the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from sales_process.engine.rollup import Buckets, Change, Contribution, add_counts, month_of

# days from creation to won: to the day for two weeks, then every 2 days to 8 weeks, every week
# to 24 weeks, every 4 weeks to two years; a median read from them is at most one step above
CYCLE_DAYS = Buckets("days_", ((14, 1), (56, 2), (168, 7), (728, 28)))
CYCLE_ROW = -1  # the furthest key of the rows that hold the won deals' cycle buckets
_CYCLE_COLUMNS = frozenset(CYCLE_DAYS.columns)

DEAL_ROLLUP_KEYS = ("month", "company", "rep", "furthest")
# Target Back-calculation's default history: the twelve months before the period
TRAILING_MONTHS = 12
FACT_COUNTS = (
	"deals",  # deals of the cohort
	"decided",  # of which won or lost
	"won",
	"won_amount",  # amounts of the won deals with an amount (company currency)
	"won_with_amount",
	"moves",  # forward stage moves of every deal
	"advances",  # forward stage moves of the decided deals
	"visits",  # visits made (checked in) on every deal
	"quotations",  # submitted quotations of the decided deals
)
DEAL_ROLLUP_COUNTS = (*FACT_COUNTS, *CYCLE_DAYS.columns)
# what `engine.targets.history_rates` reads per rep (every fact count but the deals)
HISTORY_COUNTS = FACT_COUNTS[1:]
# `HistorySums.stages`: the sums of a rep's deals per furthest stage
STAGE_COLUMNS = ["rep", "furthest", *FACT_COUNTS]

# what a deal's fact row holds besides its reference
FACT_FIELDS = (
	"created_on",
	"company",
	"rep",
	"won_on",
	"lost_on",
	"won_amount",
	"furthest",
	"moves",
	"visits",
	"quotations",
	# the deal as it is now, for the open pipeline
	"is_open",
	"stage",
	"amount",
	"probability",  # the deal's own, in percent
	"scored",  # the company's Sales Win Model scored it
	"model_probability",  # then its close probability, in percent
)

# the open pipeline now (not per month): per company, rep, stage and whether the close-probability
# model scored the deal, the deals, their amounts and their amounts × each probability (percent)
PIPELINE_KEYS = ("company", "rep", "stage", "scored")
PIPELINE_COUNTS = ("deals", "amount", "weighted_by_deal", "weighted_by_model")


@dataclass(frozen=True)
class Move:
	from_stage: str | None
	to_stage: str | None


def furthest_and_moves(moves: Iterable[Move], current_stage: str | None, sequence: Mapping[str, float]):
	"""The highest order (Sales Stage sp_sequence) of a stage the deal was in — logged or its
	current one; 0 when none is in the process order — and its forward moves: from a stage in
	the order to one with a higher order."""
	furthest = float(sequence.get(current_stage) or 0) if current_stage else 0.0
	forward = 0
	for move in moves:
		to_order = float(sequence.get(move.to_stage) or 0) if move.to_stage else 0.0
		from_order = float(sequence.get(move.from_stage) or 0) if move.from_stage else 0.0
		furthest = max(furthest, to_order)
		if from_order > 0 and to_order > from_order:
			forward += 1
	return max(int(furthest), 0), forward


def deal_fact(
	created_on: datetime,
	company: str | None,
	rep: str | None,
	won_on: datetime | None,
	lost_on: datetime | None,
	amount: float,
	furthest: int,
	moves: int,
	visits: int,
	quotations: int,
	is_open: bool = False,
	stage: str | None = None,
	probability: float | None = None,
	model_probability: float | None = None,
) -> dict:
	"""One deal's facts as its row stores them (`FACT_FIELDS`). Won is the stored outcome (a Sales
	Order submitted: `process.outcomes`); lost only when not won. Open: not won, lost, closed or
	converted; `model_probability` is given only for a deal the Sales Win Model scored."""
	won = won_on is not None
	return {
		"created_on": created_on,
		"company": company or None,
		"rep": rep or None,
		"won_on": won_on,
		"lost_on": None if won else lost_on,
		"won_amount": float(amount or 0) if won and float(amount or 0) > 0 else 0.0,
		"furthest": int(furthest or 0),
		"moves": int(moves or 0),
		"visits": int(visits or 0),
		"quotations": int(quotations or 0),
		"is_open": int(bool(is_open)),
		"stage": stage or None,
		"amount": float(amount or 0),
		"probability": float(probability or 0),
		"scored": int(model_probability is not None),
		"model_probability": float(model_probability or 0),
	}


def _percent(value) -> float:
	"""A probability as the pipeline weighs it: percent, within 0–100."""
	return min(max(float(value or 0), 0.0), 100.0)


def trailing_contribution(fact: Mapping) -> list[Contribution]:
	"""What one deal adds to `Sales Deal Trailing Year`: its `deal_contribution` on the row of each
	of the `TRAILING_MONTHS` months after its month of creation. The row of a month thereby sums the
	deals created in the twelve months before it: Target Back-calculation's default history, read
	as one row per rep and furthest stage instead of twelve."""
	return [
		Contribution((months_later(item.key[0], step), *item.key[1:]), item.counts)
		for item in deal_contribution(fact)
		for step in range(1, TRAILING_MONTHS + 1)
	]


def months_later(month: date, months: int) -> date:
	"""The first day of the month `months` after `month`'s."""
	index = month.year * 12 + month.month - 1 + months
	return date(index // 12, index % 12 + 1, 1)


def trailing_cover(months: Iterable[date]) -> tuple[list[date], list[date]]:
	"""Whole months of a history as `Sales Deal Trailing Year` rows and the months left over: each
	run of `TRAILING_MONTHS` consecutive months is the trailing row of the month after it (a year's
	history is one row, five years five), any other month is read from `Sales Deal Month`."""
	ordered = sorted(set(months))
	windows, rest, index = [], [], 0
	while index < len(ordered):
		run = ordered[index : index + TRAILING_MONTHS]
		if len(run) == TRAILING_MONTHS and run[-1] == months_later(run[0], TRAILING_MONTHS - 1):
			windows.append(months_later(run[-1], 1))
			index += TRAILING_MONTHS
		else:
			rest.append(ordered[index])
			index += 1
	return windows, rest


def pipeline_contribution(fact: Mapping) -> list[Contribution]:
	"""What an open deal adds to the open pipeline; a closed one nothing."""
	if not fact.get("is_open"):
		return []
	amount = float(fact.get("amount") or 0)
	scored = bool(fact.get("scored"))
	counts = {
		"deals": 1,
		"amount": amount,
		"weighted_by_deal": amount * _percent(fact.get("probability")),
		"weighted_by_model": amount * _percent(fact.get("model_probability")) if scored else 0.0,
	}
	key = (fact.get("company") or "", fact.get("rep") or "", fact.get("stage") or "", int(scored))
	return [Contribution(key, counts)]


def pipeline_groups(sums: Mapping[tuple[str, str, int], Mapping], use_model: bool) -> pd.DataFrame:
	"""`engine.targets.weighted_pipeline`'s open deals from the pipeline's sums per (rep, stage,
	scored): one row per group whose probability is its amount-weighted mean, so that amount ×
	probability is the group's weighted sum. With the model in use a scored group has no stage
	(the model's probability stands whatever the stage's)."""
	rows = []
	for (rep, stage, scored), counts in sums.items():
		amount = float(counts.get("amount") or 0)
		by_model = bool(scored) and use_model
		weighted = float(counts.get("weighted_by_model" if by_model else "weighted_by_deal") or 0)
		probability = weighted / amount if amount else 0.0
		rows.append((rep, None if by_model else (stage or None), probability, amount))
	return pd.DataFrame(rows, columns=["rep", "stage", "probability", "amount"])


def cycle_days_of(created_on: datetime, won_on: datetime) -> float:
	return max((won_on - created_on).total_seconds() / 86400.0, 0.0)


def deal_contribution(fact: Mapping) -> list[Contribution]:
	"""What one deal's facts add to `Sales Deal Month`: its counts on the row of its month of
	creation, company, rep and furthest stage; a won deal also its cycle on the `CYCLE_ROW` row."""
	month = month_of(fact.get("created_on"))
	if month is None:
		return []
	won = fact.get("won_on") is not None
	decided = won or fact.get("lost_on") is not None
	amount = float(fact.get("won_amount") or 0)
	moves = int(fact.get("moves") or 0)
	counts = {
		"deals": 1,
		"decided": int(decided),
		"won": int(won),
		"won_amount": amount if won and amount > 0 else 0,
		"won_with_amount": int(won and amount > 0),
		"moves": moves,
		"advances": moves if decided else 0,
		"visits": int(fact.get("visits") or 0),
		"quotations": int(fact.get("quotations") or 0) if decided else 0,
	}
	company, rep = fact.get("company") or "", fact.get("rep") or ""
	items = [Contribution((month, company, rep, int(fact.get("furthest") or 0)), counts)]
	if won:
		days = cycle_days_of(fact["created_on"], fact["won_on"])
		items.append(Contribution((month, company, rep, CYCLE_ROW), CYCLE_DAYS.count_of(days)))
	return items


@dataclass(frozen=True)
class History:
	"""The cohort's sums as `engine.targets` reads them."""

	counts: pd.DataFrame  # rep and the `HISTORY_COUNTS`, one row per rep
	funnel: pd.DataFrame  # rep, furthest (NaN outside the order), won, deals: decided deals
	cycles: dict[str, dict[str, int]]  # rep: won deals' cycle buckets


@dataclass(frozen=True)
class HistorySums:
	"""What the deals of a history add, as the reads hand it over: `stages` has rep, furthest and
	the `FACT_COUNTS` (a key may come more than once: parts of a period, signed), `cycles` each
	rep's won deals' cycle buckets. Frames, not a dict of `Change` per key: 4 000 rep and stage
	sums of a large org cost more as Python dicts than the query that reads them."""

	stages: pd.DataFrame
	cycles: dict[str, dict[str, float]]

	@classmethod
	def empty(cls) -> HistorySums:
		return cls(pd.DataFrame(columns=STAGE_COLUMNS), {})

	@classmethod
	def of(cls, sums: Mapping[tuple[str, int], Change]) -> HistorySums:
		"""From sums per (rep, furthest), the cycle buckets on the (rep, `CYCLE_ROW`) keys."""
		rows, cycles = [], {}
		for (rep, furthest), change in sums.items():
			if int(furthest) == CYCLE_ROW:
				cycles[rep] = dict(change.counts)
			else:
				rows.append((rep, int(furthest), *(change.counts.get(name) or 0 for name in FACT_COUNTS)))
		return cls(pd.DataFrame(rows, columns=STAGE_COLUMNS), cycles)

	def plus(self, other: HistorySums) -> HistorySums:
		cycles = {rep: dict(buckets) for rep, buckets in self.cycles.items()}
		for rep, buckets in other.cycles.items():
			add_counts(cycles.setdefault(rep, {}), buckets)
		parts = [frame for frame in (self.stages, other.stages) if not frame.empty]
		stages = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [self.stages])[0]
		return HistorySums(stages, cycles)

	def as_changes(self) -> dict[tuple[str, int], Change]:
		"""Per (rep, furthest) and (rep, `CYCLE_ROW`), as the rollups' tests compare them."""
		changes: dict[tuple[str, int], Change] = {}
		for row in self.stages.to_dict("records"):
			counts = {name: float(row[name]) for name in FACT_COUNTS if row[name]}
			changes.setdefault((row["rep"], int(row["furthest"])), Change()).add(Change(counts))
		for rep, buckets in self.cycles.items():
			changes.setdefault((rep, CYCLE_ROW), Change()).add(Change(dict(buckets)))
		return changes


def history_from(sums: HistorySums) -> History:
	"""The report's history from what the reads hand over."""
	cycles = {
		rep: {column: int(value) for column, value in buckets.items() if column in _CYCLE_COLUMNS and value}
		for rep, buckets in sums.cycles.items()
	}
	if sums.stages.empty:
		return History(
			counts=pd.DataFrame(columns=["rep", *HISTORY_COUNTS]),
			funnel=pd.DataFrame(columns=["rep", "furthest", "won", "deals"]),
			cycles=cycles,
		)
	# parts of a period net out per key before a deal is read as won or lost
	per_stage = sums.stages.groupby(["rep", "furthest"], sort=False)[list(FACT_COUNTS)].sum()
	counts_frame = per_stage.groupby(level="rep", sort=True)[list(HISTORY_COUNTS)].sum().reset_index()
	reps = per_stage.index.get_level_values("rep").to_numpy(dtype=object)
	furthest = per_stage.index.get_level_values("furthest").to_numpy(dtype="float64")
	order = np.where(furthest > 0, furthest, np.nan)  # outside the process order
	won = np.rint(per_stage["won"].to_numpy(dtype="float64")).astype("int64")
	lost = np.rint(per_stage["decided"].to_numpy(dtype="float64")).astype("int64") - won
	funnel = pd.concat(
		[
			pd.DataFrame({"rep": reps[rows], "furthest": order[rows], "won": outcome, "deals": deals[rows]})
			for outcome, deals in ((True, won), (False, lost))
			for rows in [deals > 0]
		],
		ignore_index=True,
	)
	return History(counts=counts_frame, funnel=funnel, cycles=cycles)
