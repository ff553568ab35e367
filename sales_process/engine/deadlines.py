"""Due times: hours on the clock, or working days by the company's Holiday List."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

HOURS = "Hours"
WORKING_DAYS = "Working Days"
DUE_UNITS = (HOURS, WORKING_DAYS)

# Without a Holiday List, Saturday and Sunday are the days off.
DEFAULT_WEEKLY_OFF = frozenset({5, 6})
# A Holiday List covering every day for this long is a configuration error, not a deadline.
_MAX_DAYS_SEARCHED = 366 * 3


class NoWorkingDayError(ValueError):
	pass


def due_time(
	start: datetime,
	value: float,
	unit: str = HOURS,
	holidays: Collection[date] | None = None,
) -> datetime:
	"""When a checkpoint triggered at `start` is due.

	Hours count the clock. Working days keep the time of day and count only
	days that are not holidays; `holidays=None` means "no Holiday List", where
	weekends are off. ERPNext's Holiday Lists already contain the weekly offs.
	"""
	if value is None or value < 0:
		raise ValueError(f"due window must be zero or more, got {value!r}")
	if unit == HOURS:
		return start + timedelta(hours=float(value))
	if unit != WORKING_DAYS:
		raise ValueError(f"unknown due unit {unit!r}; expected one of {DUE_UNITS}")
	return add_working_days(start, int(round(value)), holidays)


def is_working_day(day: date, holidays: Collection[date] | None) -> bool:
	if holidays is None:
		return day.weekday() not in DEFAULT_WEEKLY_OFF
	return day not in holidays


def add_working_days(start: datetime, days: int, holidays: Collection[date] | None) -> datetime:
	"""The same time of day on the `days`-th working day after `start`'s date.

	Zero working days from a holiday is the next working day's same time:
	nobody is expected to act on a day off.
	"""
	current = start
	remaining = days
	searched = 0
	if remaining == 0:
		while not is_working_day(current.date(), holidays):
			current += timedelta(days=1)
			searched += 1
			if searched > _MAX_DAYS_SEARCHED:
				raise NoWorkingDayError("the holiday list leaves no working day")
		return current
	while remaining > 0:
		current += timedelta(days=1)
		searched += 1
		if searched > _MAX_DAYS_SEARCHED:
			raise NoWorkingDayError("the holiday list leaves no working day")
		if is_working_day(current.date(), holidays):
			remaining -= 1
	return current


def to_site_naive(moment: datetime, site_timezone: str) -> datetime:
	"""Frappe stores naive datetimes in the site's time zone; bring any moment there."""
	if moment.tzinfo is None:
		return moment
	return moment.astimezone(ZoneInfo(site_timezone)).replace(tzinfo=None)
