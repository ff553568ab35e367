"""The demo's story, decided before anything is written: the people, the customers, and every deal's
steps in time.

Pure Python (no frappe), so the site-free tests can check it and both writers use it: `history`
plays the steps through the app's own logic, `scale` turns them into rows in bulk. Everything comes
from `random.Random` objects seeded from the demo's seed (strings seed deterministically), one per
rep and one per deal, so a deal's story does not change when another rep is added.

Times are naive datetimes in the site's time zone. A step never depends on a later one, so cutting
the story at the end date leaves every deal in a state the app could have reached.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sales_process.demo import vocabulary as words
from sales_process.setup.default_objections import DEFAULT_OBJECTION_TYPES

# ERPNext's default Sales Stages, in the app's process order (engine.stages.DEFAULT_STAGES)
STAGES = (
	"Prospecting",
	"Qualification",
	"Needs Analysis",
	"Value Proposition",
	"Identifying Decision Makers",
	"Perception Analysis",
	"Proposal/Price Quote",
	"Negotiation/Review",
)
NEEDS_ANALYSIS = STAGES.index("Needs Analysis")
PERCEPTION = STAGES.index("Perception Analysis")
PROPOSAL = STAGES.index("Proposal/Price Quote")
NEGOTIATION = STAGES.index("Negotiation/Review")

# median working days a deal spends in each stage, and the share of deals that move on from it
# (for an average rep; skill moves both)
STAGE_DAYS = (2, 3, 4, 3, 3, 3, 5, 6)
STAGE_ADVANCE = (0.8, 0.8, 0.84, 0.88, 0.88, 0.9, 0.78, 0.74)
# chance per stage that a deal goes quiet and stays open, untouched (more for careless reps)
SILENCE, SILENCE_SLOPPY = 0.02, 0.3
# what the way a deal is worked adds to its chance of advancing at each stage (see
# _DealStory.process_effect)
EFFECTS = {
	"requirement_on_time": 0.05,
	"requirement_overdue": -0.1,
	"competitor_answered": -0.04,
	"competitor_unanswered": -0.12,
	"risk_without_strategy": -0.07,
	"decision_chain_late": -0.1,
	"repeat_customer": 0.1,
}
# the objection types that raise a risk signal (and start Risk Pre-registration), as the app ships them
RISK_TYPES = frozenset(row["type_name"] for row in DEFAULT_OBJECTION_TYPES if row.get("raises_risk"))

WORK_START = time(9, 0)
WORK_END = time(18, 0)
WORK_HOURS_PER_DAY = 9


@dataclass(frozen=True)
class Volumes:
	"""How much happens per rep: the knobs behind the demo's and the benchmark's sizes."""

	deals_per_rep_month: float
	customers_per_rep: int
	visits_per_stage: float
	# chance that a visit (or a call) brings an objection
	objection_share: float = 0.3
	# share of deals where a competitor is named
	competitor_share: float = 0.4
	# share of visits with a photo (diligent reps take more)
	photo_share: float = 0.12
	# chance that a stage move follows a visit in the two days before it
	visit_before_move: float = 0.35
	# least time between two check-ins of one rep (shorter ones would read as impossible travel)
	visit_gap_minutes: int = 120


# 30 reps x 12 months through the app's logic: about 370 deals and 750 visits (each step is a real
# document save: 0.1-0.4 s on a small, busy server)
DEMO_VOLUMES = Volumes(
	deals_per_rep_month=1.0,
	customers_per_rep=8,
	visits_per_stage=0.22,
	visit_before_move=0.3,
	photo_share=0.08,
)
# DESIGN.md section 3: 500 reps, 200 000 deals and 1.8 M visits a year (about 14 check-ins per rep and
# working day, 18 minutes apart at the least: the diary, not visits_per_stage, sets how many fit);
# written in bulk
BENCHMARK_VOLUMES = Volumes(
	deals_per_rep_month=34.3,
	customers_per_rep=12,
	visits_per_stage=4.8,
	photo_share=0.0,
	visit_gap_minutes=18,
)


# ---------------------------------------------------------------------------------------------
# the working calendar


class Calendar:
	"""Working days (no weekend, no public holiday) and working hours 09:00-18:00."""

	def __init__(self, holidays: Iterable[date]):
		self.holidays = frozenset(holidays)

	def is_working_day(self, day: date) -> bool:
		return day.weekday() < 5 and day not in self.holidays

	def next_working_start(self, moment: datetime) -> datetime:
		"""`moment` if it is in working hours, else the start of the next working period."""
		day = moment.date()
		if self.is_working_day(day) and WORK_START <= moment.time() < WORK_END:
			return moment
		if self.is_working_day(day) and moment.time() < WORK_START:
			return datetime.combine(day, WORK_START)
		day += timedelta(days=1)
		while not self.is_working_day(day):
			day += timedelta(days=1)
		return datetime.combine(day, WORK_START)

	def add_working_hours(self, moment: datetime, hours: float) -> datetime:
		current = self.next_working_start(moment)
		remaining = timedelta(hours=max(hours, 0))
		while True:
			day_end = datetime.combine(current.date(), WORK_END)
			if current + remaining < day_end:
				return current + remaining
			remaining -= day_end - current
			current = self.next_working_start(day_end)

	def working_days(self, start: date, end: date) -> list[date]:
		days, day = [], start
		while day < end:
			if self.is_working_day(day):
				days.append(day)
			day += timedelta(days=1)
		return days


def holidays_between(start: date, end: date) -> list[date]:
	"""Weekends and the public holidays of `vocabulary.PUBLIC_HOLIDAYS` in [start, end]."""
	public = set()
	for year, spans in words.PUBLIC_HOLIDAYS.items():
		for month_day, length in spans:
			first = date.fromisoformat(f"{year}-{month_day}")
			public.update(first + timedelta(days=i) for i in range(length))
	days, day = [], start
	while day <= end:
		if day.weekday() >= 5 or day in public:
			days.append(day)
		day += timedelta(days=1)
	return days


def base_date(today: date, months: int) -> date:
	"""The first day of the month `months` months before `today`'s."""
	month_index = today.year * 12 + today.month - 1 - months
	return date(month_index // 12, month_index % 12 + 1, 1)


# ---------------------------------------------------------------------------------------------
# people and customers


@dataclass(frozen=True)
class Person:
	full_name: str
	email: str
	gender: str
	birth_year: int
	joined: date


@dataclass(frozen=True)
class Rep:
	index: int
	person: Person
	team: int
	territory: str
	city_zh: str
	centre: tuple[float, float]
	style: str
	skill: float  # 0..1: how far deals get
	diligence: float  # 0..1: checkpoints done, and done on time
	honesty: float  # 0..1: check-ins made at the customer's site
	pace: float  # dwell-time factor (> 1: slower)


@dataclass(frozen=True)
class Team:
	index: int
	region: str
	manager: Person


@dataclass(frozen=True)
class Customer:
	index: int
	name: str
	group: str
	territory: str
	rep: int
	address_line: str
	city_zh: str
	latitude: float
	longitude: float
	# "confirmed" (located by a Sales Manager), "unconfirmed" (by the rep), "none" (no location)
	location: str
	contacts: tuple[tuple[str, str, str], ...]  # (full name, title, gender)


@dataclass
class Company:
	name: str
	abbr: str
	domain: str
	head: Person
	finance: Person
	teams: list[Team]
	reps: list[Rep]
	customers: list[Customer]


STYLES = {
	# skill, diligence, honesty, pace
	"star": (0.82, 0.96, 0.99, 0.8),
	"steady": (0.58, 0.8, 0.96, 1.0),
	"sloppy": (0.42, 0.38, 0.8, 1.25),
	"rookie": (0.32, 0.6, 0.93, 1.3),
}
# 20 % stars, 40 % steady, 25 % sloppy, 15 % rookies: the compliance bands spread
STYLE_SHARES = (("star", 0.2), ("steady", 0.4), ("sloppy", 0.25), ("rookie", 0.15))


def team_count(reps: int) -> int:
	return min(5, max(3, round(reps / 8)))


def plan_company(seed, reps: int, volumes: Volumes, name: str, abbr: str, today: date) -> Company:
	rng = random.Random(f"{seed}:company")
	domain = "".join(character for character in abbr.lower() if character.isalnum()) + ".example.com"
	used_emails: set[str] = set()

	def person(birth_years=(1980, 1998), joined_years=(2015, 2024)) -> Person:
		surname, surname_pinyin = rng.choice(words.SURNAMES)
		given, given_pinyin, gender = rng.choice(words.GIVEN_NAMES)
		local = f"{given_pinyin}.{surname_pinyin}"
		email, number = f"{local}@{domain}", 1
		while email in used_emails:
			number += 1
			email = f"{local}{number}@{domain}"
		used_emails.add(email)
		joined = date(rng.randint(*joined_years), rng.randint(1, 12), rng.randint(1, 28))
		return Person(surname + given, email, gender, rng.randint(*birth_years), min(joined, today))

	head = person((1972, 1982), (2012, 2016))
	finance = person((1978, 1990), (2013, 2020))
	regions = list(words.REGIONS)[: team_count(reps)]
	teams = [Team(i, region, person((1978, 1988), (2014, 2019))) for i, region in enumerate(regions)]

	styles = _style_pattern(seed)
	rep_list = []
	for index in range(reps):
		team = teams[index % len(teams)]
		cities = words.REGIONS[team.region]
		territory, city_zh, centre = cities[(index // len(teams)) % len(cities)]
		style = styles[index % len(styles)]
		skill, diligence, honesty, pace = STYLES[style]
		rep_list.append(
			Rep(
				index=index,
				person=person(),
				team=team.index,
				territory=territory,
				city_zh=city_zh,
				centre=centre,
				style=style,
				skill=_clip(skill + rng.uniform(-0.07, 0.07)),
				diligence=_clip(diligence + rng.uniform(-0.05, 0.04)),
				honesty=_clip(honesty + rng.uniform(-0.04, 0.01)),
				pace=pace * rng.uniform(0.9, 1.1),
			)
		)
	customers = _plan_customers(seed, rep_list, volumes.customers_per_rep)
	return Company(name, abbr, domain, head, finance, teams, rep_list, customers)


def _style_pattern(seed) -> list[str]:
	"""Styles in a shuffled block of 20 repeated over the reps: rep N's style does not depend on how
	many reps there are."""
	styles = [style for style, share in STYLE_SHARES for _ in range(round(share * 20))]
	random.Random(f"{seed}:styles").shuffle(styles)
	return styles


def _plan_customers(seed, reps: list[Rep], per_rep: int) -> list[Customer]:
	customers: list[Customer] = []
	names: set[str] = set()
	for rep in reps:
		rng = random.Random(f"{seed}:customers:{rep.index}")
		for _ in range(per_rep):
			group, industry_word = rng.choice(words.CUSTOMER_GROUPS)
			name = ""
			for attempt in range(50):
				brand = rng.choice(words.CUSTOMER_BRANDS)
				suffix = "" if attempt < 10 else str(attempt)
				name = f"{rep.city_zh}{brand}{industry_word}{suffix}有限公司"
				if name not in names:
					break
			names.add(name)
			# plants sit in industrial parks up to ~15 km from the city centre
			bearing, distance = rng.uniform(0, 2 * math.pi), rng.uniform(2_000, 15_000)
			latitude, longitude = offset(rep.centre, bearing, distance)
			roll = rng.random()
			location = "confirmed" if roll < 0.9 else ("unconfirmed" if roll < 0.97 else "none")
			contacts = []
			for title in rng.sample(words.CONTACT_TITLES, 4):
				surname, _pinyin = rng.choice(words.SURNAMES)
				given, _given_pinyin, gender = rng.choice(words.GIVEN_NAMES)
				contacts.append((surname + given, title, gender))
			customers.append(
				Customer(
					index=len(customers),
					name=name,
					group=group,
					territory=rep.territory,
					rep=rep.index,
					address_line=f"{rng.choice(words.ROADS)}{rng.randint(1, 999)}号",
					city_zh=rep.city_zh,
					latitude=round(latitude, 6),
					longitude=round(longitude, 6),
					location=location,
					contacts=tuple(contacts),
				)
			)
	return customers


def offset(origin: tuple[float, float], bearing: float, metres: float) -> tuple[float, float]:
	"""The point `metres` from `origin` towards `bearing` (radians); flat-earth is fine below 50 km."""
	latitude, longitude = origin
	north, east = metres * math.cos(bearing), metres * math.sin(bearing)
	return (
		latitude + north / 111_320.0,
		longitude + east / (111_320.0 * math.cos(math.radians(latitude))),
	)


def _clip(value: float, low: float = 0.02, high: float = 0.99) -> float:
	return min(max(value, low), high)


# ---------------------------------------------------------------------------------------------
# deals


@dataclass
class Step:
	at: datetime
	kind: str
	deal: int
	data: dict = field(default_factory=dict)


@dataclass
class Deal:
	index: int
	rep: int
	customer: int
	created: datetime
	items: list[tuple[str, int, float]]  # (item code, qty, rate)
	outcome: str  # "won", "lost" or "open" (went quiet), as planned; the end date may cut it earlier
	last_stage: int
	steps: list[Step]

	@property
	def amount(self) -> float:
		return sum(qty * rate for _code, qty, rate in self.items)


@dataclass
class Story:
	company: Company
	start: datetime
	end: datetime
	deals: list[Deal]

	def steps_until_end(self) -> list[Step]:
		"""Every step before the end date, in time order (ties: deal, then the deal's own order)."""
		steps = [
			(step.at, deal.index, order, step)
			for deal in self.deals
			for order, step in enumerate(deal.steps)
			if step.at < self.end
		]
		steps.sort(key=lambda row: row[:3])
		return [row[3] for row in steps]


ITEMS_BY_CODE = {item[0]: item for item in words.ITEMS}
# what each industry buys (item groups, most likely first)
GROUP_PREFERENCES = {
	"Automotive Parts": ["Servo Systems", "PLC & Controllers", "Sensors & Vision", "Services"],
	"Electronics Manufacturing": ["Sensors & Vision", "Servo Systems", "PLC & Controllers", "HMI & Displays"],
	"Food & Beverage": ["PLC & Controllers", "HMI & Displays", "Sensors & Vision", "Services"],
	"Packaging Machinery": ["Servo Systems", "PLC & Controllers", "HMI & Displays", "Sensors & Vision"],
	"Textiles": ["Servo Systems", "HMI & Displays", "PLC & Controllers", "Services"],
	"Machine Builders": ["PLC & Controllers", "Servo Systems", "Sensors & Vision", "HMI & Displays"],
}
# a rough year: Spring Festival slows February, the fourth quarter is busy
SEASON = {
	1: 0.9,
	2: 0.6,
	3: 1.05,
	4: 1.0,
	5: 0.95,
	6: 1.0,
	7: 0.95,
	8: 0.9,
	9: 1.05,
	10: 0.85,
	11: 1.15,
	12: 1.1,
}


def plan_story(
	company: Company, seed, start: datetime, end: datetime, volumes: Volumes, calendar: Calendar
) -> Story:
	deals: list[Deal] = []
	for rep in company.reps:
		deals += plan_rep(company, rep, seed, start, end, volumes, calendar, first_index=len(deals))
	return Story(company, start, end, deals)


def plan_rep(
	company: Company,
	rep: Rep,
	seed,
	start: datetime,
	end: datetime,
	volumes: Volumes,
	calendar: Calendar,
	first_index: int = 0,
) -> list[Deal]:
	"""One rep's deals (the bulk writer takes them rep by rep, so a year of 500 reps never sits in memory)."""
	rng = random.Random(f"{seed}:rep:{rep.index}")
	customers = [customer for customer in company.customers if customer.rep == rep.index]
	diary = Diary(volumes.visit_gap_minutes)
	bought: dict[int, list[tuple[str, int, float]]] = {}
	first_order: dict[int, datetime] = {}  # when each customer's first order was submitted
	deals = []
	for created in _creation_times(rng, rep, start, end, volumes, calendar):
		customer = rng.choice(customers)
		index = first_index + len(deals)
		deal_rng = random.Random(f"{seed}:deal:{rep.index}:{len(deals)}")
		ordered_before = customer.index in first_order and first_order[customer.index] < created
		deal = plan_deal(
			deal_rng,
			index,
			rep,
			customer,
			created,
			volumes,
			calendar,
			diary,
			bought.get(customer.index),
			repeat_customer=ordered_before,
		)
		bought.setdefault(customer.index, deal.items)
		ordered = [step.at for step in deal.steps if step.kind == "submit_order"]
		if ordered and (customer.index not in first_order or ordered[0] < first_order[customer.index]):
			first_order[customer.index] = ordered[0]
		deals.append(deal)
	return deals


def _creation_times(rng, rep: Rep, start: datetime, end: datetime, volumes: Volumes, calendar: Calendar):
	"""New deals as a Poisson process over working days (the pipeline before the start is not simulated)."""
	times = []
	rate_per_day = volumes.deals_per_rep_month / 21.0 * (0.8 + 0.4 * rep.skill)
	for day in calendar.working_days(start.date(), end.date()):
		for _ in range(_poisson(rng, rate_per_day * SEASON[day.month])):
			moment = datetime.combine(day, WORK_START) + timedelta(minutes=rng.randint(0, 8 * 60))
			if moment < end:
				times.append(moment)
	return sorted(times)


def _poisson(rng: random.Random, mean: float) -> int:
	if mean <= 0:
		return 0
	limit, count, product = math.exp(-mean), 0, rng.random()
	while product > limit:
		count += 1
		product *= rng.random()
	return count


class Diary:
	"""A rep's check-ins, so two visits are never closer than the gap (which would read as
	impossible travel); one sorted list of minutes per day."""

	def __init__(self, gap_minutes: int):
		self.gap = gap_minutes
		self.days: dict[date, list[int]] = {}

	def book(self, calendar: Calendar, at: datetime, rng: random.Random) -> datetime | None:
		"""The first free check-in time from `at` on (09:00-16:30), or None after a few tries."""
		latest = time(16, 30)
		for _ in range(12):
			at = calendar.next_working_start(at)
			if at.time() > latest:
				at = calendar.next_working_start(datetime.combine(at.date(), WORK_END))
			minutes = at.hour * 60 + at.minute
			booked = self.days.setdefault(at.date(), [])
			position = bisect.bisect_left(booked, minutes)
			free = (position == 0 or minutes - booked[position - 1] >= self.gap) and (
				position == len(booked) or booked[position] - minutes >= self.gap
			)
			if free:
				booked.insert(position, minutes)
				return at.replace(second=0, microsecond=0)
			at += timedelta(minutes=self.gap + rng.randint(0, 59))
		return None


def _choose_items(rng: random.Random, customer: Customer, previous) -> list[tuple[str, int, float]]:
	if previous and rng.random() < 0.65:
		# a repeat order: the same products again (it matches the purchase history)
		return [(code, max(1, round(qty * rng.uniform(0.6, 1.5))), rate) for code, qty, rate in previous]
	lines = []
	if rng.random() < 0.06:
		lines.append(("LINE-RETRO", 1, ITEMS_BY_CODE["LINE-RETRO"][4] * rng.uniform(0.8, 2.5)))
	for group in GROUP_PREFERENCES[customer.group][: rng.choice((1, 1, 2, 2, 3))]:
		candidates = [item for item in words.ITEMS if item[3] == group and item[0] != "LINE-RETRO"]
		code, _zh, _en, _group, price, typical = rng.choice(candidates)
		qty = max(1, round(typical * rng.lognormvariate(0, 0.6)))
		lines.append((code, qty, float(price)))
	if rng.random() < 0.25:
		lines.append(("SVC-COM", rng.randint(3, 20), float(ITEMS_BY_CODE["SVC-COM"][4])))
	merged: dict[str, tuple[str, int, float]] = {}
	for code, qty, rate in lines:
		if code in merged:
			qty += merged[code][1]
		merged[code] = (code, qty, round(rate, 2))
	return list(merged.values())


# steps that are the rep's work on a live deal: none is planned after the deal is won or lost
LIVE_WORK = frozenset(
	{
		"complete",
		"decision_chain",
		"waive",
		"risk_strategy",
		"competitor_named",
		"competitor_response",
		"check_in",
		"photo",
		"check_out",
		"objection",
		"move",
		"quote",
		"submit_quote",
	}
)


def plan_deal(
	rng: random.Random,
	index: int,
	rep: Rep,
	customer: Customer,
	created: datetime,
	volumes: Volumes,
	calendar: Calendar,
	diary: Diary,
	previous_items=None,
	repeat_customer: bool = False,
	advance_bonus: float = 0.0,
) -> Deal:
	"""One deal from creation to won, lost or still open, as timed steps.

	Gates are met the way a rep meets them: a checkpoint that gates leaving a stage (or a submit)
	is completed (or waived by a manager) before the move, so no move waits for the app to refuse
	it. A diligent rep completes records early, a sloppy one at the last moment, or never where
	nothing forces it (competitor and risk records, or a deal that dies first). How the deal is
	worked moves its chance to advance at each stage (`_DealStory.process_effect`), and so does
	`advance_bonus` (a converted lead's channel: a referral is an easier sale than a cold call).
	"""
	items = _choose_items(rng, customer, previous_items)
	steps: list[Step] = []
	story = _DealStory(rng, index, rep, customer, volumes, calendar, diary, steps)
	story.repeat_customer = repeat_customer
	expected_days = sum(STAGE_DAYS) * rep.pace * 1.4
	closing = (created + timedelta(days=expected_days)).date()
	story.add(created, "create", expected_closing=closing, items=items)
	story.requirement_clarification(created)
	enter, stage, outcome = created, 0, "open"
	skip_perception = rng.random() < 0.4
	while True:
		days = STAGE_DAYS[stage] * rep.pace * rng.lognormvariate(0, 0.5)
		if rng.random() < 0.06 + 0.1 * (1 - rep.diligence):
			days *= rng.uniform(2.5, 5)  # the deal stalls: nobody touches it for weeks
		leave = calendar.add_working_hours(enter, days * WORK_HOURS_PER_DAY)
		found = story.activity(stage, enter, leave)
		if rng.random() < SILENCE + SILENCE_SLOPPY * (1 - rep.diligence):
			# the deal goes quiet: nobody works on it, nobody closes it (a stalled deal in the reports)
			closed = leave
			break
		if stage == PROPOSAL:
			leave = story.proposal(enter, leave)
		p_advance = (
			STAGE_ADVANCE[stage]
			+ (rep.skill - 0.5) * 0.28
			- 0.03 * len(found)
			+ story.process_effect(stage, leave)
			+ advance_bonus
		)
		if rng.random() >= p_advance:
			closed = story.lost(stage, leave)
			outcome = "lost"
			break
		if stage == NEEDS_ANALYSIS:
			leave = story.before_leaving_needs_analysis(leave)
		if stage == NEGOTIATION:
			closed = story.won(leave)
			outcome = "won"
			break
		story.visit_before_move(stage, enter, leave)
		next_stage = stage + 2 if stage + 1 == PERCEPTION and skip_perception else stage + 1
		story.add(leave, "move", stage=STAGES[next_stage])
		enter, stage = leave + timedelta(minutes=rng.randint(1, 20)), next_stage
		if stage == PROPOSAL:
			story.decision_chain(enter)
	# work planned past the end of the deal never happens (the record stays as it was)
	steps[:] = [step for step in steps if step.at < closed or step.kind not in LIVE_WORK]
	story.close_statuses(outcome, closed)
	return Deal(index, rep.index, customer.index, created, items, outcome, stage, steps)


class _DealStory:
	"""The parts of a deal's story, kept apart so `plan_deal` reads as the funnel."""

	def __init__(self, rng, index, rep, customer, volumes, calendar, diary, steps):
		self.rng, self.index, self.rep, self.customer = rng, index, rep, customer
		self.volumes, self.calendar, self.diary, self.steps = volumes, calendar, diary, steps
		self.visits = 0
		self.objections: list[str] = []
		self.competitor: str | None = None
		self.created: datetime | None = None
		self.requirement_done: datetime | None = None
		self.decision_chain_done: datetime | None = None
		self.quotation_submitted = False
		self.quote: Step | None = None
		self.lost_reason: str | None = None
		self.repeat_customer = False
		self.competitor_named: datetime | None = None
		self.competitor_answered: datetime | None = None
		self.decision_chain_due: datetime | None = None
		self.risks: list[tuple[datetime, datetime | None]] = []  # raised, strategy chosen (or waived)

	def add(self, at: datetime, step_kind: str, **data):
		self.steps.append(Step(at, step_kind, self.index, data))

	def diligent(self, share: float = 1.0) -> bool:
		return self.rng.random() < self.rep.diligence * share

	def process_effect(self, stage: int, at: datetime) -> float:
		"""What the way the deal has been worked by `at` adds to its chance of advancing from
		`stage` (seed 003: reps above 85 % compliance win 63.2 % a quarter, below 70 % only
		11.7 %). The requirement confirmed within its 48 h helps, left overdue hurts; a competitor
		named hurts, more while unanswered; each risk left without a strategy hurts; a decision
		chain mapped after its due time (the veto holder found late) hurts the last stages; a
		customer who ordered before helps. Only what the app records counts, and only what had
		happened by `at`: the same seed still tells the same story."""
		effect = 0.0
		requirement_due = self.created + timedelta(hours=48)
		if self.requirement_done is not None and self.requirement_done <= min(requirement_due, at):
			effect += EFFECTS["requirement_on_time"]
		elif at > requirement_due:
			effect += EFFECTS["requirement_overdue"]
		if self.competitor_named is not None and self.competitor_named <= at:
			answered = self.competitor_answered is not None and self.competitor_answered <= at
			effect += EFFECTS["competitor_answered" if answered else "competitor_unanswered"]
		effect += EFFECTS["risk_without_strategy"] * sum(
			1 for raised, handled in self.risks if raised <= at and (handled is None or handled > at)
		)
		chain_late = (
			self.decision_chain_done is not None
			and self.decision_chain_due is not None
			and self.decision_chain_done > self.decision_chain_due
		)
		if stage >= PROPOSAL and chain_late:
			effect += EFFECTS["decision_chain_late"]
		if self.repeat_customer:
			effect += EFFECTS["repeat_customer"]
		return effect

	def later(self, start: datetime, low: float, high: float) -> datetime:
		"""`low` to `high` working hours after `start`."""
		return self.calendar.add_working_hours(start, self.rng.uniform(low, high))

	# checkpoints that gate

	def requirement_clarification(self, created: datetime):
		"""Starts with the deal (due in 48 h): the diligent confirm it in writing at once."""
		self.created = created
		if self.diligent():
			done = self.later(created, 0.5, 8)
		elif self.rng.random() < 0.5:
			done = self.later(created, 20, 60)
		else:
			return  # only when the gate asks for it (leaving Needs Analysis), if the deal gets there
		self.requirement_done = done
		self.add(done, "complete", checkpoint="Requirement Clarification")

	def before_leaving_needs_analysis(self, leave: datetime) -> datetime:
		if self.requirement_done is not None and self.requirement_done < leave:
			return leave
		done = max(leave - timedelta(hours=self.rng.uniform(0.5, 3)), self.created + timedelta(minutes=5))
		self.requirement_done = done
		self.add(done, "complete", checkpoint="Requirement Clarification")
		return max(leave, done + timedelta(minutes=30))

	def decision_chain(self, entered: datetime):
		"""Starts on entering Proposal/Price Quote (5 working days); it gates leaving that stage."""
		self.decision_chain_due = self.calendar.add_working_hours(entered, 5 * WORK_HOURS_PER_DAY)
		if self.rng.random() < 0.05:
			done = self.later(entered, 2, 30)
			self.add(done, "waive", checkpoint="Decision Chain Mapping")
		else:
			done = self.later(entered, 3, 40) if self.diligent() else self.later(entered, 46, 110)
			self.add(done, "decision_chain", roles=3 + (self.rng.random() < 0.3))
		self.decision_chain_done = done

	def proposal(self, enter: datetime, leave: datetime) -> datetime:
		"""The quotation is drafted (Solution Match Verification starts) and submitted to the customer."""
		draft = self.later(enter, 2, 20)
		discount = round(self.rng.uniform(0, 0.04 + 0.08 * (1 - self.rep.skill)), 3)
		self.add(draft, "quote", discount=discount, valid_days=30)
		self.quote = self.steps[-1]
		submit = self.later(draft, 1, 18) if self.diligent() else self.later(draft, 30, 70)
		self.add(submit, "submit_quote")
		self.quotation_submitted = True
		# leaving the stage waits for the quotation and the decision chain
		return max(leave, submit, self.decision_chain_done) + timedelta(minutes=self.rng.randint(30, 240))

	def won(self, leave: datetime) -> datetime:
		"""The contract: the order is drafted, the signed key terms attached, then it is submitted."""
		draft = self.calendar.next_working_start(leave + timedelta(minutes=self.rng.randint(30, 240)))
		self.add(draft, "order", delivery_days=self.rng.randint(14, 45))
		# the quotation stays valid until the customer orders (a rep extends it when talks drag on)
		self.quote.data["valid_days"] = max(30, (draft - self.quote.at).days + 14)
		if self.rng.random() < 0.03:
			done = self.later(draft, 1, 20)
			self.add(done, "waive", checkpoint="Contract Terms Consensus")
		else:
			done = self.later(draft, 0.5, 12) if self.diligent() else self.later(draft, 30, 60)
			self.add(done, "complete", checkpoint="Contract Terms Consensus")
		submitted = done + timedelta(minutes=self.rng.randint(20, 180))
		self.add(submitted, "submit_order")
		return submitted

	def lost(self, stage: int, at: datetime) -> datetime:
		rng = self.rng
		if self.objections and rng.random() < 0.7:
			reason = words.LOSS_FROM_OBJECTION[self.objections[-1]]
		elif stage <= NEEDS_ANALYSIS:
			reason = rng.choice(("silence", "budget", "fit", "silence"))
		else:
			reason = rng.choice(("price", "competitor", "tender", "delay", "competitor"))
		competitor = None
		if reason == "competitor":
			competitor = self.competitor or rng.choice(words.COMPETITORS)[0]
		self.lost_reason = reason
		self.add(at, "lost", reason=reason, competitor=competitor, after_quotation=self.quotation_submitted)
		return at

	# what happens in a stage

	def activity(self, stage: int, enter: datetime, leave: datetime) -> list[str]:
		"""Visits, calls that bring objections, and the competitor the customer names."""
		days = max((leave - enter).total_seconds() / 86400, 0.5)
		found = []
		for _ in range(_poisson(self.rng, self.volumes.visits_per_stage * min(2.0, 0.4 + days / 7))):
			found += self.visit(stage, self.random_moment(enter, leave), leave)
		if self.rng.random() < self.volumes.objection_share * 0.5:
			at = self.random_moment(enter, leave)
			if at < leave - timedelta(minutes=10):
				found += self.objection(stage, at, self.rng.choice(("Call", "Email", "Chat", "Meeting")))
		if (
			self.competitor is None
			and 1 <= stage <= PROPOSAL
			and self.rng.random() < self.volumes.competitor_share / 4
		):
			at = self.random_moment(enter, leave)
			if at < leave - timedelta(minutes=10):
				self.name_competitor(at)
		return found

	def visit_before_move(self, stage: int, enter: datetime, leave: datetime):
		"""Many moves follow a visit in the two days before: the visit that moved the deal."""
		if self.rng.random() < self.volumes.visit_before_move:
			self.visit(stage, self.random_moment(max(enter, leave - timedelta(days=2)), leave), leave)

	def random_moment(self, start: datetime, end: datetime) -> datetime:
		seconds = max((end - start).total_seconds(), 60)
		moment = start + timedelta(seconds=self.rng.uniform(0, seconds))
		return self.calendar.next_working_start(moment).replace(microsecond=0)

	def visit(self, stage: int, wanted: datetime, before: datetime) -> list[str]:
		"""Check in (near the site, or not), maybe a photo, check out with a note; an objection heard
		there is filed right after; a manager looks at half the flagged ones."""
		rng, rep = self.rng, self.rep
		duration = timedelta(minutes=rng.uniform(25, 110))
		at = self.diary.book(self.calendar, wanted, rng)
		if at is None or at + duration + timedelta(minutes=5) >= before:
			return []  # no free slot while the deal is still in this stage
		key = self.visits
		self.visits += 1
		honest = rng.random() < rep.honesty
		if honest:
			# at the gate or in the workshop; now and then the phone's fix drifts past the fence
			distance = abs(rng.gauss(0, 130)) if rng.random() > 0.03 else rng.uniform(520, 900)
		else:
			distance = rng.uniform(1_500, 15_000)  # checked in from the office or from home
		latitude, longitude = offset(
			(self.customer.latitude, self.customer.longitude), rng.uniform(0, 2 * math.pi), distance
		)
		roll = rng.random()
		accuracy = (
			rng.uniform(4, 25)
			if roll < 0.7
			else rng.uniform(25, 90)
			if roll < 0.96
			else rng.uniform(110, 300)
		)
		self.add(
			at,
			"check_in",
			visit=key,
			latitude=round(latitude, 6),
			longitude=round(longitude, 6),
			accuracy=round(accuracy, 1),
			device=rng.randrange(len(words.DEVICES)),
		)
		if rng.random() < self.volumes.photo_share * (0.5 + rep.diligence):
			self.add(at + timedelta(minutes=rng.randint(2, 15)), "photo", visit=key)
		band = _band(stage)
		note = rng.choice(words.VISIT_NOTES[band])
		kind = _objection_type(rng, band) if rng.random() < self.volumes.objection_share else None
		said = rng.choice(words.OBJECTION_PHRASES[kind]) if kind else None
		summary = note
		if said:
			summary = f"{note}。客户说:{said}" if is_chinese(note) else f"{note}. Customer said: {said}"
		out = at + duration
		self.add(out, "check_out", visit=key, summary=summary, next_step=rng.choice(words.NEXT_STEPS))
		found = []
		if kind:
			found = self.objection(
				stage, out + timedelta(seconds=20), "Visit", visit=key, said=said, kind=kind
			)
		flagged = distance > 500 or accuracy > 100 or self.customer.location != "confirmed"
		if flagged and rng.random() < 0.6:
			self.add(self.later(out, 2, 40), "review", visit=key, comment=rng.choice(words.REVIEW_COMMENTS))
		return found

	def objection(self, stage: int, at: datetime, source: str, visit=None, said=None, kind=None) -> list[str]:
		"""Filed by the rep (the app suggests its type from the words); a risk needs a strategy at once."""
		rng = self.rng
		kind = kind or _objection_type(rng, _band(stage))
		said = said or rng.choice(words.OBJECTION_PHRASES[kind])
		self.add(at, "objection", kind=kind, words=said, source=source, visit=visit)
		self.objections.append(kind)
		if kind in RISK_TYPES:
			handled = None
			if self.diligent(0.8):
				handled = at + timedelta(seconds=20)
				self.add(handled, "risk_strategy", kind=kind)
			elif rng.random() < self.rep.diligence:
				handled = self.later(at, 2, 40)
				self.add(handled, "risk_strategy", kind=kind)
			elif rng.random() < 0.08:
				handled = self.later(at, 4, 30)
				self.add(handled, "waive", checkpoint="Risk Pre-registration", kind=kind)
			self.risks.append((at, handled))
		return [kind]

	def name_competitor(self, at: datetime):
		rng = self.rng
		competitor, model = rng.choice(words.COMPETITORS)
		self.competitor = competitor
		self.competitor_named = at
		response = {
			"competitor": competitor,
			"model": model,
			"concern": rng.choice(words.CONCERNS),
			"advantages": rng.choice(words.ADVANTAGES),
		}
		if self.diligent(0.7):
			self.competitor_answered = at
			self.add(at, "competitor_response", **response)  # named and answered in one step
			return
		self.add(at, "competitor_named", competitor=competitor)
		if rng.random() < self.rep.diligence:
			hours = rng.uniform(2, 20) if rng.random() < 0.4 else rng.uniform(26, 120)
			answered = self.calendar.next_working_start(at + timedelta(hours=hours))
			self.competitor_answered = answered
			self.add(answered, "competitor_response", **response)

	def close_statuses(self, outcome: str, closed: datetime):
		"""Objections and risks close with the deal: resolved when won, lost on them when lost."""
		if outcome == "open" or not self.objections:
			return
		loss_kind = None
		if outcome == "lost":
			loss_kind = next(
				(kind for kind, reason in words.LOSS_FROM_OBJECTION.items() if reason == self.lost_reason),
				None,
			)
		self.add(closed + timedelta(minutes=10), "close_objections", outcome=outcome, loss_kind=loss_kind)


def is_chinese(text: str) -> bool:
	return any("\u4e00" <= character <= "\u9fff" for character in text)


def _band(stage: int) -> str:
	if stage <= 1:
		return "early"
	return "late" if stage >= PROPOSAL else "middle"


def _objection_type(rng: random.Random, band: str) -> str:
	weights = words.OBJECTION_WEIGHTS[band]
	return rng.choices(list(weights), weights=list(weights.values()))[0]
