"""The demo's leads 客户挖掘与初筛, decided before anything is written: which channel each lead comes
through, what company it is, what happens with it, and which leads become deals.

Pure Python (no frappe), like `plan`, so the site-free tests can check it. Each rep's leads come
from `random.Random(f"{seed}:lead:rep:{rep}")`, each lead's story from its own
`random.Random(f"{seed}:lead:{rep}:{n}")` and the deal it may become from
`random.Random(f"{seed}:lead:deal:{rep}:{n}")`: none is shared with the deal story, so
`plan.plan_story` tells the same story with or without leads, and a lead keeps its story when
another rep is added.

Channels differ the way a sales manager expects 渠道监控 to show: trade fairs and referrals bring
companies in our industries with the revenue we look for and convert to deals that are won more
often; social media and cold calls bring many small or off-target companies. How fast a lead is
answered is the rep's diligence: some hot leads wait past their first-response deadline.

A converted lead becomes a deal of its own (`plan.plan_deal`, from the moment of conversion, with
the channel's warmth added to its chance to advance), played after the deal story through the same
steps; the deal story's deals stay customers' deals. Lead deals have no visits (a lead has no
located site), so no rep's visit diary changes.
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sales_process.demo import plan
from sales_process.demo import vocabulary as words


@dataclass(frozen=True)
class LeadVolumes:
	# everyday leads per rep and month (website, social media, ads, cold calls, referrals, small fairs)
	leads_per_rep_month: float = 2.3
	# business cards per rep from each trade fair in the story (entered in the days after it)
	fair_leads_per_rep: float = 1.4


# 30 reps x 12 months: about 900 leads, 60-90 of them converted
DEMO_LEAD_VOLUMES = LeadVolumes()


@dataclass(frozen=True)
class Channel:
	"""A Lead Source and how its leads behave (the numbers are the demo's, not the app's)."""

	source: str
	share: float  # of a rep's everyday leads (fairs bring theirs on top)
	inbound: bool  # the lead writes first (a web form, a WeChat message, an ad): not a contact
	target_share: float  # companies in an industry we sell to
	revenue_median: float  # CNY a year
	revenue_unknown: float  # share that does not say its revenue (the rep may ask on the first call)
	enquiry_share: float  # ask for a quotation (Request Type: Product Enquiry)
	interest: float  # 0..1: how much they engage once contacted
	convert: float  # how readily a contacted lead in the pool becomes a deal
	advance: float  # added to the deal's chance to advance at each stage


CHANNELS = (
	Channel("Website", 0.27, True, 0.65, 25e6, 0.25, 0.5, 0.5, 0.18, 0.02),
	Channel("Social Media", 0.2, True, 0.45, 7e6, 0.4, 0.15, 0.35, 0.08, -0.05),
	Channel("Advertisement", 0.1, True, 0.55, 14e6, 0.3, 0.35, 0.4, 0.12, -0.02),
	Channel("Exhibition", 0.06, False, 0.85, 60e6, 0.08, 0.3, 0.65, 0.2, 0.04),
	Channel("Cold Calling", 0.25, False, 0.75, 11e6, 0.15, 0.05, 0.28, 0.09, -0.05),
	Channel("Referral", 0.12, False, 0.9, 80e6, 0.05, 0.6, 0.8, 0.28, 0.08),
)
CHANNEL = {channel.source: channel for channel in CHANNELS}
EXHIBITION = "Exhibition"

INDUSTRY = {name: (word, slug, group) for name, word, slug, group in words.LEAD_INDUSTRIES}
TARGET_INDUSTRIES = [name for name, _word, _slug, group in words.LEAD_INDUSTRIES if group]
OTHER_INDUSTRIES = [name for name, _word, _slug, group in words.LEAD_INDUSTRIES if not group]
POOL_REVENUE = 10_000_000  # CNY
# ERPNext's Number of Employees, with the lower bound the rule compares
EMPLOYEE_RANGES = (
	(1000, "1000+"),
	(501, "501-1000"),
	(201, "201-500"),
	(51, "51-200"),
	(11, "11-50"),
	(1, "1-10"),
)

# the demo company's Sales Lead Rule, as a Sales Process Manager fills in the form (the doctype's
# fieldnames; company and name are added by the writer)
RULE = {
	"criteria": [
		# the pool 入池标准: companies in our markets with at least 10 M CNY a year
		{"lead_field": "industry", "operator": "in", "value": ", ".join(TARGET_INDUSTRIES), "kind": "Pool"},
		{"lead_field": "annual_revenue", "operator": ">=", "value": str(POOL_REVENUE), "kind": "Pool"},
		# fit 评分: size, our strongest markets, the warm channels, a request for a quotation
		{"lead_field": "no_of_employees", "operator": ">=", "value": "51", "kind": "Fit", "points": 15},
		{"lead_field": "no_of_employees", "operator": ">=", "value": "501", "kind": "Fit", "points": 10},
		{"lead_field": "annual_revenue", "operator": ">=", "value": "100000000", "kind": "Fit", "points": 10},
		{
			"lead_field": "industry",
			"operator": "in",
			"value": "Automotive Parts, Electronics Manufacturing",
			"kind": "Fit",
			"points": 10,
		},
		{
			"lead_field": "source",
			"operator": "in",
			"value": "Referral, Exhibition",
			"kind": "Fit",
			"points": 15,
		},
		{"lead_field": "source", "operator": "=", "value": "Cold Calling", "kind": "Fit", "points": -5},
		{
			"lead_field": "request_type",
			"operator": "=",
			"value": "Product Enquiry",
			"kind": "Fit",
			"points": 10,
		},
	],
	# activity 活跃度: a lead writing to us or meeting us counts more than our own mails
	"activity": [
		{"engagement_kind": kind, "points": points}
		for kind, points in (
			("Email Received", 8),
			("Reply Sent", 3),
			("Call", 8),
			("Meeting", 15),
			("Visit", 20),
		)
	],
	"half_life_days": 30,
	"window_days": 90,
	"activity_cap": 40,
	"grade_a": 75,
	"grade_b": 50,
	"grade_c": 25,
	"response_hours_a": 4,
	"response_hours_b": 24,
	"response_hours_c": 72,
	"response_hours_d": 0,
}


@dataclass(frozen=True)
class Campaign:
	name: str
	source: str
	created: datetime  # when marketing set it up (leads of it come later)
	start: date
	end: date
	description: str


@dataclass
class Lead:
	index: int
	rep: int
	source: str
	campaign: str | None
	created: datetime
	by_rep: bool  # typed in by the rep (else it came in through a form or a message)
	company_name: str
	contact: tuple[str, str, str]  # full name, title, gender
	email: str
	mobile: str
	industry: str
	revenue: float  # what the company makes (it may not say: `revenue_given`)
	employees: str
	revenue_given: bool  # when it came in
	employees_given: bool
	request_type: str | None
	territory: str
	city_zh: str
	interest: float
	steps: list[plan.Step] = field(default_factory=list)
	deal: int | None = None  # index into LeadStory.deals
	filled: bool = False  # the rep filled in the revenue and size the lead had not given

	@property
	def revenue_known(self) -> bool:
		"""Known in the end: given when it came in, or filled in by the rep."""
		return self.revenue_given or self.filled

	def meets_pool(self, revenue_known: bool | None = None) -> bool:
		"""The rule's pool criteria on what is known of the lead (`revenue_known`; None: in the end)."""
		known = self.revenue_known if revenue_known is None else revenue_known
		return self.industry in TARGET_INDUSTRIES and known and self.revenue >= POOL_REVENUE


@dataclass
class LeadStory:
	"""Shaped like `plan.Story` (company, start, end, deals, steps_until_end) for `history.History`."""

	company: plan.Company
	start: datetime
	end: datetime
	setup_at: datetime  # the head of sales sets up sources, industries and the rule
	campaigns: list[Campaign]
	leads: list[Lead]
	deals: list[plan.Deal]  # the converted leads' deals; Deal.customer is the lead's index
	customers: dict[int, plan.Customer]  # the converted leads as `plan_deal` needs them

	def steps_until_end(self) -> list[plan.Step]:
		"""Setup, campaigns, the leads' steps and their deals' steps before the end, in time order
		(ties: setup and campaigns, then leads, then deals; each in its own order)."""
		rows = [(self.setup_at, 0, 0, 0, plan.Step(self.setup_at, "lead_setup", -1))]
		rows += [
			(
				campaign.created,
				0,
				1,
				order,
				plan.Step(campaign.created, "lead_campaign", -1, {"name": campaign.name}),
			)
			for order, campaign in enumerate(self.campaigns)
		]
		rows += [
			(step.at, 1, lead.index, order, step)
			for lead in self.leads
			for order, step in enumerate(lead.steps)
		]
		rows += [
			(step.at, 2, deal.index, order, step)
			for deal in self.deals
			for order, step in enumerate(deal.steps)
		]
		rows = [row for row in rows if row[0] < self.end]
		rows.sort(key=lambda row: row[:4])
		return [row[4] for row in rows]


def plan_leads(
	company: plan.Company,
	seed,
	start: datetime,
	end: datetime,
	calendar: plan.Calendar,
	deal_volumes: plan.Volumes,
	volumes: LeadVolumes = DEMO_LEAD_VOLUMES,
) -> LeadStory:
	setup_at = calendar.next_working_start(start) + timedelta(minutes=30)
	campaigns = plan_campaigns(start, end, setup_at)
	story = LeadStory(company, start, end, setup_at, campaigns, [], [], {})
	# no lead deal has visits: a lead has no located site, and no rep's diary changes
	lead_deal_volumes = dataclasses.replace(
		deal_volumes, visits_per_stage=0.0, visit_before_move=0.0, photo_share=0.0
	)
	taken: set[str] = set()  # company names and mail addresses
	for rep in company.reps:
		for n, (created, source, campaign) in enumerate(
			_arrivals(seed, rep, setup_at, end, calendar, campaigns, volumes)
		):
			rng = random.Random(f"{seed}:lead:{rep.index}:{n}")
			lead = _plan_lead(rng, len(story.leads), rep, created, source, campaign, taken)
			story.leads.append(lead)
			converted = _plan_story(rng, lead, rep, calendar, end)
			if converted is not None:
				customer = _as_customer(rng, lead, rep)
				deal = plan.plan_deal(
					random.Random(f"{seed}:lead:deal:{rep.index}:{n}"),
					len(story.deals),
					rep,
					customer,
					converted,
					lead_deal_volumes,
					calendar,
					plan.Diary(deal_volumes.visit_gap_minutes),
					advance_bonus=CHANNEL[source].advance,
				)
				lead.deal = deal.index
				story.deals.append(deal)
				story.customers[lead.index] = customer
	return story


# campaigns


def plan_campaigns(start: datetime, end: datetime, setup_at: datetime) -> list[Campaign]:
	"""Trade fairs (each fair's year in the story), the quarterly WeChat live streams and the yearly
	Baidu ads; each set up a month before it starts (or when the setup is done, if later)."""
	campaigns = []
	for year in range(start.year, end.year + 1):
		for code, name_zh, month_day, days in words.TRADE_FAIRS:
			first = date.fromisoformat(f"{year}-{month_day}")
			if start.date() <= first < end.date():
				campaigns.append(
					_campaign(
						f"{code} {year} {name_zh}",
						EXHIBITION,
						first,
						first + timedelta(days=days - 1),
						words.FAIR_CAMPAIGN_TEXT.format(zh=name_zh, year=year),
						setup_at,
					)
				)
		for quarter in range(1, 5):
			first = date(year, 3 * quarter - 2, 1)
			last = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
			if first < end.date() and last >= start.date():
				name = words.SOCIAL_CAMPAIGN.format(year=year, quarter=quarter)
				campaigns.append(
					_campaign(name, "Social Media", first, last, words.SOCIAL_CAMPAIGN_TEXT, setup_at)
				)
		if date(year, 1, 1) < end.date() and date(year, 12, 31) >= start.date():
			name = words.ADS_CAMPAIGN.format(year=year)
			campaigns.append(
				_campaign(
					name,
					"Advertisement",
					date(year, 1, 1),
					date(year, 12, 31),
					words.ADS_CAMPAIGN_TEXT,
					setup_at,
				)
			)
	return sorted(campaigns, key=lambda campaign: (campaign.created, campaign.name))


def _campaign(name, source, first: date, last: date, description: str, setup_at: datetime) -> Campaign:
	created = max(datetime.combine(first - timedelta(days=30), time(10, 0)), setup_at + timedelta(minutes=10))
	return Campaign(name, source, created, first, last, description)


def _campaign_for(campaigns: list[Campaign], source: str, moment: datetime) -> Campaign | None:
	"""The campaign of `source` running at `moment` (and set up by then)."""
	for campaign in campaigns:
		if (
			campaign.source == source
			and campaign.start <= moment.date() <= campaign.end
			and campaign.created < moment
		):
			return campaign
	return None


# when leads come in


def _arrivals(seed, rep: plan.Rep, setup_at, end, calendar: plan.Calendar, campaigns, volumes: LeadVolumes):
	"""(moment, source, campaign) of a rep's leads, in time order, from the setup on (before it
	there is no rule and no Lead Source for them). Everyday leads arrive any day (fewer on days
	off, and then only through the inbound channels: nobody cold-calls on a Sunday); each trade
	fair brings cards the rep types in over the working days after it."""
	start = datetime.combine(setup_at.date(), time())
	rng = random.Random(f"{seed}:lead:rep:{rep.index}")
	arrivals = []
	inbound = [channel for channel in CHANNELS if channel.inbound]
	day = start.date()
	while day < end.date():
		working = calendar.is_working_day(day)
		mean = volumes.leads_per_rep_month * 12 / 365 * plan.SEASON[day.month] * (1.0 if working else 0.35)
		for _ in range(plan._poisson(rng, mean)):
			choices = CHANNELS if working else inbound
			channel = rng.choices(choices, weights=[c.share for c in choices])[0]
			if channel.inbound:
				# enquiries come in the evening too; the first response counts working hours only
				hour = rng.choices(range(7, 24), weights=[1, 3, 5, 6, 6, 4, 5, 6, 6, 5, 4, 3, 3, 3, 3, 2, 1])[
					0
				]
				moment = datetime.combine(day, time(hour, rng.randint(0, 59)))
			else:
				moment = datetime.combine(day, plan.WORK_START) + timedelta(
					minutes=rng.randint(10, 8 * 60 + 30)
				)
			campaign = _campaign_for(campaigns, channel.source, moment)
			if campaign is not None and rng.random() > (0.9 if channel.source == "Advertisement" else 0.5):
				campaign = None  # found us on their own, not through the campaign
			arrivals.append((moment, channel.source, campaign.name if campaign else None))
		day += timedelta(days=1)
	for campaign in campaigns:
		if campaign.source != EXHIBITION:
			continue
		after_fair = datetime.combine(campaign.end + timedelta(days=1), plan.WORK_START)
		for _ in range(plan._poisson(rng, volumes.fair_leads_per_rep)):
			moment = calendar.add_working_hours(after_fair, rng.uniform(0, 8 * plan.WORK_HOURS_PER_DAY))
			arrivals.append((moment.replace(second=0, microsecond=0), EXHIBITION, campaign.name))
	first = setup_at + timedelta(minutes=30)
	return sorted(arrival for arrival in arrivals if first <= arrival[0] < end)


# who the lead is


def _plan_lead(rng, index: int, rep: plan.Rep, created, source: str, campaign, taken: set[str]) -> Lead:
	channel = CHANNEL[source]
	industry = rng.choice(TARGET_INDUSTRIES if rng.random() < channel.target_share else OTHER_INDUSTRIES)
	word, slug, _group = INDUSTRY[industry]
	revenue = max(round(rng.lognormvariate(math.log(channel.revenue_median), 0.95), -5), 500_000.0)
	headcount = revenue / rng.uniform(400_000, 1_600_000)
	employees = next(label for low, label in EMPLOYEE_RANGES if headcount >= low or low == 1)
	name = ""
	for attempt in range(60):
		brand, brand_pinyin = rng.choice(words.LEAD_BRANDS)
		number = "" if attempt < 20 else str(attempt)
		name = f"{rep.city_zh}{brand}{word}{number}{rng.choice(words.COMPANY_SUFFIXES)}"
		if name not in taken:
			break
	taken.add(name)
	surname, surname_pinyin = rng.choice(words.SURNAMES)
	given, given_pinyin, gender = rng.choice(words.GIVEN_NAMES)
	if source == "Social Media" and rng.random() < 0.4:
		domain = rng.choice(words.FREE_MAIL_DOMAINS)
		local = f"{given_pinyin}{surname_pinyin}{rng.randint(10, 9999)}"
	else:
		domain = f"{brand_pinyin}-{slug}.example.cn"
		local = f"{given_pinyin}.{surname_pinyin}"
	email, number = f"{local}@{domain}", 1
	while email in taken:
		number += 1
		email = f"{local}{number}@{domain}"
	taken.add(email)
	request_type = None
	if rng.random() < channel.enquiry_share:
		request_type = "Product Enquiry"
	elif channel.inbound and rng.random() < 0.5:
		request_type = "Request for Information"
	lead = Lead(
		index=index,
		rep=rep.index,
		source=source,
		campaign=campaign,
		created=created,
		by_rep=not channel.inbound,
		company_name=name,
		contact=(surname + given, rng.choice(words.LEAD_TITLES), gender),
		email=email,
		mobile=f"+86 1{rng.choice('3578')}{rng.randint(0, 9)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
		industry=industry,
		revenue=revenue,
		employees=employees,
		revenue_given=rng.random() >= channel.revenue_unknown,
		employees_given=rng.random() >= channel.revenue_unknown * 0.7,
		request_type=request_type,
		territory=rep.territory,
		city_zh=rep.city_zh,
		interest=0.0,
	)
	interest = rng.gauss(channel.interest, 0.18) + (0.1 if lead.meets_pool(True) else -0.1)
	lead.interest = min(max(interest, 0.0), 1.0)
	return lead


def _as_customer(rng, lead: Lead, rep: plan.Rep) -> plan.Customer:
	"""The lead as `plan.plan_deal` needs a customer: its market and its people (the contact first)."""
	_word, _slug, group = INDUSTRY[lead.industry]
	people = [lead.contact]
	for title in rng.sample([t for t in words.CONTACT_TITLES if t != lead.contact[1]], 3):
		surname, _pinyin = rng.choice(words.SURNAMES)
		given, _given_pinyin, gender = rng.choice(words.GIVEN_NAMES)
		people.append((surname + given, title, gender))
	return plan.Customer(
		index=lead.index,
		name=lead.company_name,
		group=group or "Machine Builders",  # off-market leads buy what a machine builder buys
		territory=lead.territory,
		rep=rep.index,
		address_line="",
		city_zh=lead.city_zh,
		latitude=rep.centre[0],
		longitude=rep.centre[1],
		location="none",
		contacts=tuple(people),
	)


# what happens with it


def first_response_hours(rng, rep: plan.Rep) -> float | None:
	"""Working hours until the rep first answers a lead; None: never. Diligent reps answer the same
	morning, careless ones a day or days later, some never (the hot ones raise alerts)."""
	if rng.random() < (1 - rep.diligence) * 0.35:
		return None
	if rng.random() < rep.diligence:
		return rng.uniform(0.2, 3.5)
	return rng.uniform(6, 30) if rng.random() < 0.6 else rng.uniform(30, 110)


def _plan_story(rng, lead: Lead, rep: plan.Rep, calendar: plan.Calendar, end: datetime) -> datetime | None:
	"""The lead's steps; returns when it becomes a deal (None: it does not, before the end)."""
	channel = CHANNEL[lead.source]

	def add(at: datetime, kind: str, **data):
		lead.steps.append(plan.Step(at.replace(microsecond=0), kind, lead.index, data))

	def later(moment: datetime, low: float, high: float) -> datetime:
		return calendar.add_working_hours(moment, rng.uniform(low, high))

	add(lead.created, "lead_new")
	if channel.inbound:
		subject, message = rng.choice(words.LEAD_ENQUIRIES[lead.source])
		add(
			lead.created + timedelta(minutes=rng.randint(1, 3)),
			"lead_mail_in",
			subject=subject,
			message=message,
		)
	if lead.source == "Cold Calling":
		# the lead is typed in after the call that found it: contacted at once
		contacted = lead.created + timedelta(minutes=rng.randint(2, 6))
		add(
			contacted, "lead_call", note=rng.choice(words.LEAD_CALL_NOTES["cold"]), minutes=rng.randint(3, 12)
		)
		if lead.interest < 0.2 and rng.random() < 0.3:
			add(contacted + timedelta(minutes=2), "lead_status", status="Do Not Contact")
			return None
	else:
		hours = first_response_hours(rng, rep)
		if hours is None:
			# nobody answers; a keen lead writes again
			if channel.inbound and rng.random() < lead.interest:
				subject, message = rng.choice(words.LEAD_MAILS_RECEIVED)
				add(
					later(lead.created, 12, 60),
					"lead_mail_in",
					subject=f"再次咨询 {subject}",
					message=message,
				)
			return None
		contacted = calendar.add_working_hours(lead.created, hours)
		if rng.random() < 0.55:
			add(
				contacted,
				"lead_call",
				note=rng.choice(words.LEAD_CALL_NOTES["first"]),
				minutes=rng.randint(4, 20),
			)
		else:
			subject, message = rng.choice(words.LEAD_MAILS_SENT)
			add(contacted, "lead_mail_out", subject=subject, message=message)
	last = contacted
	if not lead.revenue_given or not lead.employees_given:
		if rng.random() < 0.65:
			# asked on the first contact: the rep fills in what the lead had not said
			last = contacted + timedelta(minutes=rng.randint(5, 30))
			add(last, "lead_fill", revenue=lead.revenue, employees=lead.employees)
			lead.filled = True
	met = False
	for _ in range(min(plan._poisson(rng, 0.3 + 3.2 * lead.interest), 6)):
		moment = later(last, 6, 90)
		kind = rng.choices(
			("mail_in", "mail_out", "call", "meeting"),
			weights=(0.3 + 0.2 * lead.interest, 0.25, 0.3, 0.05 + 0.3 * lead.interest),
		)[0]
		if kind == "meeting":
			subject, description = rng.choice(words.LEAD_MEETINGS)
			starts = later(moment, 9, 45).replace(minute=0, second=0)
			add(
				moment,
				"lead_meeting",
				subject=subject,
				description=description,
				starts=starts,
				hours=rng.choice((1, 1, 2)),
			)
			moment, met = starts + timedelta(hours=2), True
		elif kind == "call":
			add(
				moment,
				"lead_call",
				note=rng.choice(words.LEAD_CALL_NOTES["later"]),
				minutes=rng.randint(5, 25),
			)
		else:
			pool = words.LEAD_MAILS_RECEIVED if kind == "mail_in" else words.LEAD_MAILS_SENT
			subject, message = rng.choice(pool)
			add(moment, f"lead_{kind}", subject=subject, message=message)
		last = moment
	chance = (
		channel.convert
		* (1.0 if lead.meets_pool() else 0.08)
		* (0.55 + 0.9 * rep.skill)
		* (0.3 + 1.2 * lead.interest)
		* (1.3 if met else 1.0)
	)
	if rng.random() < chance:
		converted = later(last, 4, 60).replace(microsecond=0)
		if converted < end:
			return converted
	if met and rng.random() < 0.6:
		add(last + timedelta(minutes=5), "lead_status", status="Interested")
	return None
