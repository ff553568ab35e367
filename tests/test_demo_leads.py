"""The demo's leads (sales_process/demo/lead_plan.py): deterministic, apart from the deal story, and
channels that differ the way Lead Source Quality 渠道监控 should show them, judged by the app's own
lead engine with the demo's rule. No site needed."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from sales_process.demo import lead_plan, plan
from sales_process.demo import vocabulary as words
from sales_process.engine.leads import Criterion, Engagement, LeadRule, evaluate_lead

TODAY = date(2026, 12, 3)
WARM = ("Exhibition", "Referral")
COLD = ("Cold Calling", "Social Media")
CONTACTS = ("lead_call", "lead_mail_out")


def window(months: int):
	start_day = plan.base_date(TODAY, months)
	calendar = plan.Calendar(
		plan.holidays_between(start_day - timedelta(days=31), TODAY + timedelta(days=400))
	)
	start = datetime.combine(start_day, datetime.min.time())
	return start, datetime.combine(TODAY, datetime.min.time()), calendar


def leads(seed=7, reps=6, months=4, volumes=lead_plan.DEMO_LEAD_VOLUMES):
	start, end, calendar = window(months)
	company = plan.plan_company(seed, reps, plan.DEMO_VOLUMES, "SP Demo Trading", "SPDT", TODAY)
	return lead_plan.plan_leads(company, seed, start, end, calendar, plan.DEMO_VOLUMES, volumes)


@pytest.fixture(scope="module")
def year():
	return leads(seed=11, reps=30, months=12)


def engine_rule() -> LeadRule:
	"""The demo's Sales Lead Rule as the app reads it (process.leads.rule_from_doc)."""
	rule = lead_plan.RULE
	return LeadRule(
		[
			Criterion(row["lead_field"], row["operator"], row["value"], row["kind"], row.get("points", 0))
			for row in rule["criteria"]
		],
		activity_points={row["engagement_kind"]: row["points"] for row in rule["activity"]},
		half_life_days=rule["half_life_days"],
		window_days=rule["window_days"],
		activity_cap=rule["activity_cap"],
		grade_thresholds={grade: rule[f"grade_{grade.lower()}"] for grade in "ABC"},
		first_response_hours={grade: rule[f"response_hours_{grade.lower()}"] or None for grade in "ABCD"},
		currency=words.CURRENCY,
	)


def verdict(lead: lead_plan.Lead, at: datetime, revenue_known: bool, employees_known: bool = True):
	kinds = {"lead_mail_in": "Email Received", "lead_mail_out": "Reply Sent", "lead_call": "Call"}
	engagements = [Engagement(kinds[s.kind], s.at) for s in lead.steps if s.kind in kinds and s.at <= at]
	engagements += [
		Engagement("Meeting", s.data["starts"])
		for s in lead.steps
		if s.kind == "lead_meeting" and s.data["starts"] <= at
	]
	values = {
		"industry": lead.industry,
		"annual_revenue": lead.revenue if revenue_known else None,
		"no_of_employees": lead.employees if employees_known else None,
		"source": lead.source,
		"request_type": lead.request_type,
		"currency": words.CURRENCY,
	}
	return evaluate_lead(values, engagements, engine_rule(), at)


def fingerprint(story: lead_plan.LeadStory):
	return [(s.at, s.kind, s.deal, sorted(s.data.items(), key=str)) for s in story.steps_until_end()]


def share(rows, test) -> float:
	rows = list(rows)
	return sum(1 for row in rows if test(row)) / len(rows)


def test_the_same_seed_plans_the_same_leads():
	assert fingerprint(leads(seed=3)) == fingerprint(leads(seed=3))
	assert fingerprint(leads(seed=3)) != fingerprint(leads(seed=4))


def test_the_deal_story_is_the_same_with_or_without_leads():
	start, end, calendar = window(4)
	company = plan.plan_company(5, 4, plan.DEMO_VOLUMES, "SP Demo Trading", "SPDT", TODAY)

	def deal_story():
		story = plan.plan_story(company, 5, start, end, plan.DEMO_VOLUMES, calendar)
		return [(s.at, s.kind, s.deal, sorted(s.data.items(), key=str)) for s in story.steps_until_end()]

	before = deal_story()
	lead_plan.plan_leads(company, 5, start, end, calendar, plan.DEMO_VOLUMES)
	assert deal_story() == before


def test_a_lead_keeps_its_story_when_reps_are_added():
	few, more = leads(seed=5, reps=3), leads(seed=5, reps=6)

	def first_rep(story):
		return [
			(lead.created, lead.source, lead.company_name, [(s.at, s.kind) for s in lead.steps])
			for lead in story.leads
			if lead.rep == 0
		]

	assert first_rep(few) == first_rep(more)


def test_a_rep_gets_twenty_to_forty_leads_a_year(year):
	per_rep = Counter(lead.rep for lead in year.leads)
	assert len(per_rep) == 30
	assert 20 <= sum(per_rep.values()) / 30 <= 40, per_rep
	assert min(per_rep.values()) >= 10
	assert {lead.source for lead in year.leads} == set(lead_plan.CHANNEL)
	# spread over the months, with the fairs' cards in the weeks after each fair
	months = Counter((lead.created.year, lead.created.month) for lead in year.leads)
	months.pop((TODAY.year, TODAY.month))  # the story ends on the 3rd
	assert len(months) == 12 and min(months.values()) >= 15, months  # February: Spring Festival


def test_the_demo_rule_is_one_the_engine_accepts_and_the_plan_reads_its_pool_as_the_engine_does(year):
	rule = engine_rule()  # raises InvalidLeadRule if the app would refuse it
	assert rule.fingerprint
	for lead in year.leads[:300]:
		for known in (True, False):
			assert verdict(lead, lead.created, known).pooled == lead.meets_pool(known), lead


def test_warm_channels_fill_the_pool_and_convert_more_than_cold_ones(year):
	end = year.end
	by_source: dict[str, list] = {}
	for lead in year.leads:
		by_source.setdefault(lead.source, []).append(lead)
	pooled = {
		source: share(
			rows, lambda lead: verdict(lead, min(lead.steps[-1].at, end), lead.revenue_known).pooled
		)
		for source, rows in by_source.items()
	}
	converted = {
		source: share(rows, lambda lead: lead.deal is not None) for source, rows in by_source.items()
	}
	for warm in WARM:
		for cold in COLD:
			assert pooled[warm] > pooled[cold] + 0.2, pooled
			assert converted[warm] > converted[cold], converted
	# and their deals are won more often
	outcome = {deal.index: deal.outcome for deal in year.deals}
	won = {
		group: share(
			[lead for lead in year.leads if lead.source in sources and lead.deal is not None],
			lambda lead: outcome[lead.deal] == "won",
		)
		for group, sources in (("warm", WARM), ("other", tuple(set(lead_plan.CHANNEL) - set(WARM))))
	}
	assert won["warm"] > won["other"], won
	assert 0.04 < len(year.deals) / len(year.leads) < 0.2


def test_grades_spread_from_a_to_d(year):
	grades = Counter(
		verdict(lead, lead.steps[-1].at, lead.revenue_known, lead.employees_given or lead.filled).grade
		for lead in year.leads
	)
	assert set(grades) == {"A", "B", "C", "D"}, grades
	assert grades["A"] < grades["B"] < grades["C"] + grades["D"]


def test_steps_come_in_order_inside_the_story(year):
	campaigns = {campaign.name: campaign for campaign in year.campaigns}
	for lead in year.leads:
		assert year.start <= lead.created < year.end
		assert lead.steps[0].kind == "lead_new" and lead.steps[0].at == lead.created.replace(microsecond=0)
		assert [s.at for s in lead.steps] == sorted(s.at for s in lead.steps)
		assert lead.created > year.setup_at
		if lead.campaign:
			campaign = campaigns[lead.campaign]
			assert campaign.source == lead.source and campaign.created < lead.created
			assert campaign.start <= lead.created.date()
		if lead.deal is not None:
			deal = year.deals[lead.deal]
			assert deal.customer == lead.index and deal.rep == lead.rep
			assert deal.created > lead.steps[-1].at
			assert any(s.kind in CONTACTS for s in lead.steps), "only a contacted lead converts"
			# a deal of a lead has no visits: a lead has no located site
			assert not any(s.kind in ("check_in", "check_out", "photo", "review") for s in deal.steps)
	steps = year.steps_until_end()
	assert steps[0].kind == "lead_setup"
	assert [s.at for s in steps] == sorted(s.at for s in steps)
	assert all(s.at < year.end for s in steps)


def test_first_response_follows_the_reps_diligence(year):
	calendar = plan.Calendar(plan.holidays_between(year.start.date(), year.end.date() + timedelta(days=30)))
	reps = {rep.index: rep for rep in year.company.reps}
	hours: dict[str, list[float]] = {}
	never = Counter()
	for lead in year.leads:
		first = next((s.at for s in lead.steps if s.kind in CONTACTS), None)
		style = reps[lead.rep].style
		if lead.source == "Cold Calling":
			assert first is not None and first - lead.created < timedelta(minutes=10)  # found on the call
			continue
		if first is None:
			never[style] += 1
			continue
		hours.setdefault(style, []).append(_working_hours(calendar, lead.created, first))
	median = {style: sorted(values)[len(values) // 2] for style, values in hours.items()}
	assert median["star"] < 4 < median["sloppy"], median
	assert never["sloppy"] > never["star"]


def _working_hours(calendar: plan.Calendar, start: datetime, end: datetime) -> float:
	hours, moment = 0.0, calendar.next_working_start(start)
	while moment < end:
		step = min(end, datetime.combine(moment.date(), plan.WORK_END)) - moment
		hours += step.total_seconds() / 3600
		moment = calendar.next_working_start(moment + step)
	return hours


def test_companies_people_and_addresses_are_unique_and_local(year):
	names = [lead.company_name for lead in year.leads]
	emails = [lead.email for lead in year.leads]
	assert len(set(names)) == len(names) and len(set(emails)) == len(emails)
	reps = {rep.index: rep for rep in year.company.reps}
	for lead in year.leads:
		assert lead.company_name.startswith(reps[lead.rep].city_zh) and plan.is_chinese(lead.company_name)
		assert lead.territory == reps[lead.rep].territory
		assert lead.employees in {label for _low, label in lead_plan.EMPLOYEE_RANGES}
	# a lead is never one of the customers, and the rule can list every industry
	customer_brands = set(words.CUSTOMER_BRANDS)
	assert not {brand for brand, _pinyin in words.LEAD_BRANDS} & customer_brands
	assert all("," not in industry for industry, *_rest in words.LEAD_INDUSTRIES)
	assert set(words.LEAD_SOURCES) == set(lead_plan.CHANNEL)


def test_campaigns_cover_the_fairs_the_quarters_and_the_years_of_the_story(year):
	sources = Counter(campaign.source for campaign in year.campaigns)
	assert sources == {"Exhibition": 3, "Social Media": 5, "Advertisement": 2}, sources
	fair_leads = [lead for lead in year.leads if lead.campaign and lead.source == "Exhibition"]
	for lead in fair_leads:
		fair = next(c for c in year.campaigns if c.name == lead.campaign)
		assert fair.end < lead.created.date() <= fair.end + timedelta(days=21)
	assert share(year.leads, lambda lead: lead.campaign is not None) > 0.2
