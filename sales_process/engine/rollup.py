"""Rollups: report counts kept per month and key, exact at every moment.

A report over a year of a large org cannot count a million rows per request (DESIGN.md §3), so
each counted document adds its *contribution* to a summary row per month and key (rep,
checkpoint, stage …). When the document is written, its old contribution is taken away and its
new one added in the same transaction, so a summary row always equals the count of the rows
behind it — which `total` recomputes from scratch for a rebuild and for the tests.

Besides counts, a contribution can carry histograms ({value: count}) for medians and
percentiles: values are rounded up to a step before they are stored (`ceil_step`), so a
threshold that is a multiple of the step splits a histogram exactly, and a median read from it
is at most one step above the exact one.

Pure functions; the Frappe side (`process.rollups`) reads documents and writes the rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Contribution:
	"""What one document adds to the summary row `key` (whose first part is the month)."""

	key: tuple
	counts: Mapping[str, int]
	histograms: Mapping[str, Mapping[int, int]] = field(default_factory=dict)


@dataclass
class Change:
	"""The sum of contributions (or of their differences) for one summary row."""

	counts: dict[str, int] = field(default_factory=dict)
	histograms: dict[str, dict[int, int]] = field(default_factory=dict)

	def add(self, contribution: Contribution | Change, sign: int = 1):
		for name, value in contribution.counts.items():
			self.counts[name] = self.counts.get(name, 0) + sign * int(value)
		for name, histogram in contribution.histograms.items():
			target = self.histograms.setdefault(name, {})
			for value, count in histogram.items():
				target[int(value)] = target.get(int(value), 0) + sign * int(count)

	def is_zero(self) -> bool:
		return not any(self.counts.values()) and not any(
			count for histogram in self.histograms.values() for count in histogram.values()
		)

	def without_zeros(self) -> Change:
		return Change(
			counts=dict(self.counts),
			histograms={
				name: {value: count for value, count in histogram.items() if count}
				for name, histogram in self.histograms.items()
				if any(histogram.values())
			},
		)


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


def ceil_step(value: float, step: float) -> int:
	"""`value` rounded up to a multiple of `step` (0 stays 0; a negative value — a clock that went
	backwards — counts as 0)."""
	if value is None or math.isnan(value) or value <= 0:
		return 0
	return int(math.ceil(value / step - 1e-9) * step)


def dwell_hours_key(hours: float) -> int:
	"""A stay's length for the dwell histogram: to the hour up to a week, to 6 hours up to 30 days,
	to the day beyond. The report's buckets (24, 72, 168, 336, 672 h) are multiples of the step at
	their length, so they split the histogram exactly."""
	if hours is None or math.isnan(hours) or hours <= 168:
		return ceil_step(hours, 1)
	if hours <= 720:
		return ceil_step(hours, 6)
	return ceil_step(hours, 24)


def merged(histograms: Iterable[Mapping]) -> dict[int, int]:
	"""Several stored histograms (keys may be text, as JSON keeps them) as one."""
	result: dict[int, int] = {}
	for histogram in histograms:
		for value, count in (histogram or {}).items():
			result[int(value)] = result.get(int(value), 0) + int(count)
	return {value: count for value, count in result.items() if count}


def histogram_percentile(histogram: Mapping[int, int], share: float) -> float | None:
	"""The linear-interpolated percentile (as `engine.alerts.percentile`) of the values a histogram
	holds, each value repeated `count` times; None when it holds nothing."""
	items = sorted((int(value), int(count)) for value, count in histogram.items() if int(count) > 0)
	size = sum(count for _value, count in items)
	if not size:
		return None
	position = share * (size - 1)
	low, high = math.floor(position), math.ceil(position)
	return _nth(items, low) + (_nth(items, high) - _nth(items, low)) * (position - low)


def _nth(items: list[tuple[int, int]], index: int) -> int:
	seen = 0
	for value, count in items:
		seen += count
		if index < seen:
			return value
	return items[-1][0]


def count_at_most(histogram: Mapping[int, int], limit: float) -> int:
	"""How many values are ≤ `limit`."""
	return sum(int(count) for value, count in histogram.items() if int(value) <= limit)
