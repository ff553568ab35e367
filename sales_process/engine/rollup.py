"""Rollups: report counts kept per month and key, exact at every moment.

A report over a year of a large org cannot count a million rows per request (DESIGN.md §3), so
each counted document adds its *contribution* to a summary row per month and key (rep,
checkpoint, stage …). When the document is written, its old contribution is taken away and its
new one added in the same transaction, so a summary row always equals the count of the rows
behind it — which `total` recomputes from scratch for a rebuild and for the tests.

Everything in a summary row is a count, so the database sums a year of rows by itself. Medians
and percentiles come from `Buckets`: a value is counted in the bucket whose upper bound is the
first at or above it (bounds at steps that widen with the value), one count column per bucket; a
threshold that is a bound splits the buckets exactly, and a percentile read from them is at most
one step above the exact one.

Pure functions; the Frappe side (`process.rollups`) reads documents and writes the rows.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property


@dataclass(frozen=True)
class Contribution:
	"""What one document adds to the summary row `key` (whose first part is the month)."""

	key: tuple
	counts: Mapping[str, int]


@dataclass
class Change:
	"""The sum of contributions (or of their differences) for one summary row."""

	counts: dict[str, int] = field(default_factory=dict)

	def add(self, contribution: Contribution | Change, sign: int = 1):
		for name, value in contribution.counts.items():
			total = self.counts.get(name, 0) + sign * value
			# amounts (a deal's value) are summed too; keep float noise from reading as a change
			self.counts[name] = round(total, 6) if isinstance(total, float) else total

	def is_zero(self) -> bool:
		return not any(self.counts.values())

	def without_zeros(self) -> Change:
		return Change({name: value for name, value in self.counts.items() if value})


# how the database hands over many sums of one group as one text (`process.rollups.packed_sums`)
PACK_SEPARATOR = ","


def unpacked(packed: str, counts: tuple[str, ...], number=float) -> dict[str, float | int]:
	"""`packed_sums`' text as {count: number}."""
	values = packed.split(PACK_SEPARATOR)
	if len(values) != len(counts):
		raise ValueError(f"{len(counts)} sums packed, {len(values)} read: {packed[:80]}")
	return dict(zip(counts, map(number, values), strict=True))


def add_counts(total: dict, counts: Mapping) -> dict:
	"""Add `counts` into `total` in place, count by count (bucket counts of many reps: `Change.add`
	rounds every value, which their integers do not need)."""
	for name, count in counts.items():
		total[name] = total.get(name, 0) + count
	return total


# `process.rollups.sparse_sums`: the sums that are not zero, as `index:sum` pairs
SPARSE_SEPARATOR, SPARSE_PAIR = " ", ":"


def unpacked_sparse(text: str | None, counts: tuple[str, ...], number=float) -> dict[str, float | int]:
	"""`sparse_sums`' text as {count: number}, the counts not named being zero."""
	if not text:
		return {}
	pairs = (pair.split(SPARSE_PAIR) for pair in text.split(SPARSE_SEPARATOR))
	return {counts[int(index)]: number(value) for index, value in pairs}


def whole(text: str) -> int:
	"""A summed count as an integer (a decimal column's sum is read to its whole part)."""
	try:
		return int(text)
	except ValueError:
		return int(Decimal(text))


# the rep part of the key on the rows that sum every rep: a reader who may see every rep reads one
# row per month and stage instead of one per rep (no Frappe user is named so)
EVERY_REP = "*"


def with_every_rep(contributions: Iterable[Contribution], rep_position: int) -> list[Contribution]:
	"""Each contribution, and its counts again on the same key with the rep replaced by EVERY_REP."""
	out = []
	for contribution in contributions:
		key = list(contribution.key)
		key[rep_position] = EVERY_REP
		out += [contribution, Contribution(tuple(key), contribution.counts)]
	return out


def changes(old: Iterable[Contribution], new: Iterable[Contribution]) -> dict[tuple, Change]:
	"""What a write does to the summary rows: new contributions minus old, per key, zeros left out."""
	per_key: dict[tuple, Change] = {}
	for contribution in old:
		per_key.setdefault(contribution.key, Change()).add(contribution, -1)
	for contribution in new:
		per_key.setdefault(contribution.key, Change()).add(contribution, +1)
	return {key: change.without_zeros() for key, change in per_key.items() if not change.is_zero()}


def total(contributions: Iterable[Contribution]) -> dict[tuple, Change]:
	"""The summary rows from scratch (a rebuild, and the reference the tests compare with)."""
	return changes((), contributions)


def month_of(moment: datetime | date | None) -> date | None:
	"""The first day of the moment's month: the period part of every key."""
	if moment is None or (isinstance(moment, float) and math.isnan(moment)):
		return None
	if isinstance(moment, datetime):
		moment = moment.date()
	return moment.replace(day=1)


def period_parts(
	start: datetime, end: datetime, now: datetime, subtract: bool = True
) -> tuple[list[date], list[tuple[datetime, datetime, int]]]:
	"""How to count [start, end) from month summaries of sources stamped when they happen (no row
	after `now`): the months read whole, and (from, to, sign) intervals of source rows, +1 added,
	-1 taken out of a month read whole.

	A month counts whole when the period covers it from its first day to its end, or to now or
	beyond. A month the period cuts is counted from its rows inside the period or (`subtract`) as
	its summary row less its rows outside the period, whichever reads fewer days of rows: a year
	from the 4th reads three days of rows, not twenty-eight."""
	months: list[date] = []
	intervals: list[tuple[datetime, datetime, int]] = []
	month = datetime(start.year, start.month, 1)
	while month < end:
		following = _next_month(month)
		inside = (max(start, month), min(end, following))
		if inside[0] == month and (inside[1] == following or inside[1] > now):
			months.append(month.date())
		elif inside[0] < inside[1]:
			happened = min(following, now)
			outside = [part for part in ((month, inside[0]), (inside[1], happened)) if part[0] < part[1]]
			if subtract and _seconds(outside) < _seconds([(inside[0], min(inside[1], happened))]):
				months.append(month.date())
				intervals += [(*part, -1) for part in outside]
			else:
				intervals.append((*inside, 1))
		month = following
	return months, _joined(intervals)


def _next_month(month: datetime) -> datetime:
	return (
		month.replace(year=month.year + 1, month=1)
		if month.month == 12
		else month.replace(month=month.month + 1)
	)


def _seconds(intervals) -> float:
	return sum(max((b - a).total_seconds(), 0) for a, b in intervals)


def _joined(intervals: list[tuple[datetime, datetime, int]]) -> list[tuple[datetime, datetime, int]]:
	"""Adjacent intervals of the same sign as one."""
	joined: list[tuple[datetime, datetime, int]] = []
	for part in intervals:
		if joined and joined[-1][1] == part[0] and joined[-1][2] == part[2]:
			joined[-1] = (joined[-1][0], part[1], part[2])
		else:
			joined.append(part)
	return joined


@dataclass(frozen=True)
class Buckets:
	"""Buckets for a value, as count columns `{prefix}{index:03d}`.

	`steps` are (up to, step) pairs: bounds every `step` until `up to`, then the next pair's step;
	bucket 0 holds values ≤ 0, the last holds everything above the last bound.
	"""

	prefix: str
	steps: tuple[tuple[float, float], ...]

	@cached_property
	def bounds(self) -> tuple[float, ...]:
		bounds, bound = [0.0], 0.0
		for up_to, step in self.steps:
			while bound + step <= up_to + 1e-9:
				bound = round(bound + step, 9)
				bounds.append(bound)
		return tuple(bounds)

	@cached_property
	def regions(self) -> tuple[tuple[float, float, float, int], ...]:
		"""(lower, up to, step, offset) per step region: a value v in (lower, up to] is in bucket
		offset + ceil((v − lower) / step) — how SQL finds the bucket without a hundred comparisons."""
		regions, lower, offset = [], 0.0, 0
		for up_to, step in self.steps:
			regions.append((lower, float(up_to), float(step), offset))
			offset += round((up_to - lower) / step)
			lower = float(up_to)
		return tuple(regions)

	@cached_property
	def columns(self) -> tuple[str, ...]:
		return tuple(self.column(index) for index in range(len(self.bounds) + 1))

	@cached_property
	def _upper_of(self) -> dict[str, float]:
		"""{column: what its values read as}: a percentile of 500 reps' buckets would otherwise
		look both up per bucket and rep."""
		return {column: self.upper(index) for index, column in enumerate(self.columns)}

	def column(self, index: int) -> str:
		return f"{self.prefix}{index:03d}"

	def index(self, value: float) -> int:
		"""The first bucket whose bound is ≥ the value (a value on a bound is in that bucket)."""
		if value is None or math.isnan(value) or value <= 0:
			return 0
		return bisect_left(self.bounds, value - 1e-9)

	def count_of(self, value: float) -> dict[str, int]:
		return {self.column(self.index(value)): 1}

	def upper(self, index: int) -> float:
		"""What a bucket's values read as: its bound (the overflow bucket: the last bound)."""
		bounds = self.bounds
		return bounds[min(index, len(bounds) - 1)]

	def percentile(self, counts: Mapping[str, int], share: float) -> float | None:
		"""The linear-interpolated percentile (as `engine.alerts.percentile`) of the bucketed values,
		each read as its bucket's bound; None when the buckets hold nothing."""
		upper_of = self._upper_of
		# a rep's buckets are mostly empty: walk the counts given, not every bucket
		items = sorted(
			(upper_of[column], count)
			for column, value in counts.items()
			if column in upper_of and (count := int(value or 0)) > 0
		)
		size = sum(count for _value, count in items)
		if not size:
			return None
		position = share * (size - 1)
		low, high = math.floor(position), math.ceil(position)
		return _nth(items, low) + (_nth(items, high) - _nth(items, low)) * (position - low)

	def count_at_most(self, counts: Mapping[str, int], limit: float) -> int:
		"""How many values are ≤ `limit` (exact when `limit` is a bound)."""
		return sum(
			int(counts.get(self.column(index)) or 0)
			for index, bound in enumerate(self.bounds)
			if bound <= limit + 1e-9
		)

	def total(self, counts: Mapping[str, int]) -> int:
		return sum(int(counts.get(column) or 0) for column in self.columns)


def _nth(items: list[tuple[float, int]], index: int) -> float:
	seen = 0
	for value, count in items:
		seen += count
		if index < seen:
			return value
	return items[-1][0]
