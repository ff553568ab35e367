"""Target back-calculation 目标倒推: from a period's target and each rep's own history, how many new
opportunities, visits and quotations a week each rep needs for the rest of the period.

The model, for one rep and one period:

	remaining            = max(target share − won so far in the period, 0)
	wins needed          = remaining ÷ average won amount
	new opps needed      = remaining ÷ (win rate × average won amount)
	stage advances       = new opps needed × stage advances per decided deal
	visits needed        = stage advances × visits per stage advance
	quotations needed    = wins needed × quotations per won deal

each divided by the weeks left in the period. The history is the cohort of opportunities
created in a look-back window before the period. Its decided deals (won or lost) give the
win rate (won ÷ decided, which is also the product of the stage-to-stage conversions), the
average won amount, the cycle time (creation → won, median days), the stage advances per
deal and the quotations per won deal; visits per stage advance count the whole cohort, open
deals too. The open pipeline is not credited to the needs (stage probabilities are too rough
for that): it is shown beside them as coverage = weighted open pipeline ÷ remaining target.

A rep with too thin a history (no won deal, or fewer than `MIN_DECIDED_DEALS` decided deals)
takes the team's rates, the team being every rep in the report summed together (a rate of
sums, never an average of rates).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from sales_process.engine.deal_history import CYCLE_DAYS, HISTORY_COUNTS
from sales_process.engine.rollup import add_counts

TEAM = "__team__"  # the row of the team's rates in `history_rates`
WON_STEP = "Won"  # the last step of the funnel in `stage_conversions`

MIN_DECIDED_DEALS = 3
PACE_WEEKS = 4  # the current pace of new opportunities is read over the last four weeks

# coverage bands: ≥ 3× green, 1–3× orange, < 1× red
GREEN_FROM = 3.0
ORANGE_FROM = 1.0
GREEN, ORANGE, RED = "green", "orange", "red"

MONTHS = tuple(calendar.month_name[number] for number in range(1, 13))  # English, as Monthly Distribution


class Status:
	"""What a rep's row says about the rest of the period."""

	PLANNED = "planned"  # needs computed
	PERIOD_OVER = "period_over"  # no week left
	NO_TARGET = "no_target"  # the rep has no share of the target
	TARGET_MET = "target_met"  # won so far ≥ share
	UNREACHABLE = "unreachable"  # zero win rate or no won amount: no number of deals reaches it


class Rate:
	"""The history rates, by the names the report shows when a rep borrows one from the team."""

	WIN_RATE = "win_rate"
	AVG_WON_AMOUNT = "avg_won_amount"
	CYCLE_DAYS = "cycle_days"
	ADVANCES_PER_DEAL = "advances_per_deal"
	VISITS_PER_ADVANCE = "visits_per_advance"
	QUOTATIONS_PER_WON = "quotations_per_won"

	ALL = (WIN_RATE, AVG_WON_AMOUNT, CYCLE_DAYS, ADVANCES_PER_DEAL, VISITS_PER_ADVANCE, QUOTATIONS_PER_WON)


# the period


def days_left(from_date: date, to_date: date, today: date) -> int:
	"""Days from today or the period's start, whichever is later, to its end, both counted."""
	start = max(today, from_date)
	return max((to_date - start).days + 1, 0)


def weeks_left(from_date: date, to_date: date, today: date) -> float:
	return days_left(from_date, to_date, today) / 7.0


# targets


def month_number(month: str | int) -> int:
	"""1–12 from a month number or its English name (Monthly Distribution stores "January" …)."""
	if isinstance(month, int):
		return month
	return [name.lower() for name in MONTHS].index(str(month).strip().lower()) + 1


def overlap_days(start: date, end: date, other_start: date, other_end: date) -> int:
	"""Days two date ranges share, both ends included."""
	return max((min(end, other_end) - max(start, other_start)).days + 1, 0)


def prorate_target(
	amount: float,
	year_start: date,
	year_end: date,
	period_start: date,
	period_end: date,
	percentages: Mapping[str | int, float] | None = None,
) -> float:
	"""The part of a fiscal year's target that falls in the period.

	Without a monthly distribution the target is spread evenly over the fiscal year's days.
	With one, each calendar month of the fiscal year gets its percentage of the target, spread
	evenly over that month's days (within the fiscal year); months the distribution does not
	name get nothing.
	"""
	if not amount or overlap_days(year_start, year_end, period_start, period_end) == 0:
		return 0.0
	if not percentages:
		year_days = (year_end - year_start).days + 1
		return amount * overlap_days(year_start, year_end, period_start, period_end) / year_days
	by_month = {month_number(month): float(share or 0) for month, share in percentages.items()}
	total = 0.0
	month_start = year_start
	while month_start <= year_end:
		last_day = calendar.monthrange(month_start.year, month_start.month)[1]
		month_end = min(date(month_start.year, month_start.month, last_day), year_end)
		month_days = (month_end - month_start).days + 1
		month_amount = amount * by_month.get(month_start.month, 0.0) / 100.0
		total += month_amount * overlap_days(month_start, month_end, period_start, period_end) / month_days
		month_start = month_end + timedelta(days=1)
	return total


def split_target(total: float, reps: Sequence[str], weights: Mapping[str, float] | None = None) -> dict:
	"""Each rep's share of a team target: in proportion to their own targets when any rep has
	one (a rep without one gets nothing), else evenly."""
	if not reps:
		return {}
	weights = {rep: max(float((weights or {}).get(rep) or 0.0), 0.0) for rep in reps}
	weight_sum = sum(weights.values())
	if weight_sum > 0:
		return {rep: total * weights[rep] / weight_sum for rep in reps}
	return {rep: total / len(reps) for rep in reps}


# history


def stage_conversions(funnel: pd.DataFrame, stages: Sequence[tuple[str, float]]) -> pd.DataFrame:
	"""Stage-to-stage conversion per rep, from the decided deals of the history.

	`stages` are (name, sequence) in process order (Sales Stage sp_sequence). `funnel` has
	`rep`, `furthest` (the highest sequence of a stage the deal was in, NaN when none), `won`
	(bool) and `deals` (how many deals share these values). A deal reached a stage when its
	furthest stage is that one or a later one, or when it was won (a won deal passed every
	stage: reps often skip updating the stage on the way to the order). It went on from a
	stage when it reached the next one; from the last stage, when it was won. So the product
	of a rep's conversions is won ÷ decided deals that reached the first stage.

	Returns `rep`, `from_stage`, `to_stage` (`WON_STEP` after the last stage), `reached`,
	`advanced` and `conversion` (0–1, NaN when no deal reached the stage), in stage order.
	"""
	columns = ["rep", "from_stage", "to_stage", "reached", "advanced", "conversion"]
	if funnel.empty or not stages:
		return pd.DataFrame(columns=columns)
	furthest = pd.to_numeric(funnel["furthest"], errors="coerce").to_numpy(dtype="float64")
	won = funnel["won"].astype(bool).to_numpy()
	deals = pd.to_numeric(funnel["deals"], errors="coerce").fillna(0).to_numpy()
	sequences = [float(sequence) for _name, sequence in stages]
	# per funnel row, the deals reaching each position: a stage, then won (NaN ≥ x is False)
	reaching = {
		position: deals * (won | (furthest >= sequence)) for position, sequence in enumerate(sequences)
	}
	reaching[len(sequences)] = deals * won
	per_rep = pd.DataFrame(reaching).groupby(funnel["rep"].to_numpy()).sum().sort_index()
	names = [name for name, _sequence in stages] + [WON_STEP]
	steps = []
	for position in range(len(sequences)):
		reached = per_rep[position].to_numpy().astype(int)
		advanced = per_rep[position + 1].to_numpy().astype(int)
		conversion = np.where(reached > 0, advanced / np.maximum(reached, 1), np.nan)
		steps.append(
			pd.DataFrame(
				{
					"rep": per_rep.index,
					"position": position,
					"from_stage": names[position],
					"to_stage": names[position + 1],
					"reached": reached,
					"advanced": advanced,
					"conversion": conversion,
				}
			)
		)
	table = pd.concat(steps).sort_values(["rep", "position"], kind="stable")
	return table[columns].reset_index(drop=True)


def weakest_steps(conversions: pd.DataFrame) -> dict[str, tuple[str, str, float]]:
	"""`weakest_step` of every rep at once (a large org's 500 reps, one pass)."""
	steps = conversions[conversions["conversion"].notna()]
	if steps.empty:
		return {}
	steps = steps.assign(conversion=steps["conversion"].astype(float))
	lowest = steps.loc[steps.groupby("rep", sort=False)["conversion"].idxmin()]
	return {
		row.rep: (row.from_stage, row.to_stage, float(row.conversion))
		for row in lowest.itertuples(index=False)
	}


def weakest_step(conversions: pd.DataFrame, rep: str) -> tuple[str, str, float] | None:
	"""The rep's step with the lowest conversion (the first such in stage order), or None."""
	steps = conversions[conversions["rep"].eq(rep) & conversions["conversion"].notna()]
	if steps.empty:
		return None
	row = steps.loc[steps["conversion"].astype(float).idxmin()]
	return row["from_stage"], row["to_stage"], float(row["conversion"])


# rep, then per rep: decided (won or lost) and won deals of the cohort, the won deals' amounts and
# how many had one, forward stage moves of the decided deals (advances) and of every deal (moves),
# visits on every deal, submitted quotations on the decided deals (engine.deal_history)
HISTORY_COLUMNS = ["rep", *HISTORY_COUNTS]


def _rates(counts: Mapping[str, float], cycle: Mapping[str, int]) -> dict:
	def ratio(numerator: str, denominator: str) -> float:
		return counts[numerator] / counts[denominator] if counts[denominator] else math.nan

	median = CYCLE_DAYS.percentile(cycle, 0.5)
	return {
		Rate.WIN_RATE: ratio("won", "decided"),
		Rate.AVG_WON_AMOUNT: ratio("won_amount", "won_with_amount"),
		Rate.CYCLE_DAYS: math.nan if median is None else float(median),
		Rate.ADVANCES_PER_DEAL: ratio("advances", "decided"),
		Rate.VISITS_PER_ADVANCE: ratio("visits", "moves"),
		Rate.QUOTATIONS_PER_WON: ratio("quotations", "won"),
	}


def history_rates(
	history: pd.DataFrame,
	cycles: Mapping[str, Mapping[str, int]],
	reps: Sequence[str] | None = None,
	min_decided: int = MIN_DECIDED_DEALS,
) -> pd.DataFrame:
	"""Each rep's rates from their history, and the team's (rep `TEAM`).

	`history` has the `HISTORY_COLUMNS` (one or more rows per rep, summed); `cycles` has per rep
	their won deals' days from creation to won in `engine.deal_history.CYCLE_DAYS` buckets, whose
	median is the cycle time (at most one bucket step above the exact one); `reps` adds reps
	without any history. A rep
	with no won deal or fewer than `min_decided` decided deals takes all of the team's rates
	(`team_rates`); any other rep takes the team's value only for a rate their history
	cannot give (no stage move, no won amount), listed in `borrowed`.
	"""
	counts_columns = HISTORY_COLUMNS[1:]
	frame = history.reindex(columns=HISTORY_COLUMNS).copy()
	frame[counts_columns] = frame[counts_columns].apply(pd.to_numeric, errors="coerce").fillna(0)
	per_rep = frame.groupby("rep")[counts_columns].sum()
	all_reps = sorted(set(per_rep.index) | set(reps or ()))
	per_rep = per_rep.reindex(all_reps, fill_value=0)
	team_cycle: dict[str, int] = {}
	for buckets in cycles.values():
		add_counts(team_cycle, buckets)

	team = _rates(per_rep.sum().to_dict(), team_cycle)
	rows = [{"rep": TEAM, **per_rep.sum().to_dict(), **team, "team_rates": False, "borrowed": ()}]
	# one conversion to plain dicts: a `.loc` per rep costs more than the rates themselves
	counts_by_rep = per_rep.to_dict("index")
	for rep in all_reps:
		counts = counts_by_rep[rep]
		own = _rates(counts, cycles.get(rep) or {})
		thin = counts["won"] < 1 or counts["decided"] < min_decided
		if thin:
			rates, borrowed = dict(team), ()
		else:
			borrowed = tuple(
				rate for rate in Rate.ALL if math.isnan(own[rate]) and not math.isnan(team[rate])
			)
			rates = {rate: team[rate] if rate in borrowed else own[rate] for rate in Rate.ALL}
		rows.append({"rep": rep, **counts, **rates, "team_rates": thin, "borrowed": borrowed})
	table = pd.DataFrame(rows)
	table[counts_columns] = table[counts_columns].astype("float64")
	return table


# the open pipeline


def weighted_pipeline(open_deals: pd.DataFrame, stage_probabilities: Mapping[str, float]) -> pd.Series:
	"""Σ amount × probability per rep, the probability being the stage's (Sales Stage
	sp_probability) when set, else the deal's own; both in percent.

	`open_deals` has `rep`, `stage`, `probability`, `amount` (one row per deal, or per group of
	deals sharing rep, stage and probability with their amounts summed).
	"""
	if open_deals.empty:
		return pd.Series(dtype="float64", name="weighted_pipeline")
	stage_weight = open_deals["stage"].map(lambda stage: float(stage_probabilities.get(stage) or 0.0))
	deal_weight = pd.to_numeric(open_deals["probability"], errors="coerce").fillna(0.0)
	weight = stage_weight.where(stage_weight > 0, deal_weight).clip(lower=0, upper=100)
	amount = pd.to_numeric(open_deals["amount"], errors="coerce").fillna(0.0)
	weighted = (amount * weight / 100.0).groupby(open_deals["rep"].to_numpy()).sum()
	return weighted.rename("weighted_pipeline")


def coverage_band(coverage: float | None) -> str | None:
	"""≥ 3× green, 1–3× orange, < 1× red; None when there is nothing left to cover."""
	if coverage is None or math.isnan(coverage):
		return None
	if coverage >= GREEN_FROM:
		return GREEN
	if coverage >= ORANGE_FROM:
		return ORANGE
	return RED


# the back-calculation


@dataclass(frozen=True)
class Needs:
	status: str
	remaining: float
	wins: float | None = None
	new_opportunities: float | None = None
	advances: float | None = None
	visits: float | None = None
	quotations: float | None = None


def needs(
	target: float,
	won: float,
	rates: Mapping[str, float],
	weeks: float,
) -> Needs:
	"""What one rep needs a week for the rest of the period (see the module's docstring)."""
	remaining = max(float(target or 0) - float(won or 0), 0.0)
	if weeks <= 0:
		return Needs(Status.PERIOD_OVER, remaining)
	if not target or target <= 0:
		return Needs(Status.NO_TARGET, remaining, 0.0, 0.0, 0.0, 0.0, 0.0)
	if remaining == 0:
		return Needs(Status.TARGET_MET, remaining, 0.0, 0.0, 0.0, 0.0, 0.0)
	win_rate, average = rates.get(Rate.WIN_RATE), rates.get(Rate.AVG_WON_AMOUNT)
	if not _positive(win_rate) or not _positive(average):
		return Needs(Status.UNREACHABLE, remaining)
	wins = remaining / average / weeks
	new = remaining / (win_rate * average) / weeks
	advances = _times(new, rates.get(Rate.ADVANCES_PER_DEAL))
	visits = _times(advances, rates.get(Rate.VISITS_PER_ADVANCE))
	quotations = _times(wins, rates.get(Rate.QUOTATIONS_PER_WON))
	return Needs(Status.PLANNED, remaining, wins, new, advances, visits, quotations)


def _positive(value) -> bool:
	return value is not None and not math.isnan(value) and value > 0


def _times(value: float | None, rate: float | None) -> float | None:
	if value is None or rate is None or math.isnan(rate):
		return None
	return value * rate


PLAN_COLUMNS = ["rep", "target", "won", "weighted_pipeline", "new_last_weeks"]

RESULT_COLUMNS = [
	"rep",
	"target",
	"won",
	"remaining",
	"decided",
	"won_deals",
	"win_rate",
	"avg_won_amount",
	"cycle_days",
	"advances_per_deal",
	"visits_per_advance",
	"quotations_per_won",
	"wins_per_week",
	"new_per_week",
	"advances_per_week",
	"visits_per_week",
	"quotations_per_week",
	"pace_per_week",
	"weighted_pipeline",
	"coverage",
	"band",
	"status",
	"team_rates",
	"borrowed",
	"cycle_beyond_period",
]


def back_calculation(plan: pd.DataFrame, rates: pd.DataFrame, from_date: date, to_date: date, today: date):
	"""One row per rep of `plan` (`PLAN_COLUMNS`: target share, won so far in the period, weighted
	open pipeline, new opportunities in the last `PACE_WEEKS` weeks) with their rates (from
	`history_rates`) and needs a week, coverage and its band; see `RESULT_COLUMNS`.

	`cycle_beyond_period` marks reps whose median cycle is longer than the days left: a deal
	opened now would likely close after the period.
	"""
	weeks = weeks_left(from_date, to_date, today)
	left = days_left(from_date, to_date, today)
	# plain dicts, not a Series per rep: reading a Series' fields one by one is the slow part
	by_rep = {row["rep"]: row for row in rates.to_dict("records")}
	rows = []
	for plan_row in plan.reindex(columns=PLAN_COLUMNS).itertuples(index=False):
		own = plan_row.rep in by_rep
		rep_rates = by_rep[plan_row.rep] if own else by_rep[TEAM]
		target, won = _number(plan_row.target), _number(plan_row.won)
		need = needs(target, won, rep_rates, weeks)
		pipeline = _number(plan_row.weighted_pipeline)
		# a period that is over has nothing left for the pipeline to cover
		coverage = pipeline / need.remaining if need.remaining > 0 and weeks > 0 else None
		cycle = rep_rates[Rate.CYCLE_DAYS]
		rows.append(
			{
				"rep": plan_row.rep,
				"target": target,
				"won": won,
				"remaining": need.remaining,
				"decided": rep_rates["decided"] if own else 0.0,
				"won_deals": rep_rates["won"] if own else 0.0,
				**{rate: _nan_to_none(rep_rates[rate]) for rate in Rate.ALL},
				"wins_per_week": need.wins,
				"new_per_week": need.new_opportunities,
				"advances_per_week": need.advances,
				"visits_per_week": need.visits,
				"quotations_per_week": need.quotations,
				"pace_per_week": _number(plan_row.new_last_weeks) / PACE_WEEKS,
				"weighted_pipeline": pipeline,
				"coverage": coverage,
				"band": coverage_band(coverage),
				"status": need.status,
				"team_rates": bool(rep_rates["team_rates"]) if own else True,
				"borrowed": tuple(rep_rates["borrowed"]) if own else (),
				"cycle_beyond_period": need.status == Status.PLANNED
				and not math.isnan(cycle)
				and cycle > left,
			}
		)
	return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def _number(value) -> float:
	try:
		number = float(value)
	except (TypeError, ValueError):
		return 0.0
	return 0.0 if math.isnan(number) else number


def _nan_to_none(value):
	return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def team_summary(table: pd.DataFrame, target: float, from_date: date, to_date: date, today: date) -> dict:
	"""The team's totals: the remaining target is the team's (one rep's surplus covers another's
	gap), so it can be less than the sum of the reps' remaining."""
	won = float(table["won"].sum()) if len(table) else 0.0
	remaining = max(float(target or 0) - won, 0.0)
	pipeline = float(table["weighted_pipeline"].sum()) if len(table) else 0.0
	weeks = weeks_left(from_date, to_date, today)
	coverage = pipeline / remaining if remaining > 0 and weeks > 0 else None
	needed = pd.to_numeric(table["new_per_week"], errors="coerce") if len(table) else pd.Series(dtype=float)
	return {
		"target": float(target or 0),
		"won": won,
		"remaining": remaining,
		"weighted_pipeline": pipeline,
		"coverage": coverage,
		"band": coverage_band(coverage),
		"weeks_left": weeks,
		"days_left": days_left(from_date, to_date, today),
		"new_per_week": float(needed.sum()) if needed.notna().any() else None,
		"pace_per_week": float(table["pace_per_week"].sum()) if len(table) else 0.0,
	}
