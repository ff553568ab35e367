"""Month summaries read for any period: which months whole, which days of rows added or taken out;
and the rows kept over every rep."""

from datetime import date, datetime, timedelta

from sales_process.engine.rollup import (
	EVERY_REP,
	Contribution,
	changes,
	period_parts,
	total,
	with_every_rep,
)

NOW = datetime(2026, 12, 3, 10, 0)


def test_whole_months_and_the_current_month_up_to_now_need_no_rows():
	months, parts = period_parts(datetime(2025, 12, 1), datetime(2026, 12, 4), NOW)
	assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 12, 1) and len(months) == 13
	assert parts == []


def test_a_month_cut_near_its_start_is_its_row_less_the_first_days():
	months, parts = period_parts(datetime(2025, 12, 4), datetime(2026, 12, 4), NOW)
	assert date(2025, 12, 1) in months
	assert parts == [(datetime(2025, 12, 1), datetime(2025, 12, 4), -1)]


def test_a_month_cut_near_its_end_is_its_row_less_the_last_days():
	months, parts = period_parts(datetime(2026, 10, 1), datetime(2026, 10, 29), NOW)
	assert months == [date(2026, 10, 1)]
	assert parts == [(datetime(2026, 10, 29), datetime(2026, 11, 1), -1)]


def test_a_short_part_of_a_month_is_read_from_its_rows():
	months, parts = period_parts(datetime(2026, 10, 10), datetime(2026, 10, 15), NOW)
	assert months == []
	assert parts == [(datetime(2026, 10, 10), datetime(2026, 10, 15), 1)]


def test_only_days_that_have_happened_weigh_on_the_choice():
	# up to now, 3 December holds ten hours of rows and the days before it two days: read the ten hours
	months, parts = period_parts(datetime(2026, 12, 3), datetime(2026, 12, 20), NOW)
	assert months == []
	assert parts == [(datetime(2026, 12, 3), datetime(2026, 12, 20), 1)]
	# from the 2nd, the 1st (a day) is fewer rows than the 2nd and the morning of the 3rd
	months, parts = period_parts(datetime(2026, 12, 2), datetime(2026, 12, 20), NOW)
	assert months == [date(2026, 12, 1)]
	assert parts == [(datetime(2026, 12, 1), datetime(2026, 12, 2), -1)]


def test_without_subtracting_every_cut_month_is_read_from_its_rows():
	months, parts = period_parts(datetime(2025, 12, 4), datetime(2026, 1, 31), NOW, subtract=False)
	assert months == []
	assert parts == [(datetime(2025, 12, 4), datetime(2026, 1, 31), 1)]


def test_signed_parts_count_exactly_what_the_period_holds():
	"""A day's count per day of the year: months whole plus signed parts give the period's sum."""
	days = {}
	day = datetime(2025, 11, 1)
	while day < NOW:
		days[day] = day.day + 10 * day.month
		day += timedelta(days=1)
	for start, end in [
		(datetime(2025, 12, 4), datetime(2026, 12, 4)),
		(datetime(2026, 1, 20), datetime(2026, 3, 27)),
		(datetime(2026, 2, 2), datetime(2026, 2, 3)),
	]:
		months, parts = period_parts(start, end, NOW)
		counted = sum(v for d, v in days.items() if date(d.year, d.month, 1) in months)
		counted += sum(sign * v for a, b, sign in parts for d, v in days.items() if a <= d < b)
		assert counted == sum(v for d, v in days.items() if start <= d < end)


def test_every_rep_rows_sum_the_reps():
	january = date(2026, 1, 1)
	items = [
		Contribution((january, "C", "a@x", "S1"), {"entered": 1}),
		Contribution((january, "C", "b@x", "S1"), {"entered": 2}),
		Contribution((january, "C", "b@x", "S2"), {"entered": 1}),
	]
	rows = total(with_every_rep(items, 2))
	assert rows[(january, "C", EVERY_REP, "S1")].counts == {"entered": 3}
	assert rows[(january, "C", EVERY_REP, "S2")].counts == {"entered": 1}
	assert rows[(january, "C", "a@x", "S1")].counts == {"entered": 1}


def test_a_reassignment_leaves_the_every_rep_row_as_it_was():
	january = date(2026, 1, 1)
	delta = changes(
		with_every_rep([Contribution((january, "C", "a@x", "S1"), {"entered": 1})], 2),
		with_every_rep([Contribution((january, "C", "b@x", "S1"), {"entered": 1})], 2),
	)
	assert set(delta) == {(january, "C", "a@x", "S1"), (january, "C", "b@x", "S1")}
