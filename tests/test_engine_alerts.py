"""Alerts: working hours, stalled deals, who receives, visit streaks, the bottom 20 %, response time."""

from datetime import date, datetime, timedelta

import pytest

from sales_process.engine.alerts import (
	Acted,
	Action,
	Level,
	Person,
	TreeCycleError,
	VisitFact,
	add_working_hours,
	alert_key,
	bottom_reps,
	first_response,
	managers_above,
	percentile,
	recipients,
	stall_level,
	stall_window,
	visit_streaks,
	weakest_checkpoint,
	working_hours_between,
)

# Friday 2026-09-25 10:00; the holiday list has the weekend and National Day week (Oct 1–7)
FRIDAY = datetime(2026, 9, 25, 10, 0)
HOLIDAYS = frozenset(
	{date(2026, 9, 26), date(2026, 9, 27)}
	| {date(2026, 10, d) for d in range(1, 8)}
	| {date(2026, 10, 10), date(2026, 10, 11)}
)


def test_working_hours_skip_weekends_and_holidays():
	# Friday 10:00 → Monday 10:00 is 14 + 10 = 24 working hours, not 72
	assert working_hours_between(FRIDAY, FRIDAY + timedelta(days=3), HOLIDAYS) == 24
	# without a holiday list, Saturday and Sunday are off
	assert working_hours_between(FRIDAY, FRIDAY + timedelta(days=3), None) == 24
	assert working_hours_between(FRIDAY, FRIDAY - timedelta(hours=1), None) == 0


def test_adding_working_hours_jumps_over_days_off():
	assert add_working_hours(FRIDAY, 14, HOLIDAYS) == datetime(2026, 9, 26, 0, 0)
	assert add_working_hours(FRIDAY, 15, HOLIDAYS) == datetime(2026, 9, 28, 1, 0)
	# a 72-hour limit reached on Wednesday the 30th, 10:00 — then National Day week
	assert add_working_hours(FRIDAY, 72, HOLIDAYS) == datetime(2026, 9, 30, 10, 0)
	assert add_working_hours(FRIDAY, 96, HOLIDAYS) == datetime(2026, 10, 8, 10, 0)
	# inverse of each other
	end = add_working_hours(FRIDAY, 50, HOLIDAYS)
	assert working_hours_between(FRIDAY, end, HOLIDAYS) == pytest.approx(50)


def test_a_deal_does_not_go_stale_over_a_national_holiday():
	entered = datetime(2026, 9, 30, 9, 0)  # Wednesday before National Day
	window = stall_window(entered, 72, HOLIDAYS, 0.75)
	# 15 h on Wed 30th + Thu 8th + Fri 9th (48) + 9 h on Mon 12th: the make-up weekend is off too
	assert window.red_on == datetime(2026, 10, 12, 9, 0)
	assert stall_level(window, datetime(2026, 10, 6, 12, 0)) is None  # a week later on the clock
	assert stall_level(window, window.yellow_on) == Level.REMINDER
	assert stall_level(window, window.red_on) == Level.ALERT


def test_a_stage_without_a_limit_never_stalls():
	window = stall_window(FRIDAY, 0, HOLIDAYS, 0.75)
	assert stall_level(window, FRIDAY + timedelta(days=365)) is None


def test_a_limit_changed_while_the_deal_waits_takes_effect_from_entry():
	short, long = stall_window(FRIDAY, 24, None, 0.75), stall_window(FRIDAY, 48, None, 0.75)
	now = datetime(2026, 9, 29, 12, 0)  # Tuesday: 14 + 24 + 12 = 50 working hours in
	assert stall_level(short, now) == Level.ALERT
	assert stall_level(long, now) == Level.ALERT
	assert stall_level(stall_window(FRIDAY, 96, None, 0.75), now) is None


TREE = {
	"Root": Person("Root", None, None),
	"Director": Person("Director", "Root", "director@x"),
	"Manager": Person("Manager", "Director", "manager@x"),
	"Rep": Person("Rep", "Manager", "rep@x"),
	"Loner": Person("Loner", "Root", "loner@x"),
}


def test_reminder_to_the_rep_alert_to_the_manager_escalation_one_level_up():
	assert recipients(Level.REMINDER, "rep@x", TREE) == ["rep@x"]
	assert recipients(Level.ALERT, "rep@x", TREE) == ["manager@x"]
	assert recipients(Level.ESCALATION, "rep@x", TREE) == ["director@x"]


def test_a_rep_without_a_manager_goes_to_the_sales_managers():
	assert recipients(Level.ALERT, "loner@x", TREE, sales_managers=["sm@x", "loner@x"]) == ["sm@x"]
	assert recipients(Level.ESCALATION, "loner@x", TREE) == []  # the top: it stops


def test_a_manager_who_is_a_rep_of_the_deal_is_skipped():
	assert recipients(Level.ALERT, "rep@x", TREE, skip={"manager@x"}) == ["director@x"]
	assert recipients(Level.ESCALATION, "rep@x", TREE, skip={"manager@x"}) == []


def test_a_looping_tree_is_refused():
	looped = {"A": Person("A", "B", "a@x"), "B": Person("B", "A", "b@x")}
	with pytest.raises(TreeCycleError):
		managers_above("a@x", looped)


def visit(name, day, before="Qualification", after="Qualification", hours=1):
	start = datetime(2026, 11, day, 9, 0)
	return VisitFact(name, start, start + timedelta(hours=hours), before, after)


ORDER = {"Qualification": 20, "Needs Analysis": 30, "Proposal/Price Quote": 70}


def test_two_visits_that_moved_nothing_make_a_streak():
	visits = [visit("V1", 2), visit("V2", 5)]
	assert visit_streaks(visits, [], ORDER, minimum=2) == [("V1", "V2")]
	assert visit_streaks(visits[:1], [], ORDER, minimum=2) == []


def test_a_stage_advance_or_a_completed_checkpoint_breaks_the_streak():
	advanced = [
		visit("V1", 2),
		visit("V2", 5, after="Needs Analysis"),
		visit("V3", 8, before="Needs Analysis", after="Needs Analysis"),
	]
	assert visit_streaks(advanced, [], ORDER) == []
	between = [visit("V1", 2), visit("V2", 5)]
	assert visit_streaks(between, [datetime(2026, 11, 3, 12, 0)], ORDER) == []
	# progress before the streak starts does not break it
	assert visit_streaks(between, [datetime(2026, 11, 1, 12, 0)], ORDER) == [("V1", "V2")]


def test_a_growing_streak_keeps_its_first_visit_and_open_visits_do_not_count():
	visits = [visit("V1", 2), visit("V2", 5), visit("V3", 9)]
	assert visit_streaks(visits, [], ORDER) == [("V1", "V2", "V3")]
	open_visit = VisitFact("V4", datetime(2026, 11, 12, 9), None, "Qualification", None)
	assert visit_streaks([*visits, open_visit], [], ORDER) == [("V1", "V2", "V3")]


def test_bottom_twenty_percent_with_ties_and_a_minimum_volume():
	rates = {
		"a": (10, 10),
		"b": (10, 9),
		"c": (10, 8),
		"d": (10, 5),
		"e": (10, 5),  # tied with d: both in
		"f": (10, 7),
		"g": (3, 0),  # too few due to judge
	}
	assert bottom_reps(rates, share=0.2, minimum_due=5) == ["d", "e"]
	assert bottom_reps({}, 0.2) == []
	assert bottom_reps({"solo": (6, 6)}, 0.2) == ["solo"]  # one rep: the bottom is that rep


def test_the_weakest_checkpoint():
	assert weakest_checkpoint({"A": (4, 4), "B": (5, 1), "C": (10, 2)}) == "C"  # 20 % each: more due first
	assert weakest_checkpoint({}) is None


RAISED = datetime(2026, 11, 20, 9, 0)


def test_the_first_response_counts():
	actions = [
		Action(RAISED - timedelta(hours=1), Acted.COMMENT, "manager@x"),  # before the alert
		Action(RAISED + timedelta(hours=5), Acted.COMMENT, "someone@x"),  # not the recipient
		Action(RAISED + timedelta(hours=8), Acted.TODO_CLOSED, "manager@x"),
		Action(RAISED + timedelta(hours=6), Acted.COMPLETED, "rep@x"),  # counts whoever did it
	]
	first = first_response(RAISED, "manager@x", actions)
	assert (first.how, first.on - RAISED) == (Acted.COMPLETED, timedelta(hours=6))
	assert first_response(RAISED, "manager@x", actions[:2]) is None


def test_percentiles_and_keys():
	assert percentile([1, 2, 3, 4], 0.5) == 2.5
	assert percentile([10], 0.9) == 10
	assert percentile([], 0.5) is None
	assert alert_key("Sales Checkpoint Record", "SCR-1", Level.ALERT) == "Sales Checkpoint Record:SCR-1:Alert"


def test_response_summary_per_manager_and_month():
	import pandas as pd

	from sales_process.engine.alerts import response_summary

	frame = pd.DataFrame(
		{
			"manager": ["m1", "m1", "m1", "m2"],
			"month": ["2026-10", "2026-10", "2026-10", "2026-10"],
			"response_seconds": [3600 * 2, 3600 * 10, None, 3600 * 88.8],
			"is_open": [False, False, True, False],
			"escalated": [False, True, True, False],
		}
	)
	table = response_summary(frame, ["manager", "month"]).set_index("manager")
	assert (
		table.loc["m1", "alerts"] == 3
		and table.loc["m1", "acted"] == 2
		and table.loc["m1", "still_open"] == 1
	)
	assert table.loc["m1", "escalated"] == 2
	assert table.loc["m1", "median_hours"] == 6.0
	assert table.loc["m2", "median_hours"] == 88.8  # the seed's 3.7 days
	assert list(response_summary(frame.iloc[0:0], ["manager"]).columns)[:2] == ["manager", "alerts"]


def test_a_group_with_nothing_acted_on_has_no_response_time_rather_than_nan():
	import json

	import pandas as pd

	from sales_process.engine.alerts import response_summary

	frame = pd.DataFrame(
		{
			"manager": ["m1", "m2"],
			"month": ["2026-10", "2026-10"],
			"response_seconds": [3600.0, None],
			"is_open": [False, True],
			"escalated": [False, False],
		}
	)
	rows = response_summary(frame, ["manager", "month"]).to_dict("records")
	waiting = next(row for row in rows if row["manager"] == "m2")
	assert waiting["median_hours"] is None and waiting["p90_hours"] is None
	# what the desk receives must be JSON a browser parses (no NaN)
	json.dumps(rows, allow_nan=False, default=str)
