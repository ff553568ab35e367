"""Lead intake 客户挖掘与初筛: which leads enter the pool, how warm they are, how fast they must be answered.

A Sales Lead Rule (one active per company) is data, never code: criteria on the Lead's fields,
each a (field, operator, value) triple as a manager typed it. A Pool criterion must hold for the
lead to enter the pool 入池标准; a Fit criterion adds its points when it holds (negative points
subtract). Activity points 活跃度 come from recent engagements (email received, call, meeting,
visit, reply sent …): each kind has its points, halved every `half_life_days` of age, counted
only while younger than `window_days`, and all together capped at `activity_cap`.

	score = clamp(round(fit points + activity points), 0, 100)     rounded half up: 62.5 → 63

Nothing scales fit points to 100: balancing them against the activity cap is the manager's
choice. The grade follows the score by thresholds (by default A ≥ 75, B ≥ 50, C ≥ 25, else D;
a score exactly at a threshold takes the higher grade) and sets the first-response deadline,
counted in working hours.

Conventions where the configuration leaves room:

- Text compares ignore case and runs of spaces ("manufacturing" is "Manufacturing"): a manager
  typing a value expects what they see to match, not its capitalisation. "in" and "not in"
  take a list separated by commas or new lines ("Manufacturing, Auto Parts").
- A range, as ERPNext's Number of Employees ("1-10" … "501-1000", "1000+"), compares by its
  lower bound, on both sides: "≥ 51" and "≥ 51-200" both keep "51-200" and everything above.
- A missing value (None, empty text, NaN) fails a Pool criterion with a "missing" reason (the
  rep can fill it) and grants nothing from a Fit criterion. "is set" / "is not set" are about
  exactly that. Zero is a value, not a missing one — except in a money field (annual_revenue):
  ERPNext stores an empty Currency field as 0, so 0 there reads as missing (the rep can fill it
  in) rather than as "below"; no company in a lead pool has no revenue at all.
- Amounts (annual_revenue, or a criterion given a currency) are converted from the lead's
  `currency` (None: the rule's) by `rates`, each the rate to the rule's currency; a missing
  rate fails the criterion with a "no_rate" reason rather than guessing.
- An engagement counts while its age is under `window_days` (one exactly that old is out); one
  dated in the future (clock skew) counts as age 0, at full points.
- Datetimes are naive, in the site's time zone (see deadlines.to_site_naive).

`evaluate_lead` judges one lead (a save, the form); `score_leads` judges a whole table with the
same numbers, for the daily job and for re-scoring after the rule changed (`rule_fingerprint`).
The daily job only needs the leads whose `valid_until` has come: before it, with no new input,
neither the score nor the grade can change.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import numbers
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType

import numpy as np
import pandas as pd

from sales_process.engine.alerts import add_working_hours, working_hours_between

# part of every fingerprint: a change to how scores are computed re-scores every lead
SCORING_VERSION = 2  # 2: a zero revenue reads as missing

MIN_SCORE, MAX_SCORE = 0, 100
GRADES = ("A", "B", "C", "D")
LOWEST_GRADE = "D"  # what a score below every threshold gets
DEFAULT_GRADE_THRESHOLDS = MappingProxyType({"A": 75.0, "B": 50.0, "C": 25.0})
DEFAULT_FIRST_RESPONSE_HOURS = MappingProxyType({"A": 4.0, "B": 24.0, "C": 72.0, "D": None})
DEFAULT_REMINDER_SHARE = 0.75

# Frappe field types whose values are numbers
NUMBER_FIELDTYPES = frozenset({"Int", "Float", "Currency", "Percent", "Rating", "Duration"})
# Select fields of ranges ("51-200", "1000+") that compare as numbers by their lower bound
RANGE_FIELDS = frozenset({"no_of_employees"})
# amounts in the rule's currency unless the criterion names another
MONEY_FIELDS = frozenset({"annual_revenue"})


class Operator:
	EQUALS = "="
	NOT_EQUALS = "!="
	IN = "in"
	NOT_IN = "not in"
	GREATER = ">"
	AT_LEAST = ">="
	LESS = "<"
	AT_MOST = "<="
	IS_SET = "is set"
	IS_NOT_SET = "is not set"
	CONTAINS = "contains"

	ALL = (EQUALS, NOT_EQUALS, IN, NOT_IN, GREATER, AT_LEAST, LESS, AT_MOST, IS_SET, IS_NOT_SET, CONTAINS)
	NUMBER = (GREATER, AT_LEAST, LESS, AT_MOST)
	# the ones that read an amount as a number, so convert it between currencies
	COMPARING = (EQUALS, NOT_EQUALS, GREATER, AT_LEAST, LESS, AT_MOST)
	LISTS = (IN, NOT_IN)
	VALUELESS = (IS_SET, IS_NOT_SET)


class CriterionKind:
	POOL = "Pool"  # must hold for the lead to enter the pool
	FIT = "Fit"  # adds its points when it holds

	ALL = (POOL, FIT)


class EngagementKind:
	"""The kinds the Frappe side reads; a rule gives points to any kind it names."""

	EMAIL_RECEIVED = "Email Received"
	REPLY_SENT = "Reply Sent"
	CALL = "Call"
	MEETING = "Meeting"
	VISIT = "Visit"

	ALL = (EMAIL_RECEIVED, REPLY_SENT, CALL, MEETING, VISIT)


class FirstResponse:
	CONTACTED = "Contacted"
	WAITING = "Waiting"
	REMINDER = "Reminder"  # the reminder share of the window is used
	OVERDUE = "Overdue"

	ALL = (CONTACTED, WAITING, REMINDER, OVERDUE)


# messages: English templates with {0} placeholders, translated by the Frappe side


@dataclass(frozen=True)
class Message:
	template: str
	params: tuple = ()

	@property
	def text(self) -> str:
		return self.template.format(*(_joined(param) for param in self.params))


def _joined(value) -> object:
	"""Lists (allowed values) stay tuples so each item can be translated, then joined."""
	return ", ".join(str(item) for item in value) if isinstance(value, tuple | list) else value


# why a lead is (not) in the pool and where its points come from; fields are fieldnames, which
# the Frappe side shows by their labels
REASON_TEMPLATES = MappingProxyType(
	{
		"missing": "{0} is missing",
		"not_a_number": "{0} is not a number: {1}",
		"below": "{0} is below {1}",
		"not_above": "{0} is not above {1}",
		"above": "{0} is above {1}",
		"not_below": "{0} is not below {1}",
		"not_equal": "{0} is not {1}",
		"equal": "{0} is {1}",
		"not_in": "{0} is not one of {1}",
		"excluded": "{0} is one of the excluded {1}",
		"not_contains": "{0} does not contain {1}",
		"set": "{0} should be empty",
		"no_rate": "No exchange rate from {0} to {1}",
		"fit": "{0}: {1} points",
		"activity": "{0} × {1}: {2} points",
		"activity_cap": "Activity points capped at {0}",
	}
)

# the reason a criterion gives when its comparison fails, by operator
_FAILURE_CODES = {
	Operator.EQUALS: "not_equal",
	Operator.NOT_EQUALS: "equal",
	Operator.IN: "not_in",
	Operator.NOT_IN: "excluded",
	Operator.GREATER: "not_above",
	Operator.AT_LEAST: "below",
	Operator.LESS: "not_below",
	Operator.AT_MOST: "above",
	Operator.IS_SET: "missing",
	Operator.IS_NOT_SET: "set",
	Operator.CONTAINS: "not_contains",
}
# failures of a Fit criterion worth showing: the data, not the lead, is the problem
_DATA_PROBLEMS = ("no_rate", "not_a_number")


@dataclass(frozen=True)
class Reason:
	code: str
	params: tuple = ()

	@property
	def message(self) -> Message:
		return Message(REASON_TEMPLATES[self.code], self.params)


# criteria


@dataclass(frozen=True)
class Criterion:
	field: str
	operator: str
	value: object = ""  # as typed: "Manufacturing, Auto Parts", "10000000", "51-200"
	kind: str = CriterionKind.POOL
	points: float = 0
	currency: str | None = None  # an amount in this currency (annual_revenue: the rule's)

	def __post_init__(self):
		if isinstance(self.value, list | tuple | set | frozenset):
			object.__setattr__(self, "value", ", ".join(str(item) for item in self.value))


@dataclass(frozen=True)
class _Parsed:
	display: str  # the value as typed, trimmed: what reasons show
	text: str  # normalised for text compares
	number: float | None
	items: frozenset[str]  # normalised, for in / not in
	listed: tuple[str, ...]  # as typed, for reasons


@functools.lru_cache(maxsize=4096)
def _parsed(criterion: Criterion) -> _Parsed:
	display = "" if criterion.value is None else str(criterion.value).strip()
	listed = tuple(item.strip() for item in re.split(r"[,\n]", display) if item.strip())
	return _Parsed(
		display=display,
		text=_normal_text(display),
		number=_read_number(display),
		items=frozenset(_normal_text(item) for item in listed),
		listed=listed,
	)


def criterion_errors(
	criterion: Criterion, fieldtype: str | None, options: Sequence[str] | None = None
) -> list[Message]:
	"""What is wrong with a criterion as configured; empty means it can be used.

	`fieldtype` is the Lead field's Frappe type (None: unknown, only the criterion itself is
	checked). Number operators take number fields, and Select fields of ranges: those in
	`RANGE_FIELDS`, or any Select whose `options` all read as numbers or ranges.
	"""
	errors: list[Message] = []
	operator = criterion.operator
	if not (criterion.field or "").strip():
		errors.append(Message("Choose the field a criterion compares"))
	if criterion.kind not in CriterionKind.ALL:
		errors.append(Message("A criterion is Pool or Fit, not {0}", (criterion.kind,)))
	if not _finite(criterion.points):
		errors.append(Message("The points of the criterion on {0} must be a number", (criterion.field,)))
	elif criterion.kind == CriterionKind.POOL and float(criterion.points) != 0:
		errors.append(
			Message(
				"The Pool criterion on {0} gives points; points belong to Fit criteria", (criterion.field,)
			)
		)
	elif criterion.kind == CriterionKind.FIT and float(criterion.points) == 0:
		errors.append(Message("The Fit criterion on {0} gives no points", (criterion.field,)))
	if operator not in Operator.ALL:
		errors.append(Message("Unknown operator {0}; use one of {1}", (operator, Operator.ALL)))
		return errors
	parsed = _parsed(criterion)
	if operator not in Operator.VALUELESS and not parsed.display:
		errors.append(Message("Enter a value for {0} {1}", (criterion.field, operator)))
	elif operator in Operator.LISTS and not parsed.listed:
		errors.append(
			Message("List the values for {0} {1}, separated by commas", (criterion.field, operator))
		)
	elif operator in Operator.NUMBER and parsed.number is None:
		errors.append(
			Message(
				"{0} {1} needs a number such as 10000000, not {2}",
				(criterion.field, operator, parsed.display),
			)
		)
	if fieldtype is not None:
		numeric = fieldtype in NUMBER_FIELDTYPES
		if operator in Operator.NUMBER and not (numeric or _ranges(criterion.field, fieldtype, options)):
			errors.append(
				Message("{0} is not a number field: {1} cannot compare it", (criterion.field, operator))
			)
		if numeric and operator == Operator.CONTAINS:
			errors.append(
				Message("{0} is a number field: compare it with =, >, >=, < or <=", (criterion.field,))
			)
		if fieldtype == "Currency" and operator in Operator.LISTS:
			errors.append(
				Message(
					"{0} is an amount: compare it with =, >, >=, < or <=, which convert currencies",
					(criterion.field,),
				)
			)
	return errors


def _ranges(fieldname: str, fieldtype: str, options: Sequence[str] | None) -> bool:
	if fieldtype != "Select":
		return False
	if options is None:
		return fieldname in RANGE_FIELDS
	given = [option for option in options if option and option.strip()]
	return bool(given) and all(_read_number(option) is not None for option in given)


# the rule


class InvalidLeadRule(ValueError):
	"""The rule cannot score leads; `messages` say why, to be translated and shown."""

	def __init__(self, messages: Sequence[Message]):
		self.messages = list(messages)
		super().__init__("; ".join(message.text for message in self.messages))


@dataclass(frozen=True)
class LeadRule:
	criteria: Sequence[Criterion] = ()
	activity_points: Mapping[str, float] = field(default_factory=dict)  # engagement kind → points
	half_life_days: float | None = 30  # None or 0: no decay inside the window
	window_days: float = 90
	activity_cap: float | None = 40  # None: no cap
	grade_thresholds: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_GRADE_THRESHOLDS))
	# working hours from pooling to the first contact, by grade; None: no deadline
	first_response_hours: Mapping[str, float | None] = field(
		default_factory=lambda: dict(DEFAULT_FIRST_RESPONSE_HOURS)
	)
	currency: str | None = None  # of amounts in the criteria, and what `rates` convert to

	def __post_init__(self):
		# a rule is read by many leads: freeze it, so what was fingerprinted is what scores
		object.__setattr__(self, "criteria", tuple(self.criteria))
		object.__setattr__(self, "activity_points", MappingProxyType(dict(self.activity_points)))
		object.__setattr__(self, "grade_thresholds", MappingProxyType(dict(self.grade_thresholds)))
		object.__setattr__(self, "first_response_hours", MappingProxyType(dict(self.first_response_hours)))
		object.__setattr__(self, "currency", _currency_code(self.currency))
		errors = _rule_errors(self)
		if errors:
			raise InvalidLeadRule(errors)

	@functools.cached_property
	def fingerprint(self) -> str:
		return _fingerprint(self)

	@functools.cached_property
	def _points_by_kind(self) -> Mapping[str, tuple[str, float]]:
		"""Normalised kind → (the kind as the rule spells it, points)."""
		return {_normal_text(kind): (kind, float(points)) for kind, points in self.activity_points.items()}

	@functools.cached_property
	def _window_us(self) -> int:
		return timedelta(days=float(self.window_days)) // _ONE_US

	@functools.cached_property
	def _grade_order(self) -> tuple[tuple[str, float], ...]:
		# highest threshold first; two grades at one threshold: the higher grade wins
		return tuple(
			sorted(((g, float(v)) for g, v in self.grade_thresholds.items()), key=lambda gv: (-gv[1], gv[0]))
		)


def _rule_errors(rule: LeadRule) -> list[Message]:
	errors: list[Message] = []
	for criterion in rule.criteria:
		errors.extend(criterion_errors(criterion, None))
		if _money_currency(criterion, rule) is None and criterion.field in MONEY_FIELDS:
			errors.append(
				Message("Set the rule's currency: the criterion on {0} compares amounts", (criterion.field,))
			)
	kinds: set[str] = set()
	for kind, points in rule.activity_points.items():
		if not _finite(points) or float(points) < 0:
			errors.append(Message("Points for {0} must be zero or more", (kind,)))
		if _normal_text(kind) in kinds:
			errors.append(Message("The engagement kind {0} is listed twice", (kind,)))
		kinds.add(_normal_text(kind))
	if rule.half_life_days is not None and (not _finite(rule.half_life_days) or rule.half_life_days < 0):
		errors.append(Message("The half-life must be a number of days, or empty for no decay"))
	if not _finite(rule.window_days) or rule.window_days <= 0:
		errors.append(Message("The activity window must be more than zero days"))
	if rule.activity_cap is not None and (not _finite(rule.activity_cap) or rule.activity_cap < 0):
		errors.append(Message("The activity cap must be zero or more, or empty for no cap"))
	thresholds = rule.grade_thresholds
	unknown = [grade for grade in thresholds if grade not in GRADES or grade == LOWEST_GRADE]
	if unknown:
		errors.append(Message("Grade thresholds are for A, B and C, not {0}", (tuple(unknown),)))
	elif not all(_finite(value) for value in thresholds.values()):
		errors.append(Message("Grade thresholds must be numbers"))
	else:
		ordered = [float(thresholds[grade]) for grade in GRADES if grade in thresholds]
		if any(higher < lower for higher, lower in zip(ordered, ordered[1:], strict=False)):
			errors.append(Message("Grade thresholds must not rise from A to C"))
	for grade, hours in rule.first_response_hours.items():
		if hours is not None and (not _finite(hours) or hours < 0):
			errors.append(Message("The first-response hours for grade {0} must be zero or more", (grade,)))
	return errors


def rule_fingerprint(rule: LeadRule) -> str:
	"""A stable hash of everything that changes a score, a grade or a pool verdict.

	Values are taken as the rule reads them ("Auto Parts,Manufacturing" is "manufacturing, auto
	parts"; 10 points is 10.0). First-response hours are not in it: they set deadlines when a
	lead is pooled, not scores. The Frappe side stores it per lead and re-scores the leads whose
	fingerprint differs from the active rule's.
	"""
	return rule.fingerprint


def _fingerprint(rule: LeadRule) -> str:
	criteria = []
	for criterion in rule.criteria:
		parsed = _parsed(criterion)
		if criterion.operator in Operator.LISTS:
			value: object = sorted(parsed.items)
		elif criterion.operator in Operator.NUMBER:
			value = parsed.number
		elif criterion.operator in Operator.VALUELESS:
			value = None
		else:
			value = [parsed.text, parsed.number]
		criteria.append(
			[
				criterion.field.strip(),
				criterion.operator,
				value,
				criterion.kind,
				float(criterion.points),
				_money_currency(criterion, rule),
			]
		)
	content = {
		"version": SCORING_VERSION,
		"criteria": criteria,
		"activity": sorted([kind, points] for kind, (_spelt, points) in rule._points_by_kind.items()),
		"half_life_days": float(rule.half_life_days) if rule.half_life_days else None,
		"window_us": rule._window_us,
		"activity_cap": None if rule.activity_cap is None else float(rule.activity_cap),
		"grades": [[grade, value] for grade, value in rule._grade_order],
		"currency": rule.currency,
	}
	encoded = json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
	return hashlib.sha256(encoded.encode()).hexdigest()[:16]


# engagements and the verdict


@dataclass(frozen=True)
class Engagement:
	kind: str
	occurred_on: datetime


@dataclass(frozen=True)
class LeadVerdict:
	score: int
	fit_points: float
	activity_points: float  # after decay, window and cap
	grade: str
	pooled: bool
	reasons: list[Reason]  # pool failures first, then fit points, then activity
	fingerprint: str
	valid_until: datetime | None  # None: nothing changes without new input

	@property
	def first_failed_reason(self) -> Reason | None:
		return None if self.pooled else self.reasons[0]


def grade_for(score: float, thresholds: Mapping[str, float] = DEFAULT_GRADE_THRESHOLDS) -> str:
	"""The highest grade whose threshold the score reaches (a score at a threshold reaches it); else D."""
	for grade, minimum in sorted(thresholds.items(), key=lambda gv: (-float(gv[1]), gv[0])):
		if score >= float(minimum):
			return grade
	return LOWEST_GRADE


def decay(
	points: float, age_days: float, half_life_days: float | None, window_days: float | None = None
) -> float:
	"""Points of an engagement `age_days` old: halved every half-life, none from the window's end.

	A negative age (an engagement dated in the future: clock skew) counts as 0. No half-life
	(None or 0) means no decay.
	"""
	if window_days is not None and age_days >= window_days:
		return 0.0
	factor = _decay_factors(np.array([max(float(age_days), 0.0) * _US_PER_DAY]), half_life_days)
	return float(points * factor[0])


def evaluate_lead(
	lead: Mapping[str, object],
	engagements: Sequence[Engagement],
	rule: LeadRule,
	now: datetime,
	rates: Mapping[str, float] | None = None,
) -> LeadVerdict:
	"""Pool verdict, score, grade and their reasons for one lead at `now`.

	`lead` maps fieldnames to values (and `currency` to the currency of its amounts);
	`engagements` are what the lead did. Score = clamp(round half up(fit + activity), 0, 100).
	"""
	failures: list[Reason] = []
	fit_reasons: list[Reason] = []
	fit_points = 0.0
	for criterion in rule.criteria:
		conversion = _lead_conversion(criterion, lead.get("currency"), rule, rates)
		failure = _check(criterion, _parsed(criterion), lead.get(criterion.field), conversion)
		if criterion.kind == CriterionKind.POOL:
			if failure is not None:
				failures.append(failure)
		elif failure is None:
			fit_points += float(criterion.points)
			fit_reasons.append(Reason("fit", (criterion.field, _plain(criterion.points))))
		elif failure.code in _DATA_PROBLEMS:
			fit_reasons.append(failure)

	kinds: list[str] = []
	points: list[float] = []
	occurred: list[int] = []
	for engagement in engagements:
		known = rule._points_by_kind.get(_normal_text(engagement.kind))
		moment = _to_us(engagement.occurred_on)
		if known is None or known[1] <= 0 or moment is None:
			continue
		kinds.append(known[0])
		points.append(known[1])
		occurred.append(moment)
	rows = _Rows(
		np.zeros(len(points), dtype=np.intp),
		np.array(points, dtype=np.float64),
		np.array(occurred, dtype=np.int64),
	)
	now_us = _to_us(now)
	scored = _score_activity(1, rows, np.array([fit_points]), now_us, rule)

	activity_reasons: list[Reason] = []
	by_kind: dict[str, list[float]] = {}
	for position, value in zip(np.flatnonzero(scored.inside).tolist(), scored.decayed.tolist(), strict=True):
		by_kind.setdefault(kinds[position], []).append(value)
	for kind, values in sorted(by_kind.items(), key=lambda item: (-sum(item[1]), item[0])):
		activity_reasons.append(Reason("activity", (kind, len(values), round(sum(values), 1))))
	if rule.activity_cap is not None and scored.totals[0] > rule.activity_cap:
		activity_reasons.append(Reason("activity_cap", (_plain(rule.activity_cap),)))

	score = int(scored.score[0])
	valid_until = int(scored.valid_until[0])
	return LeadVerdict(
		score=score,
		fit_points=fit_points,
		activity_points=float(scored.activity[0]),
		grade=grade_for(score, rule.grade_thresholds),
		pooled=not failures,
		reasons=[*failures, *fit_reasons, *activity_reasons],
		fingerprint=rule.fingerprint,
		valid_until=None if valid_until == _NEVER else _from_us(valid_until),
	)


# first response


def first_response_due(
	pooled_on: datetime, grade: str, rule: LeadRule, holidays: Collection[date] | None = None
) -> datetime | None:
	"""When a lead pooled at `pooled_on` must have been contacted: the grade's working hours later.

	`holidays=None` means no Holiday List (weekends off). A grade without hours (None or 0)
	has no deadline.
	"""
	hours = rule.first_response_hours.get(grade)
	if not hours or hours <= 0:
		return None
	return add_working_hours(pooled_on, float(hours), holidays)


def first_response_state(
	pooled_on: datetime,
	due_on: datetime | None,
	contacted_on: datetime | None,
	now: datetime,
	reminder_share: float = DEFAULT_REMINDER_SHARE,
	holidays: Collection[date] | None = None,
) -> str:
	"""Contacted, Waiting, Reminder (the share of the window is used) or Overdue, at `now`.

	The share is of working hours, as the deadline is (pass the holidays the deadline was
	computed with). A contact logged after `now` has not happened yet at `now`.
	"""
	if contacted_on is not None and contacted_on <= now:
		return FirstResponse.CONTACTED
	if due_on is None:
		return FirstResponse.WAITING
	if now >= due_on:
		return FirstResponse.OVERDUE
	window = working_hours_between(pooled_on, due_on, holidays)
	if window > 0 and now >= add_working_hours(pooled_on, window * reminder_share, holidays):
		return FirstResponse.REMINDER
	return FirstResponse.WAITING


def first_response_hours_taken(
	pooled_on: datetime, contacted_on: datetime | None, holidays: Collection[date] | None = None
) -> float | None:
	"""Working hours from pooling to the first contact (None until contacted), for channel quality."""
	if contacted_on is None:
		return None
	return working_hours_between(pooled_on, contacted_on, holidays)


# a whole table of leads

SCORE_COLUMNS = [
	"lead",
	"score",
	"grade",
	"pooled",
	"fit_points",
	"activity_points",
	"valid_until",
	"first_failed_reason",
]


def score_leads(
	leads: pd.DataFrame,
	engagements: pd.DataFrame | None,
	rule: LeadRule,
	now: datetime,
	rates: Mapping[str, float] | None = None,
) -> pd.DataFrame:
	"""`evaluate_lead` for every row of `leads`, vectorised: the same scores, grades and moments.

	`leads` has a unique `lead` column, the fields the criteria read (a missing column is a
	missing value) and optionally `currency`. `engagements` has `lead`, `kind` and
	`occurred_on`; rows of other leads, unknown kinds or without a date are ignored. A
	categorical `lead` or `kind` column is read by its categories, which is faster.
	Returns one row per lead, in the order of `leads`, with the `SCORE_COLUMNS`;
	`valid_until` is NaT where nothing can change.
	"""
	count = len(leads)
	if count == 0:
		return pd.DataFrame(
			{column: pd.Series(dtype=_EMPTY_DTYPES.get(column, object)) for column in SCORE_COLUMNS}
		)
	names = _plain_objects(leads["lead"])
	index = pd.Index(names, dtype=object if isinstance(names, np.ndarray) else None)
	if not index.is_unique:
		raise ValueError("score_leads needs each lead once")

	fit_points, first_failure, reason_table = _criteria_columns(leads, rule, rates)
	rows = _engagement_rows(engagements, index, rule)
	scored = _score_activity(count, rows, fit_points, _to_us(now), rule)

	grade_codes = np.full(count, len(rule._grade_order), dtype=np.intp)
	for position, (_grade, minimum) in reversed(list(enumerate(rule._grade_order))):
		grade_codes[scored.score >= minimum] = position
	grade_names = np.array([grade for grade, _minimum in rule._grade_order] + [LOWEST_GRADE], dtype=object)

	failed = np.empty(len(reason_table) + 1, dtype=object)
	failed[0] = None
	for position, reason in enumerate(reason_table, start=1):
		failed[position] = reason

	valid_until = scored.valid_until.copy()
	valid_until[valid_until == _NEVER] = np.iinfo(np.int64).min  # NaT
	return pd.DataFrame(
		{
			"lead": leads["lead"].to_numpy(),
			"score": scored.score,
			"grade": grade_names[grade_codes],
			"pooled": first_failure < 0,
			"fit_points": fit_points,
			"activity_points": scored.activity,
			"valid_until": valid_until.view("datetime64[us]"),
			"first_failed_reason": failed[first_failure + 1],
		}
	)


_EMPTY_DTYPES = {
	"score": "int64",
	"pooled": "bool",
	"fit_points": "float64",
	"activity_points": "float64",
	"valid_until": "datetime64[us]",
}


def _criteria_columns(
	leads: pd.DataFrame, rule: LeadRule, rates: Mapping[str, float] | None
) -> tuple[np.ndarray, np.ndarray, list[Reason]]:
	"""Fit points per lead, the index of each lead's first failed pool criterion's reason (-1: pooled), the reasons.

	Numbers compare with numpy; anything else is judged once per distinct value by `_check`,
	the very function `evaluate_lead` uses, so both read a value the same way.
	"""
	count = len(leads)
	fit_points = np.zeros(count)
	first_failure = np.full(count, -1, dtype=np.int64)
	table = _ReasonTable()
	factorized: dict[str, tuple[np.ndarray, np.ndarray]] = {}
	currencies: tuple[np.ndarray, list] | None = None

	def codes_of(column: str) -> tuple[np.ndarray, np.ndarray]:
		if column not in factorized:
			factorized[column] = _factorize(leads[column])
		return factorized[column]

	for criterion in rule.criteria:
		parsed = _parsed(criterion)
		money = _money_currency(criterion, rule) is not None and criterion.operator in Operator.COMPARING
		if money and currencies is None:
			currencies = (
				codes_of("currency") if "currency" in leads.columns else (np.full(count, -1), np.array([]))
			)
		column = leads[criterion.field] if criterion.field in leads.columns else None

		if column is None:
			failure = _check(criterion, parsed, None, None)
			codes = np.full(count, -1 if failure is None else table.code(failure), dtype=np.int64)
		elif _numeric_column(column) and (
			criterion.operator in Operator.VALUELESS
			or (criterion.operator in Operator.COMPARING and parsed.number is not None)
		):
			codes = _numeric_outcomes(criterion, parsed, column, money, currencies, rule, rates, table)
		else:
			values_codes, uniques = codes_of(criterion.field)
			codes = _distinct_outcomes(
				criterion, parsed, values_codes, uniques, currencies if money else None, rule, rates, table
			)

		if criterion.kind == CriterionKind.POOL:
			first_failure = np.where(first_failure < 0, codes, first_failure)
		else:
			fit_points = fit_points + np.where(codes < 0, float(criterion.points), 0.0)
	return fit_points, first_failure, table.reasons


class _ReasonTable:
	def __init__(self):
		self.reasons: list[Reason] = []
		self._codes: dict[Reason, int] = {}

	def code(self, reason: Reason | None) -> int:
		if reason is None:
			return -1
		if reason not in self._codes:
			self._codes[reason] = len(self.reasons)
			self.reasons.append(reason)
		return self._codes[reason]


def _factorize(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
	if isinstance(column.dtype, pd.CategoricalDtype):
		return column.cat.codes.to_numpy().astype(np.int64), np.asarray(column.cat.categories, dtype=object)
	codes, uniques = pd.factorize(_plain_objects(column), use_na_sentinel=True)
	return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _plain_objects(column: pd.Series):
	"""Text as an array of Python objects (no copy): pandas hashes these faster than its string dtype."""
	if pd.api.types.is_string_dtype(column.dtype) and not isinstance(column.dtype, pd.CategoricalDtype):
		return column.to_numpy(dtype=object)
	return column


def _numeric_column(column: pd.Series) -> bool:
	return pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)


def _numeric_outcomes(criterion, parsed, column, money, currencies, rule, rates, table) -> np.ndarray:
	values = column.to_numpy(dtype=np.float64, na_value=np.nan)
	missing = np.isnan(values)
	if criterion.field in MONEY_FIELDS:
		missing |= values == 0  # an empty Currency field is stored as 0
	operator = criterion.operator
	missing_code = table.code(Reason("missing", (criterion.field,)))
	fail_code = table.code(_failure(criterion, parsed))
	if operator == Operator.IS_SET:
		return np.where(missing, missing_code, -1)
	if operator == Operator.IS_NOT_SET:
		return np.where(missing, -1, fail_code)
	no_rate_codes = np.full(len(values), -1, dtype=np.int64)
	if money:
		currency_codes, currency_uniques = currencies
		factors, rate_codes = _currency_factors(criterion, currency_uniques, rule, rates, table)
		values = values * factors[currency_codes + 1]
		no_rate_codes = rate_codes[currency_codes + 1]
	with np.errstate(invalid="ignore"):
		holds = _COMPARE[operator](values, parsed.number)
	return np.where(
		missing, missing_code, np.where(no_rate_codes >= 0, no_rate_codes, np.where(holds, -1, fail_code))
	)


def _distinct_outcomes(criterion, parsed, value_codes, uniques, currencies, rule, rates, table) -> np.ndarray:
	"""Judge each distinct value (and currency, for amounts) once; NA is code -1, read as None."""
	if currencies is None:
		outcomes = np.array(
			[table.code(_check(criterion, parsed, value, None)) for value in [None, *uniques]], dtype=np.int64
		)
		return outcomes[value_codes + 1]
	currency_codes, currency_uniques = currencies
	width = len(currency_uniques) + 1
	pairs, distinct = pd.factorize((value_codes + 1) * width + (currency_codes + 1))
	values = [None, *uniques]
	money_currencies = [None, *currency_uniques]
	outcomes = []
	for pair in distinct.tolist():
		value, currency = values[pair // width], money_currencies[pair % width]
		conversion = _lead_conversion(criterion, currency, rule, rates)
		outcomes.append(table.code(_check(criterion, parsed, value, conversion)))
	return np.array(outcomes, dtype=np.int64)[pairs]


def _currency_factors(criterion, currency_uniques, rule, rates, table) -> tuple[np.ndarray, np.ndarray]:
	"""Per distinct lead currency (position 0: none given): the factor to the criterion's currency, or a no-rate reason."""
	factors, codes = [], []
	for currency in [None, *currency_uniques]:
		conversion = _lead_conversion(criterion, currency, rule, rates)
		if isinstance(conversion, Reason):
			factors.append(np.nan)
			codes.append(table.code(conversion))
		else:
			factors.append(conversion)
			codes.append(-1)
	return np.array(factors, dtype=np.float64), np.array(codes, dtype=np.int64)


def _engagement_rows(engagements: pd.DataFrame | None, index: pd.Index, rule: LeadRule) -> _Rows:
	"""The engagements that can count: of a listed lead, of a kind with points, with a date; in their order."""
	if engagements is None or len(engagements) == 0:
		return _Rows(np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0, dtype=np.int64))
	lead_column = engagements["lead"]
	if isinstance(lead_column.dtype, pd.CategoricalDtype):
		categories = lead_column.cat.categories
		# categories that are the leads themselves, in order, are positions already
		same = len(categories) == len(index) and categories.equals(index)
		positions = np.append(np.arange(len(index)) if same else index.get_indexer(categories), -1)
		lead = positions[lead_column.cat.codes.to_numpy()]
	else:
		lead = index.get_indexer(_plain_objects(lead_column))
	kind_codes, kinds = _factorize(engagements["kind"])
	kind_points = np.array(
		[0.0] + [rule._points_by_kind.get(_normal_text(kind), ("", 0.0))[1] for kind in kinds.tolist()]
	)
	points = kind_points[kind_codes + 1]
	occurred = engagements["occurred_on"]
	if not pd.api.types.is_datetime64_dtype(occurred.dtype):
		occurred = pd.to_datetime(occurred)
	occurred_us = occurred.to_numpy(dtype="datetime64[us]").view(np.int64)
	keep = (lead >= 0) & (points > 0) & (occurred_us != np.iinfo(np.int64).min)
	return _Rows(lead[keep].astype(np.intp), points[keep], occurred_us[keep])


# the activity and its moment of change, shared by one lead and a table of them

_ONE_US = timedelta(microseconds=1)
_US_PER_DAY = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)
_NEVER = -1  # valid_until for "nothing changes"


@dataclass(frozen=True)
class _Rows:
	"""Engagements that can count, in the caller's order: the lead's position, points, moment (µs)."""

	lead: np.ndarray
	points: np.ndarray
	occurred: np.ndarray


@dataclass(frozen=True)
class _Scored:
	totals: np.ndarray  # activity per lead before the cap
	activity: np.ndarray
	score: np.ndarray
	valid_until: np.ndarray  # µs, _NEVER for none
	inside: np.ndarray  # which rows count now
	decayed: np.ndarray  # their points now


def _decay_factors(age_us: np.ndarray, half_life_days: float | None) -> np.ndarray:
	# numpy, not Python's **: the two round differently in the last bit, and one lead and a table
	# of them must get the same score
	if not half_life_days:
		return np.ones(len(age_us))
	return np.power(0.5, age_us / (float(half_life_days) * _US_PER_DAY))


def _activity_at(count: int, rows: _Rows, at_us, rule: LeadRule) -> tuple[np.ndarray, ...]:
	"""Activity per lead at `at_us` (one moment, or one per row), before the cap; then which rows count,
	and their leads, points and decayed points."""
	age = at_us - rows.occurred
	inside = age < rule._window_us
	lead, points, age = rows.lead[inside], rows.points[inside], age[inside]
	decayed = points * _decay_factors(np.maximum(age, 0), rule.half_life_days)
	# bincount adds in row order, as a loop over one lead's engagements would
	return np.bincount(lead, weights=decayed, minlength=count), inside, lead, points, decayed


def _scores(fit_points: np.ndarray, totals: np.ndarray, rule: LeadRule) -> tuple[np.ndarray, np.ndarray]:
	activity = totals if rule.activity_cap is None else np.minimum(totals, float(rule.activity_cap))
	raw = fit_points + activity
	return activity, np.clip(np.floor(raw + 0.5), MIN_SCORE, MAX_SCORE).astype(np.int64)


def _score_activity(count: int, rows: _Rows, fit_points: np.ndarray, now_us: int, rule: LeadRule) -> _Scored:
	totals, inside, lead, points, decayed = _activity_at(count, rows, now_us, rule)
	activity, score = _scores(fit_points, totals, rule)
	live = _Rows(lead, points, rows.occurred[inside])
	valid_until = _valid_until(count, live, decayed, totals, fit_points, score, now_us, rule)
	return _Scored(totals, activity, score, valid_until, inside, decayed)


def _valid_until(
	count: int,
	live: _Rows,
	decayed: np.ndarray,
	totals: np.ndarray,
	fit_points: np.ndarray,
	score: np.ndarray,
	now_us: int,
	rule: LeadRule,
) -> np.ndarray:
	"""The first microsecond after `now_us` at which each lead's score differs; _NEVER when none.

	With no new input the activity only falls (decay, engagements leaving the window), so the
	score can only fall, and it has reached its last value once the last engagement has left
	the window. If that value is the score, nothing changes. Otherwise the moment is estimated
	in closed form and confirmed by scoring a microsecond before and at it, exactly as a lead
	is scored; the few that are not confirmed are searched for from the estimate. Either way the
	answer is that of the scoring itself, to the microsecond, for one lead as for a table.
	"""
	result = np.full(count, _NEVER, dtype=np.int64)
	if not len(live.lead):
		return result
	window = rule._window_us
	last_exit = np.full(count, np.iinfo(np.int64).min, dtype=np.int64)
	np.maximum.at(last_exit, live.lead, live.occurred + window)
	final_score = _scores(fit_points, np.zeros(count), rule)[1]
	changing = (last_exit > now_us) & (final_score != score)
	if not changing.any():
		return result
	keep = changing[live.lead]
	live = _Rows(live.lead[keep], live.points[keep], live.occurred[keep])
	decayed = decayed[keep]

	estimate = _estimated_change(count, live, decayed, totals, fit_points, score, now_us, last_exit, rule)
	leads = np.flatnonzero(changing)
	result[leads] = _first_change(count, live, leads, estimate, fit_points, score, now_us, last_exit, rule)
	return result


def _score_at(
	count: int, live: _Rows, at_us: np.ndarray, fit_points: np.ndarray, rule: LeadRule
) -> np.ndarray:
	"""Each lead's score at its own moment `at_us[lead]`."""
	totals = _activity_at(count, live, at_us[live.lead], rule)[0]
	return _scores(fit_points, totals, rule)[1]


def _estimated_change(count, live, decayed, totals, fit_points, score, now_us, last_exit, rule) -> np.ndarray:
	"""Closed form of the moment each changing lead's score first falls (µs).

	The score falls below s once activity < need = s − 0.5 − fit (the cap does not matter:
	need ≤ cap, as the score reached s). Between two engagements leaving the window the activity
	B decays as B·2^(−t/h), so it crosses `need` at t = h·log2(B / need) after now; with the
	engagements sorted by age, B after each one leaves is the sum of the younger ones. The
	moment is the earliest of: the crossing with all of them, and for each engagement leaving,
	its exit or the crossing with the ones left, whichever is later.
	"""
	need = score - 0.5 - fit_points
	half_life_us = float(rule.half_life_days) * _US_PER_DAY if rule.half_life_days else None
	future = live.occurred > now_us
	if half_life_us is not None and future.any():
		# an engagement dated ahead of now keeps its points until then, and decays from then on as
		# one that would have had more points now: once all have come, the closed form holds again
		ahead = (live.occurred[future] - now_us) / _US_PER_DAY
		grown = live.points[future] * np.power(2.0, ahead / float(rule.half_life_days))
		totals = totals + np.bincount(live.lead[future], weights=grown - decayed[future], minlength=count)
		decayed = decayed.copy()
		decayed[future] = grown
	span = (last_exit - now_us).astype(np.float64)

	def crossing(remaining: np.ndarray, lead: np.ndarray) -> np.ndarray:
		with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
			if half_life_us is None:
				after = np.where(remaining < need[lead], 0.0, np.inf)
			else:
				after = half_life_us * np.log2(remaining / need[lead])
		after = np.nan_to_num(after, nan=np.inf, posinf=np.inf, neginf=-1.0)
		return np.where(
			after < 0, now_us, now_us + np.floor(np.minimum(after, span[lead])).astype(np.int64) + 1
		)

	estimate = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
	everyone = np.flatnonzero(np.bincount(live.lead, minlength=count) > 0)
	estimate[everyone] = crossing(totals[everyone], everyone)
	# a crossing before the first engagement leaves is the answer (each exit is later): only the
	# others need their engagements in order
	first_exit = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
	np.minimum.at(first_exit, live.lead, live.occurred + rule._window_us)
	later = (estimate > first_exit)[live.lead]
	if not later.any():
		return estimate
	live = _Rows(live.lead[later], live.points[later], live.occurred[later])
	decayed = decayed[later]

	# sort by lead, then by moment (coarsened to fit one int64 key: only the estimate needs the order)
	lead_bits = max(int(count - 1).bit_length(), 1)
	moment_bits = 62 - lead_bits
	offset = live.occurred - live.occurred.min()
	shift = max(int(offset.max()).bit_length() - moment_bits, 0)
	order = np.argsort((live.lead.astype(np.int64) << moment_bits) | (offset >> shift))
	lead, exits, points = live.lead[order], live.occurred[order] + rule._window_us, decayed[order]
	younger = np.zeros(len(order))  # the points of the lead's engagements after this one
	positions = np.arange(len(order))
	step = 1
	while positions.size:
		positions = positions[positions + step < len(order)]
		positions = positions[lead[positions + step] == lead[positions]]
		younger[positions] += points[positions + step]
		step += 1
	leaving = np.maximum(exits, crossing(younger, lead))
	np.minimum.at(estimate, lead, leaving)
	return estimate


def _first_change(count, live, leads, estimate, fit_points, score, now_us, last_exit, rule) -> np.ndarray:
	"""The first microsecond in (now, last exit] at which each of `leads` scores differently.

	A bracket (low scores s, high does not) is narrowed by scoring at the estimate and a
	microsecond before it, then outward from it by doubling steps (the estimate is mostly off
	by a rounding, a microsecond), and what is still open is halved to the end.
	"""
	low = np.full(count, now_us, dtype=np.int64)
	high = last_exit.copy()

	def narrow(probe: np.ndarray, probed: np.ndarray) -> None:
		changed = _score_at(count, live, probe, fit_points, rule) != score
		hit, missed = probed[changed[probed]], probed[~changed[probed]]
		high[hit] = np.minimum(high[hit], probe[hit])
		low[missed] = np.maximum(low[missed], probe[missed])

	estimate = np.clip(estimate, now_us + 1, last_exit)
	narrow(estimate, leads)
	narrow(estimate - 1, leads)
	open_ = leads[high[leads] - low[leads] > 1]
	if open_.size:
		rows = np.zeros(count, dtype=bool)
		rows[open_] = True
		rows = rows[live.lead]
		live = _Rows(live.lead[rows], live.points[rows], live.occurred[rows])
	step = 1
	while open_.size:
		if step <= 1 << 20:  # outward from the estimate, then halving
			probe = np.where(low >= estimate, low + step, high - step)
			step *= 2
		else:
			probe = low + (high - low) // 2
		probe = np.clip(probe, low + 1, high - 1)
		narrow(probe, open_)
		open_ = open_[high[open_] - low[open_] > 1]
	return high[leads]


# reading values


def _check(criterion: Criterion, parsed: _Parsed, value, conversion: float | Reason | None) -> Reason | None:
	"""None when `criterion` holds for `value`, else why it does not.

	`conversion` is None for a criterion that is not about an amount, else the factor from the
	lead's currency to the criterion's, or the reason there is none.
	"""
	operator = criterion.operator
	missing = _is_missing(value) or (criterion.field in MONEY_FIELDS and _is_zero(value))
	if operator == Operator.IS_SET:
		return Reason("missing", (criterion.field,)) if missing else None
	if operator == Operator.IS_NOT_SET:
		return _failure(criterion, parsed) if not missing else None
	if missing:
		return Reason("missing", (criterion.field,))
	if isinstance(conversion, Reason):
		return conversion
	factor = 1.0 if conversion is None else conversion
	if operator in Operator.NUMBER:
		number = _lead_number(value)
		if number is None:
			return Reason("not_a_number", (criterion.field, str(value).strip()))
		holds = bool(_COMPARE[operator](number * factor, parsed.number))
	elif operator in (Operator.EQUALS, Operator.NOT_EQUALS):
		if parsed.number is not None and _is_number(value):
			equal = _lead_number(value) * factor == parsed.number
		else:
			equal = _normal_text(value) == parsed.text
		holds = equal if operator == Operator.EQUALS else not equal
	elif operator == Operator.IN:
		holds = _normal_text(value) in parsed.items
	elif operator == Operator.NOT_IN:
		holds = _normal_text(value) not in parsed.items
	elif operator == Operator.CONTAINS:
		holds = parsed.text in _normal_text(value)
	else:
		raise ValueError(f"unknown operator {operator!r}")
	return None if holds else _failure(criterion, parsed)


def _failure(criterion: Criterion, parsed: _Parsed) -> Reason:
	code = _FAILURE_CODES[criterion.operator]
	if criterion.operator in Operator.LISTS:
		return Reason(code, (criterion.field, parsed.listed))
	if criterion.operator in Operator.VALUELESS:
		return Reason(code, (criterion.field,))
	return Reason(code, (criterion.field, parsed.display))


_COMPARE = {
	Operator.EQUALS: lambda a, b: a == b,
	Operator.NOT_EQUALS: lambda a, b: a != b,
	Operator.GREATER: lambda a, b: a > b,
	Operator.AT_LEAST: lambda a, b: a >= b,
	Operator.LESS: lambda a, b: a < b,
	Operator.AT_MOST: lambda a, b: a <= b,
}


def _money_currency(criterion: Criterion, rule: LeadRule) -> str | None:
	"""The currency a criterion's value is in: its own, the rule's for money fields, else None (not an amount)."""
	if criterion.currency:
		return _currency_code(criterion.currency)
	return rule.currency if criterion.field in MONEY_FIELDS else None


def _lead_conversion(
	criterion: Criterion, lead_currency, rule: LeadRule, rates: Mapping[str, float] | None
) -> float | Reason | None:
	"""The factor from the lead's currency to the criterion's; None when the criterion is not about an amount."""
	target = _money_currency(criterion, rule)
	if target is None or criterion.operator not in Operator.COMPARING:
		return None
	source = _currency_code(lead_currency) or rule.currency
	if source == target:
		return 1.0
	to_rule = 1.0 if source == rule.currency else _rate(rates, source)
	if to_rule is None:
		return Reason("no_rate", (source, rule.currency))
	from_rule = 1.0 if target == rule.currency else _rate(rates, target)
	if from_rule is None:
		return Reason("no_rate", (target, rule.currency))
	return to_rule / from_rule


def _rate(rates: Mapping[str, float] | None, currency: str | None) -> float | None:
	if not rates or currency is None:
		return None
	rate = rates.get(currency)
	if rate is None:
		rate = next((r for code, r in rates.items() if _currency_code(code) == currency), None)
	if rate is None or not _finite(rate) or float(rate) <= 0:
		return None
	return float(rate)


def _currency_code(currency) -> str | None:
	if currency is None or _is_missing(currency):
		return None
	return str(currency).strip().upper()


def _is_missing(value) -> bool:
	if value is None or value is pd.NA or value is pd.NaT:
		return True
	if isinstance(value, str):
		return not value.strip()
	if isinstance(value, float | np.floating):
		return bool(np.isnan(value))
	if isinstance(value, Decimal):
		return value.is_nan()
	return False


def _is_zero(value) -> bool:
	number = _lead_number(value) if not isinstance(value, bool) else None
	return number == 0


def _is_number(value) -> bool:
	return isinstance(value, numbers.Real | Decimal | np.bool_) and not isinstance(value, str)


def _lead_number(value) -> float | None:
	if isinstance(value, bool | np.bool_):
		return 1.0 if value else 0.0
	if isinstance(value, numbers.Real | Decimal):
		return float(value)
	if isinstance(value, str):
		return _read_number(value)
	return None


_RANGE = re.compile(r"^(\d+(?:\.\d+)?)\s*(?:-|–|—|~|to)\s*\d+(?:\.\d+)?$", re.IGNORECASE)  # "51-200"
_OPEN_RANGE = re.compile(r"^(\d+(?:\.\d+)?)\s*\+$")  # "1000+"


def _read_number(text: str) -> float | None:
	"""A number as typed, or a range's lower bound ("51-200" → 51, "1000+" → 1000); None otherwise."""
	text = str(text).strip()
	if not text:
		return None
	try:
		number = float(text)
	except ValueError:
		match = _RANGE.match(text) or _OPEN_RANGE.match(text)
		return float(match.group(1)) if match else None
	return number if math.isfinite(number) else None


def _normal_text(value) -> str:
	"""How text compares: case and runs of spaces ignored; numbers without a trailing .0."""
	if isinstance(value, bool | np.bool_):
		return "1" if value else "0"
	if isinstance(value, numbers.Real | Decimal):
		number = float(value)
		return str(int(number)) if number.is_integer() else repr(number)
	return " ".join(str(value).split()).casefold()


def _finite(value) -> bool:
	try:
		return math.isfinite(float(value))
	except (TypeError, ValueError):
		return False


def _plain(number) -> float | int:
	number = float(number)
	return int(number) if number.is_integer() else number


def _to_us(moment) -> int | None:
	"""Microseconds since 1970 of a naive datetime (a date is its midnight); None for none."""
	if moment is None or moment is pd.NaT:
		return None
	if isinstance(moment, datetime):
		return (moment - _EPOCH) // _ONE_US
	if isinstance(moment, date):
		return (datetime.combine(moment, time.min) - _EPOCH) // _ONE_US
	raise TypeError(f"not a date or datetime: {moment!r}")


def _from_us(microseconds: int) -> datetime:
	return _EPOCH + timedelta(microseconds=int(microseconds))
