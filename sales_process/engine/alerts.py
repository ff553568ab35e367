"""Alerts that reach a manager while a deal is alive: who gets what, when, and how fast they act.

Pure functions over plain values: working hours by a Holiday List, the light
of a deal waiting in a stage, who receives an alert and where escalation goes
in the Sales Person tree, streaks of visits that moved nothing, the bottom of
compliance, and the response time read from what happened after an alert.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sales_process.engine.deadlines import NoWorkingDayError, is_working_day

_MAX_DAYS_SEARCHED = 366 * 3


class AlertType:
	CHECKPOINT = "Checkpoint"
	STALLED_DEAL = "Stalled Deal"
	VISIT_STREAK = "Visits Without Progress"
	TRAINING = "Training"

	ALL = (CHECKPOINT, STALLED_DEAL, VISIT_STREAK, TRAINING)


class Level:
	REMINDER = "Reminder"  # yellow, to the rep
	ALERT = "Alert"  # red, to the rep's manager
	ESCALATION = "Escalation"  # red again, one level up

	ALL = (REMINDER, ALERT, ESCALATION)
	RANK = {REMINDER: 1, ALERT: 2, ESCALATION: 3}


class Acted:
	TODO_CLOSED = "ToDo Closed"
	COMMENT = "Comment"
	VISIT = "Visit"
	COMPLETED = "Checkpoint Completed"
	WAIVED = "Checkpoint Waived"
	DEAL_MOVED = "Deal Moved"

	ALL = (TODO_CLOSED, COMMENT, VISIT, COMPLETED, WAIVED, DEAL_MOVED)
	# what counts only when the alert's recipient did it; the others count whoever did them
	BY_RECIPIENT = (COMMENT, VISIT)


def alert_key(subject_doctype: str, subject_name: str, level: str) -> str:
	"""One alert per subject and level: the database holds this key unique."""
	return f"{subject_doctype}:{subject_name}:{level}"


# working hours


def _day_start(day: date) -> datetime:
	return datetime.combine(day, time.min)


def working_hours_between(start: datetime, end: datetime, holidays: Collection[date] | None) -> float:
	"""Hours from `start` to `end` that fall on working days (a holiday or day off counts nothing).

	`holidays=None` means no Holiday List: weekends are off, as for due times.
	"""
	if end <= start:
		return 0.0
	total = 0.0
	day = start.date()
	while day <= end.date():
		if is_working_day(day, holidays):
			lo = max(start, _day_start(day))
			hi = min(end, _day_start(day + timedelta(days=1)))
			if hi > lo:
				total += (hi - lo).total_seconds() / 3600
		day += timedelta(days=1)
	return total


def add_working_hours(start: datetime, hours: float, holidays: Collection[date] | None) -> datetime:
	"""The moment `hours` working hours after `start` (days off are skipped whole)."""
	if hours < 0:
		raise ValueError(f"working hours must be zero or more, got {hours!r}")
	remaining = timedelta(hours=float(hours))
	current = start
	searched = 0
	while True:
		if is_working_day(current.date(), holidays):
			day_end = _day_start(current.date() + timedelta(days=1))
			available = day_end - current
			if remaining <= available:
				return current + remaining
			remaining -= available
			current = day_end
		else:
			current = _day_start(current.date() + timedelta(days=1))
		searched += 1
		if searched > _MAX_DAYS_SEARCHED:
			raise NoWorkingDayError("the holiday list leaves no working day")


# stalled deals


@dataclass(frozen=True)
class StallWindow:
	"""When a deal that entered its stage at `entered_on` turns yellow and red."""

	entered_on: datetime
	yellow_on: datetime | None
	red_on: datetime | None


def stall_window(
	entered_on: datetime, limit_hours: float | None, holidays: Collection[date] | None, due_soon_share: float
) -> StallWindow:
	"""A stage without a limit (0 or empty) never stalls."""
	if not limit_hours or limit_hours <= 0:
		return StallWindow(entered_on, None, None)
	return StallWindow(
		entered_on,
		add_working_hours(entered_on, limit_hours * due_soon_share, holidays),
		add_working_hours(entered_on, limit_hours, holidays),
	)


def stall_level(window: StallWindow, now: datetime) -> str | None:
	"""Reminder (yellow) from the due-soon share, Alert (red) from the limit."""
	if window.red_on is not None and now >= window.red_on:
		return Level.ALERT
	if window.yellow_on is not None and now >= window.yellow_on:
		return Level.REMINDER
	return None


# who receives


class TreeCycleError(ValueError):
	"""The Sales Person tree loops; escalation would never end."""


@dataclass(frozen=True)
class Person:
	name: str
	parent: str | None
	user: str | None


def managers_above(rep: str, people: Mapping[str, Person], skip: Collection[str] = ()) -> list[str]:
	"""Users above `rep`'s Sales Person, nearest first, once each.

	Users in `skip` (the deal's own reps, the rep themself) are passed over: a
	manager who is also a rep of the deal is not alerted about their own deal.
	"""
	node = next((person for person in people.values() if person.user == rep), None)
	seen: set[str] = set()
	users: list[str] = []
	skipped = set(skip) | {rep}
	while node is not None:
		if node.name in seen:
			raise TreeCycleError(f"the Sales Person tree loops at {node.name}")
		seen.add(node.name)
		node = people.get(node.parent) if node.parent else None
		if node is not None and node.user and node.user not in skipped and node.user not in users:
			users.append(node.user)
	return users


def recipients(
	level: str,
	rep: str,
	people: Mapping[str, Person],
	sales_managers: Sequence[str] = (),
	skip: Collection[str] = (),
) -> list[str]:
	"""Who gets an alert of `level` about a deal of `rep`.

	Reminder: the rep. Alert: the rep's manager. Escalation: the manager's own
	manager, then it stops. Without a manager in the tree the alert goes to the
	users with the Sales Manager role (except the deal's reps); an escalation
	with nobody left above goes nowhere (it has reached the top).
	"""
	if level == Level.REMINDER:
		return [rep]
	above = managers_above(rep, people, skip)
	if level == Level.ALERT:
		if above:
			return above[:1]
		return [user for user in sales_managers if user not in set(skip) | {rep}]
	if level == Level.ESCALATION:
		return above[1:2]
	raise ValueError(f"unknown level {level!r}")


# visits that moved nothing


@dataclass(frozen=True)
class VisitFact:
	name: str
	check_in: datetime
	check_out: datetime | None
	stage_before: str | None
	stage_after: str | None


def visit_streaks(
	visits: Iterable[VisitFact],
	progress_on: Iterable[datetime],
	stage_order: Mapping[str, int],
	minimum: int = 2,
) -> list[tuple[str, ...]]:
	"""Runs of at least `minimum` consecutive checked-out visits with no progress between them.

	Progress is a stage advance during a visit (stage after ahead of stage
	before) or a stage advance / completed checkpoint (`progress_on`) between
	the first check-in and the last check-out of the run. Each run is named by
	its visits, first first; a run that grows keeps its first visit, so one
	alert per run suffices.
	"""
	done = sorted((v for v in visits if v.check_out is not None), key=lambda v: (v.check_in, v.name))
	progress = sorted(progress_on)
	runs: list[list[VisitFact]] = []
	current: list[VisitFact] = []
	for visit in done:
		if _advanced(visit, stage_order):
			current = []
			continue
		if current and _any_between(progress, current[-1].check_out, visit.check_in):
			if len(current) >= minimum:
				runs.append(current)
			current = []
		if _any_between(progress, visit.check_in, visit.check_out):
			if len(current) >= minimum:
				runs.append(current)
			current = []
			continue
		current.append(visit)
	if len(current) >= minimum:
		runs.append(current)
	return [tuple(v.name for v in run) for run in runs]


def _advanced(visit: VisitFact, stage_order: Mapping[str, int]) -> bool:
	before, after = stage_order.get(visit.stage_before or ""), stage_order.get(visit.stage_after or "")
	return before is not None and after is not None and after > before


def _any_between(moments: Sequence[datetime], start: datetime | None, end: datetime | None) -> bool:
	if start is None or end is None:
		return False
	return any(start <= moment <= end for moment in moments)


# the bottom of compliance


def bottom_reps(
	due_and_completed: Mapping[str, tuple[int, int]], share: float = 0.2, minimum_due: int = 5
) -> list[str]:
	"""Reps in the bottom `share` of compliance, among those with at least `minimum_due` due.

	The cut is ceil(share × reps); a rep tied with the last one in is in too.
	Ordered worst first, then by name.
	"""
	rated = sorted(
		(completed / due, rep)
		for rep, (due, completed) in due_and_completed.items()
		if due >= max(minimum_due, 1)
	)
	if not rated or share <= 0:
		return []
	count = max(1, math.ceil(share * len(rated)))
	cutoff = rated[count - 1][0]
	return [rep for rate, rep in rated if rate <= cutoff]


def weakest_checkpoint(per_checkpoint: Mapping[str, tuple[int, int]]) -> str | None:
	"""The checkpoint a rep completes least (lowest rate; ties: more due first, then name)."""
	rated = [
		(completed / due, -due, checkpoint)
		for checkpoint, (due, completed) in per_checkpoint.items()
		if due > 0
	]
	return min(rated)[2] if rated else None


# response time


@dataclass(frozen=True)
class Action:
	on: datetime
	how: str
	by: str | None


def first_response(raised_on: datetime, recipient: str | None, actions: Iterable[Action]) -> Action | None:
	"""The first thing after the alert that counts as acting on it.

	A comment or a visit counts only when the recipient made it; a closed
	ToDo, a completed or waived checkpoint and a moved deal count whoever did it.
	"""
	counted = [
		action
		for action in actions
		if action.on >= raised_on and (action.how not in Acted.BY_RECIPIENT or action.by == recipient)
	]
	return min(counted, key=lambda action: action.on) if counted else None


def percentile(values: Sequence[float], share: float) -> float | None:
	"""Linear-interpolated percentile (share 0..1); None for no values."""
	ordered = sorted(v for v in values if v is not None and not math.isnan(v))
	if not ordered:
		return None
	position = share * (len(ordered) - 1)
	low, high = math.floor(position), math.ceil(position)
	return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# the Alert Response Time report

RESPONSE_COLUMNS = ["alerts", "acted", "still_open", "escalated", "median_hours", "p90_hours"]


def response_summary(alerts, by: Sequence[str]):
	"""Per group: alerts, acted on, still open, escalated, median and p90 response time in hours.

	`alerts` is a DataFrame with `response_seconds` (NaN while open), `is_open`,
	`escalated` (bools) and the `by` columns. Escalations are counted as such,
	not as separate alerts.
	"""
	import pandas as pd

	by = list(by)
	frame = alerts.copy()
	frame["hours"] = pd.to_numeric(frame["response_seconds"], errors="coerce") / 3600.0
	if frame.empty:
		return pd.DataFrame(columns=[*by, *RESPONSE_COLUMNS])
	grouped = frame.groupby(by, sort=True, dropna=False)
	table = pd.DataFrame(
		{
			"alerts": grouped.size(),
			"acted": grouped["hours"].count(),
			"still_open": grouped["is_open"].sum().astype("int64"),
			"escalated": grouped["escalated"].sum().astype("int64"),
			"median_hours": grouped["hours"].median().round(1),
			"p90_hours": grouped["hours"].quantile(0.9).round(1),
		}
	)
	# a group with nothing acted on has no response time: None, not NaN (a browser's JSON.parse
	# refuses NaN, and the report would never load)
	for column in ("median_hours", "p90_hours"):
		table[column] = table[column].astype(object).where(table[column].notna(), None)
	return table.reset_index()
