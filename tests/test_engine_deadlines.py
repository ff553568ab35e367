from datetime import date, datetime, timedelta, timezone

import pytest

from sales_process.engine.deadlines import (
	HOURS,
	WORKING_DAYS,
	NoWorkingDayError,
	add_working_days,
	due_time,
	to_site_naive,
)

FRIDAY = datetime(2026, 11, 20, 16, 30)


def test_hours_count_the_clock_across_weekends():
	assert due_time(FRIDAY, 48, HOURS) == datetime(2026, 11, 22, 16, 30)


def test_zero_hours_is_due_immediately():
	assert due_time(FRIDAY, 0, HOURS) == FRIDAY


def test_fractional_hours():
	assert due_time(FRIDAY, 1.5, HOURS) == FRIDAY + timedelta(minutes=90)


def test_working_days_skip_the_weekend_without_a_holiday_list():
	# Friday + 5 working days = next Friday, same time of day
	assert due_time(FRIDAY, 5, WORKING_DAYS) == datetime(2026, 11, 27, 16, 30)
	assert due_time(FRIDAY, 1, WORKING_DAYS) == datetime(2026, 11, 23, 16, 30)


def test_working_days_follow_the_holiday_list():
	# a Holiday List that works Saturdays but closes Monday and Tuesday
	holidays = {date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 24)}
	assert due_time(FRIDAY, 2, WORKING_DAYS, holidays) == datetime(2026, 11, 25, 16, 30)


def test_national_holiday_week_pushes_the_deadline():
	# Golden Week: Oct 1-7 off plus weekends as listed by ERPNext's Holiday List
	start = datetime(2026, 9, 30, 9, 0)
	holidays = {date(2026, 10, d) for d in range(1, 8)} | {date(2026, 10, 10), date(2026, 10, 11)}
	# Oct 8 (Thu), Oct 9 (Fri), then Monday Oct 12
	assert due_time(start, 3, WORKING_DAYS, holidays) == datetime(2026, 10, 12, 9, 0)


def test_zero_working_days_from_a_holiday_is_the_next_working_day():
	saturday = datetime(2026, 11, 21, 10, 0)
	assert add_working_days(saturday, 0, None) == datetime(2026, 11, 23, 10, 0)
	assert add_working_days(FRIDAY, 0, None) == FRIDAY


def test_a_holiday_list_without_working_days_is_refused():
	every_day = {date(2026, 1, 1) + timedelta(days=i) for i in range(2000)}
	with pytest.raises(NoWorkingDayError):
		due_time(datetime(2026, 1, 1), 1, WORKING_DAYS, every_day)


def test_unknown_unit_and_negative_window_are_refused():
	with pytest.raises(ValueError):
		due_time(FRIDAY, 1, "Fortnights")
	with pytest.raises(ValueError):
		due_time(FRIDAY, -1, HOURS)


def test_aware_moments_are_brought_to_the_site_time_zone():
	utc_moment = datetime(2026, 11, 20, 23, 30, tzinfo=timezone.utc)
	# Shanghai is UTC+8: already Saturday there
	assert to_site_naive(utc_moment, "Asia/Shanghai") == datetime(2026, 11, 21, 7, 30)
	assert to_site_naive(FRIDAY, "Asia/Shanghai") == FRIDAY


def test_working_days_count_in_site_time_not_utc():
	# 23:30 UTC Friday is Saturday morning in Shanghai: one working day later is Tuesday
	start = to_site_naive(datetime(2026, 11, 20, 23, 30, tzinfo=timezone.utc), "Asia/Shanghai")
	assert due_time(start, 1, WORKING_DAYS) == datetime(2026, 11, 23, 7, 30)
