"""Lead intake: pool criteria, fit and activity points, grades, valid_until, first response, channel quality."""

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from sales_process.engine.lead_sources import QUALITY_COLUMNS, source_quality
from sales_process.engine.leads import (
	SCORE_COLUMNS,
	Criterion,
	CriterionKind,
	Engagement,
	FirstResponse,
	InvalidLeadRule,
	LeadRule,
	Operator,
	Reason,
	criterion_errors,
	decay,
	evaluate_lead,
	first_response_due,
	first_response_hours_taken,
	first_response_state,
	grade_for,
	rule_fingerprint,
	score_leads,
)

NOW = datetime(2026, 11, 20, 10, 0)  # a Friday
US = timedelta(microseconds=1)

POOL = [
	Criterion("industry", Operator.IN, "Manufacturing, Auto Parts"),
	Criterion("annual_revenue", Operator.AT_LEAST, "10000000"),
]
FIT = [
	Criterion("no_of_employees", Operator.AT_LEAST, "51", kind=CriterionKind.FIT, points=20),
	Criterion("territory", Operator.EQUALS, "East China", kind=CriterionKind.FIT, points=10),
	Criterion("source", Operator.EQUALS, "Cold Calling", kind=CriterionKind.FIT, points=-5),
]
ACTIVITY = {"Email Received": 5, "Call": 10, "Meeting": 15, "Visit": 20, "Reply Sent": 3}


def make_rule(criteria=(*POOL, *FIT), **overrides):
	settings = dict(
		activity_points=ACTIVITY, half_life_days=30, window_days=90, activity_cap=40, currency="CNY"
	)
	settings.update(overrides)
	return LeadRule(list(criteria), **settings)


RULE = make_rule()
GOOD_LEAD = {
	"industry": "Manufacturing",
	"annual_revenue": 20_000_000,
	"currency": "CNY",
	"no_of_employees": "201-500",
	"territory": "East China",
	"source": "Exhibition",
}


def ago(days, kind="Call"):
	return Engagement(kind, NOW - timedelta(days=days))


# pool criteria, missing values, currencies


def test_a_lead_meeting_the_pool_criteria_is_pooled_with_its_fit_points():
	verdict = evaluate_lead(GOOD_LEAD, [], RULE, NOW)
	assert verdict.pooled and verdict.first_failed_reason is None
	assert (verdict.fit_points, verdict.activity_points, verdict.score) == (30.0, 0.0, 30)
	assert verdict.grade == "C"
	assert Reason("fit", ("no_of_employees", 20)) in verdict.reasons
	assert verdict.valid_until is None  # no activity to decay: nothing changes by itself


def test_a_missing_value_fails_a_pool_criterion_and_grants_nothing_from_a_fit_one():
	lead = {**GOOD_LEAD, "annual_revenue": None, "no_of_employees": "", "territory": float("nan")}
	verdict = evaluate_lead(lead, [], RULE, NOW)
	assert not verdict.pooled
	assert verdict.first_failed_reason == Reason("missing", ("annual_revenue",))
	assert verdict.fit_points == 0.0
	assert verdict.first_failed_reason.message.text == "annual_revenue is missing"
	# a field the lead does not have at all is missing too
	assert evaluate_lead({}, [], RULE, NOW).reasons[:2] == [
		Reason("missing", ("industry",)),
		Reason("missing", ("annual_revenue",)),
	]


def test_failures_say_what_the_rule_wanted():
	lead = {**GOOD_LEAD, "industry": "Retail", "annual_revenue": 5_000_000}
	verdict = evaluate_lead(lead, [], RULE, NOW)
	assert verdict.reasons[:2] == [
		Reason("not_in", ("industry", ("Manufacturing", "Auto Parts"))),
		Reason("below", ("annual_revenue", "10000000")),
	]
	assert verdict.reasons[0].message.text == "industry is not one of Manufacturing, Auto Parts"


def test_revenue_in_another_currency_is_converted_and_a_missing_rate_fails():
	usd = {**GOOD_LEAD, "currency": "USD", "annual_revenue": 2_000_000}
	assert evaluate_lead(usd, [], RULE, NOW, rates={"USD": 7.1}).pooled  # 14.2 M CNY
	assert not evaluate_lead(usd, [], RULE, NOW, rates={"USD": 4.0}).pooled  # 8 M CNY
	for rates in (None, {"EUR": 7.7}, {"USD": 0}):
		verdict = evaluate_lead(usd, [], RULE, NOW, rates=rates)
		assert verdict.first_failed_reason == Reason("no_rate", ("USD", "CNY"))
	assert verdict.first_failed_reason.message.text == "No exchange rate from USD to CNY"
	# a lead without a currency is in the rule's; the lead's own currency needs no rate
	assert evaluate_lead({**GOOD_LEAD, "currency": None}, [], RULE, NOW).pooled
	# a Fit criterion on an amount without a rate grants nothing and says why
	fit_rule = make_rule(
		[Criterion("annual_revenue", Operator.AT_LEAST, "1000000", kind=CriterionKind.FIT, points=15)]
	)
	verdict = evaluate_lead(usd, [], fit_rule, NOW)
	assert verdict.pooled and verdict.fit_points == 0.0
	assert Reason("no_rate", ("USD", "CNY")) in verdict.reasons


def test_a_criterion_in_its_own_currency_converts_through_the_rule_currency():
	rule = make_rule([Criterion("annual_revenue", Operator.AT_LEAST, "1000000", currency="USD")])
	rates = {"USD": 7.0, "EUR": 7.7}
	assert evaluate_lead({"annual_revenue": 7_000_000, "currency": "CNY"}, [], rule, NOW, rates).pooled
	assert not evaluate_lead({"annual_revenue": 6_999_999, "currency": "CNY"}, [], rule, NOW, rates).pooled
	assert evaluate_lead({"annual_revenue": 1_000_000, "currency": "usd"}, [], rule, NOW, rates).pooled
	assert evaluate_lead({"annual_revenue": 910_000, "currency": "EUR"}, [], rule, NOW, rates).pooled
	verdict = evaluate_lead({"annual_revenue": 7_000_000}, [], rule, NOW, rates={})
	assert verdict.first_failed_reason == Reason("no_rate", ("USD", "CNY"))


# operators


def holds(operator, value, lead_value, field="industry"):
	rule = make_rule([Criterion(field, operator, value)])
	return evaluate_lead({field: lead_value}, [], rule, NOW).pooled


def test_text_compares_ignore_case_and_spaces():
	assert holds("in", "Manufacturing,  Auto Parts", "manufacturing")
	assert holds("in", " manufacturing , auto   parts ", "Auto Parts")
	assert holds("in", "Manufacturing\nAuto Parts", "AUTO PARTS")
	assert not holds("in", "Manufacturing, Auto Parts", "Auto")
	assert holds("not in", "Retail, Finance", "Manufacturing")
	assert not holds("not in", "Retail, Finance", "retail")
	assert holds("=", "East China", "east  china")
	assert not holds("=", "East China", "East")
	assert holds("!=", "Cold Calling", "Exhibition")
	assert not holds("!=", "Cold Calling", "cold calling")
	assert holds("contains", "parts", "Auto Parts")
	assert not holds("contains", "parts", "Manufacturing")


def test_number_operators():
	field = "annual_revenue"
	for operator, expected in ((">", [False, False, True]), (">=", [False, True, True])):
		assert [holds(operator, "100", v, field) for v in (99, 100, 101)] == expected
	for operator, expected in (("<", [True, False, False]), ("<=", [True, True, False])):
		assert [holds(operator, "100", v, field) for v in (99, 100, 101)] == expected
	assert holds("=", "100", 100.0, field) and holds("!=", "100", 101, field)
	assert holds(">=", "100", "150", field)  # a number kept as text still reads as one


def test_zero_is_a_value_not_a_missing_one():
	rule = make_rule([Criterion("sp_budget", ">=", "1")])
	assert evaluate_lead({"sp_budget": 0}, [], rule, NOW).first_failed_reason == Reason(
		"below", ("sp_budget", "1")
	)


def test_a_zero_revenue_is_an_empty_one_in_both_paths():
	# ERPNext stores an empty Currency field as 0: the rep is asked to fill it in, not told it is low
	rule = make_rule([Criterion("annual_revenue", ">=", "10000000")])
	missing = Reason("missing", ("annual_revenue",))
	assert evaluate_lead({"annual_revenue": 0}, [], rule, NOW).first_failed_reason == missing
	assert evaluate_lead({"annual_revenue": 0.0}, [], rule, NOW).first_failed_reason == missing
	leads = pd.DataFrame({"lead": ["a", "b", "c"], "annual_revenue": [0.0, None, 20_000_000.0]})
	scored = score_leads(leads, None, rule, NOW)
	assert scored["pooled"].tolist() == [False, False, True]
	assert scored["first_failed_reason"].tolist() == [missing, missing, None]


def test_is_set_and_is_not_set():
	assert holds("is set", "", "Manufacturing")
	assert not holds("is set", "", "  ")
	assert holds("is not set", "", None)
	assert not holds("is not set", "", "x")
	rule = make_rule([Criterion("website", "is not set", "", kind="Fit", points=-10)])
	assert evaluate_lead({}, [], rule, NOW).fit_points == -10.0  # is about exactly the missing value


def test_employee_ranges_compare_by_their_lower_bound():
	field = "no_of_employees"
	ranges = ["1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"]
	assert [holds(">=", "51", r, field) for r in ranges] == [False, False, True, True, True, True]
	assert [holds(">=", "51-200", r, field) for r in ranges] == [False, False, True, True, True, True]
	assert [holds("<", "201", r, field) for r in ranges] == [True, True, True, False, False, False]
	assert [holds(">", "500", r, field) for r in ranges] == [False] * 4 + [True, True]
	assert holds("=", "51-200", "51-200", field)
	rule = make_rule([Criterion(field, ">=", "51")])
	verdict = evaluate_lead({field: "a few"}, [], rule, NOW)
	assert verdict.first_failed_reason == Reason("not_a_number", (field, "a few"))


def test_criterion_errors_at_configuration():
	def codes(criterion, fieldtype, options=None):
		return [m.template for m in criterion_errors(criterion, fieldtype, options)]

	assert codes(Criterion("annual_revenue", ">=", "10000000"), "Currency") == []
	assert codes(Criterion("no_of_employees", ">=", "51"), "Select") == []
	assert codes(Criterion("size", ">=", "51"), "Select", ["", "1-10", "11-50", "1000+"]) == []
	assert codes(Criterion("size", ">=", "51"), "Select", ["Small", "Large"]) == [
		"{0} is not a number field: {1} cannot compare it"
	]
	assert codes(Criterion("industry", ">=", "5"), "Link") == [
		"{0} is not a number field: {1} cannot compare it"
	]
	assert codes(Criterion("annual_revenue", ">=", "ten million"), "Currency") == [
		"{0} {1} needs a number such as 10000000, not {2}"
	]
	assert codes(Criterion("industry", "in", ""), "Link") == ["Enter a value for {0} {1}"]
	assert codes(Criterion("industry", "in", " , "), "Link") == [
		"List the values for {0} {1}, separated by commas"
	]
	assert codes(Criterion("industry", "like", "x"), "Link")[0] == "Unknown operator {0}; use one of {1}"
	assert codes(Criterion("industry", "is set", ""), "Link") == []
	assert codes(Criterion("industry", "=", "x", kind="Fit", points=0), "Link") == [
		"The Fit criterion on {0} gives no points"
	]
	assert codes(Criterion("industry", "=", "x", kind="Pool", points=5), "Link") == [
		"The Pool criterion on {0} gives points; points belong to Fit criteria"
	]
	message = criterion_errors(Criterion("annual_revenue", ">=", "1e99x"), "Currency")[0]
	assert message.text == "annual_revenue >= needs a number such as 10000000, not 1e99x"


def test_a_rule_that_cannot_score_is_refused_with_messages():
	with pytest.raises(InvalidLeadRule) as refused:
		LeadRule(
			[Criterion("annual_revenue", ">=", "x")],
			activity_points={"Call": -1},
			window_days=0,
			grade_thresholds={"A": 40, "B": 60},
		)
	templates = [message.template for message in refused.value.messages]
	assert "Set the rule's currency: the criterion on {0} compares amounts" in templates
	assert "Points for {0} must be zero or more" in templates
	assert "The activity window must be more than zero days" in templates
	assert "Grade thresholds must not rise from A to C" in templates


# activity, decay, the window


def test_decay_halves_every_half_life():
	assert decay(10, 0, 30) == 10
	assert decay(10, 30, 30) == pytest.approx(5)
	assert decay(10, 60, 30) == pytest.approx(2.5)  # two months: a quarter
	assert decay(10, 90, 30, window_days=90) == 0  # the window's end is outside
	assert decay(10, -2, 30) == 10  # clock skew: age 0
	assert decay(10, 45, None) == 10


def test_activity_decays_across_months_and_stops_at_the_window():
	rule = make_rule([], activity_cap=None)
	assert evaluate_lead({}, [ago(60, "Visit")], rule, NOW).activity_points == pytest.approx(5.0)
	inside = evaluate_lead({}, [Engagement("Visit", NOW - timedelta(days=90) + US)], rule, NOW)
	assert inside.activity_points == pytest.approx(20 * 0.125)
	assert evaluate_lead({}, [ago(90, "Visit")], rule, NOW).activity_points == 0.0
	assert evaluate_lead({}, [Engagement("Visit", NOW + timedelta(days=1))], rule, NOW).activity_points == 20


def test_activity_reasons_unknown_kinds_and_the_cap():
	rule = make_rule([], activity_cap=25)
	engagements = [ago(0, "Call"), ago(0, "call"), ago(0, "Meeting"), ago(1, "Tweet")]
	verdict = evaluate_lead({}, engagements, rule, NOW)
	assert verdict.activity_points == 25.0 and verdict.score == 25
	assert verdict.reasons == [
		Reason("activity", ("Call", 2, 20.0)),
		Reason("activity", ("Meeting", 1, 15.0)),
		Reason("activity_cap", (25,)),
	]


def test_score_is_clamped_and_rounded_half_up():
	big = make_rule([Criterion("industry", "is set", "", kind="Fit", points=150)])
	assert evaluate_lead({"industry": "x"}, [], big, NOW).score == 100
	negative = make_rule([Criterion("industry", "is set", "", kind="Fit", points=-30)])
	assert evaluate_lead({"industry": "x"}, [ago(0, "Call")], negative, NOW).score == 0
	half = make_rule([Criterion("industry", "is set", "", kind="Fit", points=62.5)])
	assert evaluate_lead({"industry": "x"}, [], half, NOW).score == 63


def test_ties_at_a_threshold_take_the_higher_grade():
	assert [grade_for(s) for s in (100, 75, 74, 50, 49, 25, 24, 0)] == [
		"A",
		"A",
		"B",
		"B",
		"C",
		"C",
		"D",
		"D",
	]
	assert grade_for(60, {"A": 60, "B": 60, "C": 10}) == "A"
	rule = make_rule(
		[Criterion("industry", "is set", "", kind="Fit", points=50)],
		grade_thresholds={"A": 80, "B": 50, "C": 20},
	)
	assert evaluate_lead({"industry": "x"}, [], rule, NOW).grade == "B"


# the rule changed


def test_a_changed_rule_changes_the_fingerprint_and_equivalent_typing_does_not():
	base = rule_fingerprint(RULE)
	assert base == rule_fingerprint(make_rule())  # stable
	assert evaluate_lead(GOOD_LEAD, [], RULE, NOW).fingerprint == base
	changed = [
		make_rule(half_life_days=14),
		make_rule(window_days=60),
		make_rule(activity_cap=50),
		make_rule(activity_points={**ACTIVITY, "Call": 12}),
		make_rule(grade_thresholds={"A": 80, "B": 50, "C": 25}),
		make_rule(currency="USD"),
		make_rule([POOL[0], Criterion("annual_revenue", ">=", "20000000"), *FIT]),
		make_rule([POOL[0], *FIT]),
	]
	assert len({base, *(rule_fingerprint(rule) for rule in changed)}) == len(changed) + 1
	retyped = make_rule(
		[
			Criterion("industry", "in", "auto parts,MANUFACTURING"),
			Criterion("annual_revenue", ">=", "1e7"),
			*FIT,
		],
		activity_points={**ACTIVITY, "Call": 10.0},
	)
	assert rule_fingerprint(retyped) == base
	# deadlines are not scores: changing them does not re-score
	assert rule_fingerprint(make_rule(first_response_hours={"A": 2, "B": 8, "C": 24, "D": None})) == base


# valid_until


def assert_changes_exactly_at(lead, engagements, rule, now, rates=None):
	verdict = evaluate_lead(lead, engagements, rule, now, rates)
	moment = verdict.valid_until
	assert moment is not None and moment > now
	before = evaluate_lead(lead, engagements, rule, moment - US, rates)
	after = evaluate_lead(lead, engagements, rule, moment, rates)
	assert before.score == verdict.score
	assert before.valid_until == moment  # asked again later, the same moment
	assert after.score != verdict.score
	return verdict, after


def test_valid_until_is_when_decay_takes_a_point():
	rule = make_rule([], activity_cap=None)
	verdict, after = assert_changes_exactly_at({}, [ago(0, "Visit")], rule, NOW)
	assert (verdict.score, after.score) == (20, 19)
	# 20 · 2^(−t/30) = 19.5 at t = 30 · log2(20/19.5) days
	expected = NOW + timedelta(days=30 * np.log2(20 / 19.5))
	assert abs(verdict.valid_until - expected) < timedelta(milliseconds=1)


def test_valid_until_is_when_an_engagement_leaves_the_window():
	rule = make_rule([], half_life_days=None, activity_cap=None)  # no decay: only the window matters
	engagements = [ago(80, "Call"), ago(10, "Visit")]
	verdict, after = assert_changes_exactly_at({}, engagements, rule, NOW)
	assert verdict.valid_until == NOW + timedelta(days=10)
	assert (verdict.score, after.score) == (30, 20)


def test_valid_until_waits_while_the_cap_holds_and_is_none_when_nothing_can_change():
	rule = make_rule([], activity_cap=20)
	engagements = [ago(0, "Visit"), ago(0, "Visit"), ago(0, "Visit")]  # 60 points, capped at 20
	verdict, after = assert_changes_exactly_at({}, engagements, rule, NOW)
	# the cap holds until 60 points have decayed to 19.5: 30 · log2(60 / 19.5) ≈ 48.6 days
	expected = NOW + timedelta(days=30 * np.log2(60 / 19.5))
	assert abs(verdict.valid_until - expected) < timedelta(milliseconds=1)
	assert (verdict.score, after.score) == (20, 19)
	assert evaluate_lead({}, [], rule, NOW).valid_until is None
	clamped = make_rule([Criterion("industry", "is set", "", kind="Fit", points=-50)])
	assert evaluate_lead({"industry": "x"}, [ago(0, "Visit")], clamped, NOW).valid_until is None
	tiny = make_rule(
		[Criterion("industry", "is set", "", kind="Fit", points=10)], activity_points={"Call": 0.2}
	)
	assert evaluate_lead({"industry": "x"}, [ago(0, "Call")], tiny, NOW).valid_until is None  # 10.2 stays 10


def test_valid_until_with_clock_skew_and_grades():
	rule = make_rule([Criterion("industry", "is set", "", kind="Fit", points=40)])
	engagements = [Engagement("Meeting", NOW + timedelta(hours=5)), ago(20, "Call")]
	verdict, after = assert_changes_exactly_at({"industry": "x"}, engagements, rule, NOW)
	assert verdict.grade == "B" and verdict.valid_until > NOW + timedelta(hours=5)


# first response


def test_first_response_deadline_counts_working_hours_over_the_weekend():
	friday_evening = datetime(2026, 11, 20, 20, 0)
	assert first_response_due(friday_evening, "A", RULE) == datetime(2026, 11, 21, 0, 0)  # Friday's end
	assert first_response_due(friday_evening + timedelta(hours=2), "A", RULE) == datetime(2026, 11, 23, 2, 0)
	assert first_response_due(friday_evening, "B", RULE) == datetime(2026, 11, 23, 20, 0)
	assert first_response_due(friday_evening, "D", RULE) is None
	saturday = datetime(2026, 11, 21, 9, 0)
	assert first_response_due(saturday, "A", RULE) == datetime(2026, 11, 23, 4, 0)


def test_first_response_deadline_follows_the_holiday_list():
	holidays = {date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 23)}  # a long weekend
	friday_evening = datetime(2026, 11, 20, 20, 0)
	assert first_response_due(friday_evening, "B", RULE, holidays) == datetime(2026, 11, 24, 20, 0)
	# a Holiday List that works Saturdays
	assert first_response_due(friday_evening, "B", RULE, {date(2026, 11, 22)}) == datetime(
		2026, 11, 21, 20, 0
	)


def test_first_response_states():
	pooled = datetime(2026, 11, 20, 20, 0)
	due = first_response_due(pooled, "B", RULE)  # Monday 20:00
	state = lambda now, contacted=None: first_response_state(pooled, due, contacted, now)  # noqa: E731
	assert state(datetime(2026, 11, 22, 12, 0)) == FirstResponse.WAITING  # the weekend used nothing
	assert state(datetime(2026, 11, 23, 13, 59)) == FirstResponse.WAITING
	assert state(datetime(2026, 11, 23, 14, 0)) == FirstResponse.REMINDER  # 18 of 24 working hours
	assert state(due) == FirstResponse.OVERDUE
	assert state(due + timedelta(days=3), contacted=due + timedelta(days=1)) == FirstResponse.CONTACTED
	assert state(due - timedelta(hours=1), contacted=due) == FirstResponse.REMINDER  # not yet contacted then
	assert first_response_state(pooled, None, None, pooled + timedelta(days=30)) == FirstResponse.WAITING
	assert first_response_hours_taken(pooled, datetime(2026, 11, 23, 2, 0)) == pytest.approx(6.0)
	assert first_response_hours_taken(pooled, None) is None


# a whole table


KINDS = np.array([*ACTIVITY, "Tweet"], dtype=object)
INDUSTRIES = np.array(["Manufacturing", "auto parts", "Retail", "", None], dtype=object)
RANGES = np.array(["1-10", "11-50", "51-200", "201-500", "1000+", None, "many"], dtype=object)


def random_tables(count, seed):
	rng = np.random.default_rng(seed)
	revenue = rng.choice([0, 2e6, 9_999_999, 1e7, 3e7, np.nan], count)
	leads = pd.DataFrame(
		{
			"lead": [f"LEAD-{i:05d}" for i in range(count)],
			"industry": INDUSTRIES[rng.integers(0, len(INDUSTRIES), count)],
			"annual_revenue": revenue,
			"currency": np.array(["CNY", "USD", "EUR", None], dtype=object)[rng.integers(0, 4, count)],
			"no_of_employees": RANGES[rng.integers(0, len(RANGES), count)],
			"territory": np.array(["East China", "east china", "North"], dtype=object)[
				rng.integers(0, 3, count)
			],
			"source": np.array(["Cold Calling", "Exhibition", None], dtype=object)[rng.integers(0, 3, count)],
		}
	)
	per_lead = rng.poisson(3, count)
	owners = np.repeat(np.arange(count), per_lead)
	rng.shuffle(owners)
	ages = rng.uniform(-2, 120, len(owners))  # some in the future, some out of the window
	engagements = pd.DataFrame(
		{
			"lead": leads["lead"].to_numpy()[owners],
			"kind": KINDS[rng.integers(0, len(KINDS), len(owners))],
			"occurred_on": pd.Timestamp(NOW) - pd.to_timedelta(np.round(ages * 86_400e6), unit="us"),
		}
	)
	return leads, engagements


def test_the_vectorised_scores_are_the_scalar_ones_on_random_leads():
	leads, engagements = random_tables(2000, seed=11)
	rates = {"USD": 7.1}  # no EUR rate: those amounts fail with no_rate
	table = score_leads(leads, engagements, RULE, NOW, rates)
	assert list(table.columns) == SCORE_COLUMNS and len(table) == len(leads)
	by_lead = {
		lead: [
			Engagement(kind, moment.to_pydatetime())
			for kind, moment in zip(group.kind, group.occurred_on, strict=True)
		]
		for lead, group in engagements.groupby("lead", sort=False)
	}
	changing = 0
	for record, row in zip(leads.to_dict("records"), table.itertuples(index=False), strict=True):
		verdict = evaluate_lead(record, by_lead.get(record["lead"], []), RULE, NOW, rates)
		assert row.lead == record["lead"]
		assert (row.score, row.grade, row.pooled) == (verdict.score, verdict.grade, verdict.pooled)
		assert row.fit_points == verdict.fit_points
		assert row.activity_points == verdict.activity_points
		assert row.first_failed_reason == verdict.first_failed_reason
		if verdict.valid_until is None:
			assert pd.isna(row.valid_until)
		else:
			assert row.valid_until == verdict.valid_until
			changing += 1
	assert changing > 1000  # the check covered the moments, not only NaT
	assert table["pooled"].any() and not table["pooled"].all()
	reasons = {reason.code for reason in table["first_failed_reason"].dropna()}
	assert {"missing", "not_in", "below", "no_rate"} <= reasons


def test_vectorised_valid_until_moments_hold_exactly():
	leads, engagements = random_tables(300, seed=5)
	rule = make_rule(activity_cap=25, half_life_days=21)
	table = score_leads(leads, engagements, rule, NOW, {"USD": 7.1, "EUR": 7.7})
	for moment in table["valid_until"].dropna().sample(40, random_state=1):
		before = score_leads(leads, engagements, rule, moment.to_pydatetime() - US, {"USD": 7.1, "EUR": 7.7})
		at = score_leads(leads, engagements, rule, moment.to_pydatetime(), {"USD": 7.1, "EUR": 7.7})
		mine = (table["valid_until"] == moment).to_numpy()
		assert (before["score"].to_numpy()[mine] == table["score"].to_numpy()[mine]).all()
		assert (at["score"].to_numpy()[mine] != table["score"].to_numpy()[mine]).all()


def test_score_leads_edges():
	empty = score_leads(pd.DataFrame({"lead": []}), None, RULE, NOW)
	assert list(empty.columns) == SCORE_COLUMNS and empty.empty
	leads = pd.DataFrame({"lead": ["L1", "L2"], "industry": ["Manufacturing", None]})
	engagements = pd.DataFrame(
		{
			"lead": pd.Categorical(["L1", "L9", "L2"]),  # L9 is not in the table: ignored
			"kind": pd.Categorical(["Call", "Call", "Visit"]),
			"occurred_on": [NOW, NOW, None],
		}
	)
	table = score_leads(leads, engagements, make_rule([POOL[0]]), NOW)
	assert table["activity_points"].tolist() == [10.0, 0.0]
	assert table["first_failed_reason"].tolist() == [None, Reason("missing", ("industry",))]
	with pytest.raises(ValueError):
		score_leads(pd.DataFrame({"lead": ["L1", "L1"]}), None, RULE, NOW)


# channel quality


def test_source_quality_per_source():
	leads = pd.DataFrame(
		{
			"lead": ["L1", "L2", "L3", "L4", "L5"],
			"source": ["Exhibition", "Exhibition", "Exhibition", "Website", "Website"],
			"campaign": ["Expo 2026", "Expo 2026", None, None, None],
			"created_on": [NOW] * 5,
			"pooled": [True, True, False, True, False],
			"score": [80, 60, 10, 55, None],
			"first_response_hours": [2.0, 6.0, None, 30.0, None],
			"converted": [True, True, False, False, False],
			"won": [True, False, False, False, False],
			"won_amount": [500_000, None, None, None, None],
		}
	)
	costs = pd.DataFrame({"campaign": ["Expo 2026"], "cost": [120_000]})
	table = source_quality(leads, costs).set_index("source")
	assert list(table.columns) == QUALITY_COLUMNS
	expo = table.loc["Exhibition"]
	assert (expo.leads, expo.pooled_pct, expo.average_score) == (3, 66.7, 50.0)
	assert (expo.first_response_median_hours, expo.converted_pct, expo.won_pct) == (4.0, 66.7, 33.3)
	assert (expo.won_amount, expo.cost, expo.cost_per_won) == (500_000, 120_000, 120_000)
	web = table.loc["Website"]
	assert (web.leads, web.pooled_pct, web.average_score, web.won_pct) == (2, 50.0, 55.0, 0.0)
	assert web.cost is None and web.cost_per_won is None  # no campaign with a known cost, no win


def test_a_campaign_cost_is_shared_and_an_unknown_cost_stays_unknown():
	leads = pd.DataFrame(
		{
			"lead": ["L1", "L2", "L3", "L4"],
			"source": ["Campaign", "Campaign", "Partner", "Partner"],
			"campaign": ["Spring", "Spring", "Spring", "Autumn"],
			"won": [True, True, True, True],
			"won_amount": [1, 1, 1, 1],
		}
	)
	table = source_quality(leads, pd.DataFrame({"campaign": ["Spring"], "cost": [900]})).set_index("source")
	assert (table.loc["Campaign", "cost"], table.loc["Campaign", "cost_per_won"]) == (600.0, 300.0)
	assert table.loc["Partner", "cost"] is None  # Autumn has no cost: the sum would be too low
	by_campaign = source_quality(
		leads, pd.DataFrame({"campaign": ["Spring"], "cost": [900]}), by=["campaign"]
	)
	assert by_campaign.set_index("campaign").loc["Spring", "cost_per_won"] == 300.0
	total = source_quality(leads, None, by=())
	assert total["leads"].tolist() == [4] and total["cost_per_won"].tolist() == [None]


def test_source_quality_of_nothing_is_an_empty_table_with_the_columns():
	table = source_quality(pd.DataFrame(columns=["lead", "source"]), None)
	assert table.empty and list(table.columns) == ["source", *QUALITY_COLUMNS]
