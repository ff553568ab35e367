"""Lead intake 客户挖掘与初筛 on ERPNext's Lead: the shell around engine.leads.

Reads a company's enabled Sales Lead Rule, a lead's fields and what happened with it
(communications, events, call logs, visits), asks the engine for the pool verdict, score and
grade, and writes them to the Lead's `sp_` fields and ERPNext's own qualification status. The
same `next_values` decides what a lead's fields become, whether the lead is being saved (the
form, REST, an import: `score_document`) or re-scored in bulk (the daily job, a changed rule,
the patch, an engagement: `rescore`), so both paths agree to the value.

Choices where the configuration is silent:

- The fields are the server's: whatever a request sends for them is replaced by the stored
  value (`guards.keep_stored`); under an enabled rule so is the qualification status.
- Engagements dated after now (a meeting next week) do not count yet; the score is valid
  until the first of them comes.
- The first contact is the first reply sent, call, meeting or visit (an email received is not
  a contact). A lead whose status shows it was contacted (Replied, Opportunity, …) raises no
  first-response alert even when no engagement is logged.
- A lead pooled by a bulk re-score (a new or changed rule, the patch) gets a first-response
  deadline only if it came in during the last `HORIZON_DAYS`: a rule made today does not
  alert on last year's leads. A lead whose grade rises while it waits must be answered within
  the new grade's window from then, never later than it already had to be.
- Only the first reason a lead is not in the pool is stored; the form shows the whole
  breakdown (every criterion, fit and activity points), computed when it is opened.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import frappe
import pandas as pd
from frappe import _
from frappe.query_builder.functions import Coalesce
from frappe.utils import flt, format_datetime, get_datetime, getdate, now_datetime
from pypika.functions import Cast

from sales_process.engine.alerts import Level, add_working_hours, working_hours_between
from sales_process.engine.leads import (
	REASON_TEMPLATES,
	Criterion,
	CriterionKind,
	EngagementKind,
	FirstResponse,
	InvalidLeadRule,
	LeadRule,
	Message,
	Reason,
	evaluate_lead,
	first_response_due,
	first_response_state,
	score_leads,
)
from sales_process.process import rule_book
from sales_process.process.clock import job_moment
from sales_process.process.guards import keep_stored
from sales_process.process.settings import due_soon_share, enrolled_companies

LEAD = "Lead"
RULE = "Sales Lead Rule"
FIRST_RESPONSE_ALERT = "First Response"  # a Sales Process Alert type
LEAD_CONTACTED = "Lead Contacted"  # how a first-response alert is acted on
BATCH = 2_000
HORIZON_DAYS = 7

# set only by the server; whatever a request sends for them is replaced by the stored value
SCORE_FIELDS = (
	"sp_score",
	"sp_grade",
	"sp_pooled",
	"sp_reason",
	"sp_lead_rule",
	"sp_fingerprint",
	"sp_score_valid_until",
)
RESPONSE_FIELDS = ("sp_pooled_on", "sp_first_response_due", "sp_first_contacted_on", "sp_response_check_on")
SERVER_FIELDS = SCORE_FIELDS + RESPONSE_FIELDS
QUALIFICATION_FIELDS = ("qualification_status", "qualified_by", "qualified_on")
WRITTEN_FIELDS = SERVER_FIELDS + QUALIFICATION_FIELDS
QUALIFIED, UNQUALIFIED = "Qualified", "Unqualified"

CONTACT_KINDS = frozenset(
	{EngagementKind.REPLY_SENT, EngagementKind.CALL, EngagementKind.MEETING, EngagementKind.VISIT}
)
# ERPNext's Lead statuses that say someone has been in touch
CONTACTED_STATUSES = frozenset(
	{"Replied", "Opportunity", "Quotation", "Lost Quotation", "Interested", "Converted", "Do Not Contact"}
)
# what a reason's first parameter is: a Lead field (shown by its label) unless listed here
_NOT_A_FIELD = {"no_rate": None, "activity": "kind", "activity_cap": None}
# the stored lead columns every re-score reads
_LEAD_COLUMNS = ("name", "company", "creation", "status", "lead_owner", "owner", *WRITTEN_FIELDS)
_MOMENT_COLUMNS = frozenset(
	{
		"creation",
		"sp_score_valid_until",
		"sp_pooled_on",
		"sp_first_response_due",
		"sp_first_contacted_on",
		"sp_response_check_on",
	}
)


def now() -> datetime:
	return now_datetime()


# --- the rule ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSetup:
	name: str
	company: str
	rule: LeadRule
	qualified_by: str | None  # ERPNext's Qualified By: who last set the rule
	company_currency: str | None
	rates: dict[str, float]

	@property
	def fields(self) -> list[str]:
		return sorted({criterion.field for criterion in self.rule.criteria})


def rule_from_doc(doc) -> LeadRule:
	"""The engine's rule from a Sales Lead Rule; raises engine.leads.InvalidLeadRule."""
	currency = doc.get("rule_currency") or company_currency(doc.get("company"))
	criteria = [
		Criterion(
			field=(row.lead_field or "").strip(),
			operator=row.operator,
			value=row.value or "",
			kind=row.kind or CriterionKind.POOL,
			points=flt(row.points) if row.kind == CriterionKind.FIT else 0,
			currency=row.amount_currency or None,
		)
		for row in doc.get("criteria") or []
	]
	return LeadRule(
		criteria,
		activity_points={row.engagement_kind: flt(row.points) for row in doc.get("activity") or []},
		half_life_days=flt(doc.get("half_life_days")) or None,
		window_days=flt(doc.get("window_days")),
		activity_cap=flt(doc.get("activity_cap")) or None,
		grade_thresholds={grade: flt(doc.get(f"grade_{grade.lower()}")) for grade in ("A", "B", "C")},
		first_response_hours={
			grade: flt(doc.get(f"response_hours_{grade.lower()}")) or None for grade in ("A", "B", "C", "D")
		},
		currency=currency,
	)


def company_currency(company: str | None) -> str | None:
	return frappe.get_cached_value("Company", company, "default_currency") if company else None


def active_rule(company: str | None) -> RuleSetup | None:
	"""The company's enabled rule, read once per request or job; None when it has none."""
	if not company:
		return None
	cache = getattr(frappe.local, "sales_process_lead_rules", None)
	if cache is None:
		cache = frappe.local.sales_process_lead_rules = {}
	if company not in cache:
		cache[company] = _load_rule(company)
	return cache[company]


def forget_rules():
	frappe.local.sales_process_lead_rules = None


def _load_rule(company: str) -> RuleSetup | None:
	name = frappe.db.get_value(RULE, {"company": company, "enabled": 1}, "name", order_by="modified desc")
	if not name:
		return None
	doc = frappe.get_doc(RULE, name)
	try:
		rule = rule_from_doc(doc)
	except InvalidLeadRule:
		# saved rules are checked; one the engine no longer accepts scores nothing until fixed
		frappe.log_error(
			title=f"Sales Lead Rule {name} cannot score leads", reference_doctype=RULE, reference_name=name
		)
		return None
	own = company_currency(company)
	wanted = {own, *(criterion.currency for criterion in rule.criteria)} - {None, rule.currency}
	return RuleSetup(name, company, rule, doc.modified_by, own, exchange_rates(rule.currency, wanted))


def exchange_rates(to_currency: str | None, currencies: Iterable[str]) -> dict[str, float]:
	"""The latest selling rate to `to_currency` of each currency, from Currency Exchange records only
	(never a web service: a save must not wait for one). A currency without a record has no rate,
	and a criterion needing it says so."""
	currencies = sorted({c for c in currencies if c})
	if not to_currency or not currencies:
		return {}
	exchange = frappe.qb.DocType("Currency Exchange")
	rows = (
		frappe.qb.from_(exchange)
		.select(exchange.from_currency, exchange.to_currency, exchange.exchange_rate, exchange.date)
		.where(
			(exchange.date <= getdate())
			& (exchange.for_selling == 1)
			& (
				((exchange.to_currency == to_currency) & exchange.from_currency.isin(currencies))
				| ((exchange.from_currency == to_currency) & exchange.to_currency.isin(currencies))
			)
		)
		.orderby(exchange.date)
		.run(as_dict=True)
	)
	rates: dict[str, float] = {}
	for row in rows:  # oldest first: the latest record wins
		if not flt(row.exchange_rate):
			continue
		if row.to_currency == to_currency:
			rates[row.from_currency] = flt(row.exchange_rate)
		else:
			rates[row.to_currency] = 1.0 / flt(row.exchange_rate)
	return rates


# --- engagements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Touch:
	lead: str
	kind: str
	on: datetime


def communication_kind(sent_or_received: str | None, medium: str | None) -> str:
	if medium == "Phone":
		return EngagementKind.CALL
	if medium in ("Meeting", "Event"):
		return EngagementKind.MEETING
	if medium == "Visit":
		return EngagementKind.VISIT
	return EngagementKind.REPLY_SENT if sent_or_received == "Sent" else EngagementKind.EMAIL_RECEIVED


def engagements(names: list[str]) -> list[Touch]:
	"""Everything that happened with the leads, one query per kind of document."""
	if not names:
		return []
	touches: list[Touch] = []
	seen: set[tuple[str, str]] = set()

	batch = list(names)
	comm = frappe.qb.DocType("Communication")
	link = frappe.qb.DocType("Communication Link")
	fields = (comm.name, comm.sent_or_received, comm.communication_medium, _text(comm.communication_date))
	referenced = (
		frappe.qb.from_(comm)
		.select(comm.reference_name, *fields)
		.where(
			(comm.communication_type == "Communication")
			& (comm.reference_doctype == LEAD)
			& comm.reference_name.isin(batch)
		)
		.run()
	)
	# emails from a lead's address are linked to its contact and, through it, to the lead
	linked = (
		frappe.qb.from_(link)
		.join(comm)
		.on(link.parent == comm.name)
		.select(link.link_name, *fields)
		.where(
			(link.link_doctype == LEAD)
			& link.link_name.isin(batch)
			& (link.parenttype == "Communication")
			& (comm.communication_type == "Communication")
			# an Event writes a Communication for each participant: the Event itself is counted below
			& (Coalesce(comm.reference_doctype, "") != "Event")
		)
		.run()
	)
	for lead, name, direction, medium, on in (*referenced, *linked):
		if on and (lead, name) not in seen:
			seen.add((lead, name))
			touches.append(Touch(lead, communication_kind(direction, medium), _moment(on)))

	event = frappe.qb.DocType("Event")
	participant = frappe.qb.DocType("Event Participants")
	for lead, category, on in (
		frappe.qb.from_(participant)
		.join(event)
		.on(participant.parent == event.name)
		.select(participant.reference_docname, event.event_category, _text(event.starts_on))
		.where(
			(participant.reference_doctype == LEAD)
			& participant.reference_docname.isin(batch)
			& (participant.parenttype == "Event")
			& (event.status != "Cancelled")
			& (event.event_category != "Sent/Received Email")  # the email itself is a communication
		)
		.run()
	):
		if on:
			kind = EngagementKind.CALL if category == "Call" else EngagementKind.MEETING
			touches.append(Touch(lead, kind, _moment(on)))

	call = frappe.qb.DocType("Call Log")
	dynamic = frappe.qb.DocType("Dynamic Link")
	for lead, on in (
		frappe.qb.from_(dynamic)
		.join(call)
		.on(dynamic.parent == call.name)
		.select(dynamic.link_name, _text(Coalesce(call.start_time, call.creation)))
		.where(
			(dynamic.parenttype == "Call Log")
			& (dynamic.link_doctype == LEAD)
			& dynamic.link_name.isin(batch)
			& (call.status == "Completed")
		)
		.run()
	):
		touches.append(Touch(lead, EngagementKind.CALL, _moment(on)))

	visit = frappe.qb.DocType("Sales Visit Log")
	for lead, on in (
		frappe.qb.from_(visit)
		.select(visit.party, _text(visit.check_in_time))
		.where((visit.party_type == LEAD) & visit.party.isin(batch) & visit.check_in_time.isnotnull())
		.run()
	):
		touches.append(Touch(lead, EngagementKind.VISIT, _moment(on)))
	return touches


def _text(column):
	"""A moment read as text: datetime.fromisoformat is far cheaper than the driver's converter."""
	return Cast(column, "CHAR")


def _moment(value) -> datetime | None:
	if value is None or isinstance(value, datetime):
		return value
	if isinstance(value, date):
		return datetime.combine(value, datetime.min.time())
	return datetime.fromisoformat(value)


@dataclass
class _History:
	past: list[Touch]
	next_on: datetime | None  # the first engagement still ahead
	contacted_on: datetime | None  # the first contact up to now


def _histories(touches: list[Touch], at: datetime) -> dict[str, _History]:
	histories: dict[str, _History] = {}
	for touch in touches:
		history = histories.setdefault(touch.lead, _History([], None, None))
		if touch.on > at:
			history.next_on = touch.on if history.next_on is None else min(history.next_on, touch.on)
			continue
		history.past.append(touch)
		if touch.kind in CONTACT_KINDS:
			history.contacted_on = (
				touch.on if history.contacted_on is None else min(history.contacted_on, touch.on)
			)
	return histories


# --- a verdict becomes field values --------------------------------------------------------


@dataclass(frozen=True)
class Scored:
	score: int
	grade: str
	pooled: bool
	reason: Reason | None
	valid_until: datetime | None


def next_values(stored, scored: Scored, history: _History | None, setup: RuleSetup, at: datetime, live: bool):
	"""What the lead's fields become: its score and, with the pool verdict, ERPNext's qualification,
	when it entered the pool and when it must be answered. `stored` holds the fields as saved
	(empty for a new lead); `live` says the lead itself changed now (a save or an engagement)."""
	valid_until = scored.valid_until
	if history is not None and history.next_on is not None:
		valid_until = history.next_on if valid_until is None else min(valid_until, history.next_on)
	contacted = _earliest(stored.get("sp_first_contacted_on"), history.contacted_on if history else None)
	values = {
		"sp_score": scored.score,
		"sp_grade": scored.grade,
		"sp_pooled": int(scored.pooled),
		"sp_reason": reason_json(scored.reason),
		"sp_lead_rule": setup.name,
		"sp_fingerprint": setup.rule.fingerprint,
		"sp_score_valid_until": valid_until,
		"sp_first_contacted_on": contacted,
	}
	was_pooled = bool(stored.get("sp_pooled")) and bool(stored.get("sp_pooled_on"))
	if not scored.pooled:
		values.update(
			sp_pooled_on=None,
			sp_first_response_due=None,
			sp_response_check_on=None,
			qualification_status=UNQUALIFIED,
			qualified_by=None,
			qualified_on=None,
		)
		return values
	holidays = rule_book.holidays(setup.company)
	if was_pooled:
		pooled_on = get_datetime(stored.get("sp_pooled_on"))
		due = (
			get_datetime(stored.get("sp_first_response_due")) if stored.get("sp_first_response_due") else None
		)
		if not contacted and scored.grade != stored.get("sp_grade"):
			# hotter now: answered within the new grade's window from now, never later than before
			sooner = first_response_due(at, scored.grade, setup.rule, holidays)
			if sooner is not None and (due is None or sooner < due):
				due = sooner
	else:
		pooled_on = at
		created = stored.get("creation")
		recent = live or created is None or get_datetime(created) >= at - timedelta(days=HORIZON_DAYS)
		due = first_response_due(at, scored.grade, setup.rule, holidays) if recent and not contacted else None
	qualified = stored.get("qualification_status") == QUALIFIED and stored.get("qualified_on")
	values.update(
		sp_pooled_on=pooled_on,
		sp_first_response_due=due,
		sp_response_check_on=next_check(pooled_on, due, contacted, at, holidays),
		qualification_status=QUALIFIED,
		qualified_by=stored.get("qualified_by") if qualified else setup.qualified_by,
		qualified_on=stored.get("qualified_on") if qualified else at.date(),
	)
	return values


def next_check(pooled_on, due, contacted, at: datetime, holidays) -> datetime | None:
	"""When the hourly job next looks at the lead: its reminder moment, then its deadline."""
	if contacted or due is None or pooled_on is None:
		return None
	window = working_hours_between(pooled_on, due, holidays)
	reminder = add_working_hours(pooled_on, window * due_soon_share(), holidays) if window > 0 else due
	for moment in (reminder, due):
		if moment > at:
			return moment
	return at  # already due: the next hourly run looks


def _earliest(*moments):
	present = [get_datetime(moment) for moment in moments if moment]
	return min(present) if present else None


def reason_json(reason: Reason | None) -> str | None:
	if reason is None:
		return None
	return json.dumps([[reason.code, _plain(reason.params)]], ensure_ascii=False, default=str)


def _plain(value):
	if isinstance(value, tuple | list):
		return [_plain(item) for item in value]
	return value


def stored_reasons(value) -> list[Reason]:
	try:
		rows = json.loads(value) if isinstance(value, str) else (value or [])
		return [
			Reason(code, tuple(tuple(p) if isinstance(p, list) else p for p in params))
			for code, params in rows
		]
	except (TypeError, ValueError):
		return []


# --- a lead being saved --------------------------------------------------------------------


def lead_values(doc, setup: RuleSetup) -> dict:
	values = {field: doc.get(field) for field in setup.fields}
	values["currency"] = setup.company_currency
	return values


def score_document(doc, before, setup: RuleSetup, at: datetime | None = None):
	"""Score the lead being saved and set its fields; returns the first contact found, if new."""
	at = at or now()
	verdict, history = _evaluate(doc, setup, at)
	stored = before.as_dict() if before is not None else {"creation": doc.get("creation")}
	scored = Scored(
		verdict.score, verdict.grade, verdict.pooled, verdict.first_failed_reason, verdict.valid_until
	)
	values = next_values(stored, scored, history, setup, at, live=True)
	doc.update(values)
	if values["sp_first_contacted_on"] and not stored.get("sp_first_contacted_on"):
		return values["sp_first_contacted_on"]
	return None


def _evaluate(doc, setup: RuleSetup, at: datetime):
	"""(verdict, engagement history) of the lead as it is in `doc` (a new lead has no engagements)."""
	history = None if doc.is_new() else _histories(engagements([doc.name]), at).get(doc.name)
	verdict = evaluate_lead(
		lead_values(doc, setup),
		[_engagement(touch) for touch in history.past] if history else [],
		setup.rule,
		at,
		setup.rates,
	)
	return verdict, history


def _engagement(touch: Touch):
	from sales_process.engine.leads import Engagement

	return Engagement(touch.kind, touch.on)


# --- re-scoring stored leads ---------------------------------------------------------------


def rescore(names: list[str], at: datetime | None = None, live: bool = False) -> int:
	"""Score stored leads again and write what changed; returns the leads written.

	Leads of companies without an enabled rule (or not enrolled) are left as they are. Scoring
	runs per company on the whole batch (engine.leads.score_leads); should that fail, each lead
	is scored on its own and a lead that fails is logged and skipped.
	"""
	at = at or now()
	if not names:
		return 0
	enrolled = enrolled_companies()
	fields = {field for company in enrolled if active_rule(company) for field in active_rule(company).fields}
	rows = _stored_rows(names, fields)
	by_company: dict[str, list] = {}
	for row in rows:
		if row.company in enrolled and active_rule(row.company):
			by_company.setdefault(row.company, []).append(row)
	written = 0
	for company, company_rows in by_company.items():
		setup = active_rule(company)
		values = score_rows(company_rows, setup, at, live)
		written += write(values)
		_act_on_contacts(company_rows, values)
	return written


def _stored_rows(names: list[str], extra: Iterable[str] = ()):
	"""The leads' stored values (and the criteria's fields in `extra`), moments as datetimes."""
	lead = frappe.qb.DocType(LEAD)
	columns = list(dict.fromkeys([*_LEAD_COLUMNS, *sorted(extra)]))
	rows = (
		frappe.qb.from_(lead)
		.select(*(_text(lead[c]).as_(c) if c in _MOMENT_COLUMNS else lead[c] for c in columns))
		.where(lead.name.isin(list(names)))
		.run(as_dict=True)
	)
	for row in rows:
		for column in _MOMENT_COLUMNS:
			row[column] = _moment(row[column])
	return rows


def score_rows(rows: list, setup: RuleSetup, at: datetime, live: bool = False) -> dict[str, dict]:
	"""Field values for stored leads of one company (their criteria fields are read here)."""
	names = [row.name for row in rows]
	fields = setup.fields
	criteria_values = {row.name: row for row in rows}
	missing = [field for field in fields if rows and field not in rows[0]]
	if missing:
		lead = frappe.qb.DocType(LEAD)
		for row in (
			frappe.qb.from_(lead)
			.select(lead.name, *(lead[f] for f in fields))
			.where(lead.name.isin(list(names)))
			.run(as_dict=True)
		):
			criteria_values[row.name] = row
	histories = _histories(engagements(names), at)
	try:
		scored = _score_table(names, criteria_values, histories, setup, at)
	except Exception:
		frappe.log_error(
			title="Sales Lead Rule: scoring a batch failed; scoring each lead",
			reference_doctype=RULE,
			reference_name=setup.name,
		)
		scored = {}
		for name in names:
			try:
				scored[name] = _score_one(criteria_values.get(name) or {}, histories.get(name), setup, at)
			except Exception:
				frappe.log_error(
					title="Sales Lead Rule: scoring a lead failed",
					reference_doctype=LEAD,
					reference_name=name,
				)
	result = {}
	for row in rows:
		if row.name not in scored:
			continue
		try:
			result[row.name] = next_values(row, scored[row.name], histories.get(row.name), setup, at, live)
		except Exception:
			frappe.log_error(
				title="Sales Lead Rule: scoring a lead failed",
				reference_doctype=LEAD,
				reference_name=row.name,
			)
	return result


def _score_one(values, history, setup: RuleSetup, at) -> Scored:
	lead = {field: values.get(field) for field in setup.fields}
	lead["currency"] = setup.company_currency
	verdict = evaluate_lead(
		lead, [_engagement(t) for t in history.past] if history else [], setup.rule, at, setup.rates
	)
	return Scored(
		verdict.score, verdict.grade, verdict.pooled, verdict.first_failed_reason, verdict.valid_until
	)


def _score_table(names, criteria_values, histories, setup: RuleSetup, at) -> dict[str, Scored]:
	leads = pd.DataFrame({"lead": names})
	for field in setup.fields:
		leads[field] = pd.Series(
			[(criteria_values.get(name) or {}).get(field) for name in names], dtype=object
		)
	leads["currency"] = setup.company_currency
	past = [touch for history in histories.values() for touch in history.past]
	table = pd.DataFrame(
		{
			"lead": [t.lead for t in past],
			"kind": [t.kind for t in past],
			"occurred_on": pd.to_datetime([t.on for t in past]),
		}
	)
	scores = score_leads(leads, table, setup.rule, at, setup.rates)
	result = {}
	for row in scores.itertuples(index=False):
		valid_until = None if pd.isna(row.valid_until) else row.valid_until.to_pydatetime()
		result[row.lead] = Scored(
			int(row.score), row.grade, bool(row.pooled), row.first_failed_reason, valid_until
		)
	return result


def write(values: dict[str, dict]) -> int:
	"""Write the leads' values, a thousand rows per statement; a failed statement is retried lead by lead."""
	names = list(values)
	for start in range(0, len(names), 1_000):
		chunk = names[start : start + 1_000]
		frappe.db.savepoint("sales_process_leads")
		try:
			_write_chunk(chunk, values)
		except Exception:
			frappe.db.rollback(save_point="sales_process_leads")
			frappe.log_error(title="Sales Lead Rule: writing scores in bulk failed; writing lead by lead")
			for name in chunk:
				try:
					frappe.db.set_value(LEAD, name, values[name], update_modified=False)
				except Exception:
					frappe.log_error(
						title="Sales Lead Rule: writing a lead's score failed",
						reference_doctype=LEAD,
						reference_name=name,
					)
	return len(names)


def _write_chunk(names: list[str], values: dict[str, dict]):
	"""UPDATE … JOIN (SELECT … UNION ALL SELECT …): one statement, no temporary table (whose CREATE
	would end the transaction)."""
	if not names:
		return
	first = "select " + ", ".join(["%s as `name`", *(f"%s as `{field}`" for field in WRITTEN_FIELDS)])
	other = "select " + ", ".join(["%s"] * (len(WRITTEN_FIELDS) + 1))
	derived = " union all ".join([first] + [other] * (len(names) - 1))
	assignments = ", ".join(f"l.`{field}` = v.`{field}`" for field in WRITTEN_FIELDS)
	params = []
	for name in names:
		params.append(name)
		params.extend(_db_value(values[name].get(field)) for field in WRITTEN_FIELDS)
	frappe.db.sql(
		f"update `tabLead` l join ({derived}) v on l.name = v.name set {assignments}",
		params,
	)


def _db_value(value):
	if isinstance(value, datetime):
		return value.strftime("%Y-%m-%d %H:%M:%S.%f")
	if isinstance(value, date):
		return value.isoformat()
	return value


def _act_on_contacts(rows, values):
	"""A first contact found now acts on the lead's open first-response alerts (one query finds the
	leads that have any, so a bulk re-score costs nothing here)."""
	from sales_process.process import alerts

	contacted = {
		row.name: (row, values[row.name]["sp_first_contacted_on"])
		for row in rows
		if values.get(row.name, {}).get("sp_first_contacted_on") and not row.get("sp_first_contacted_on")
	}
	if not contacted:
		return
	alert = frappe.qb.DocType(alerts.ALERT)
	waiting = (
		frappe.qb.from_(alert)
		.select(alert.reference_name)
		.distinct()
		.where(
			(alert.reference_doctype == LEAD)
			& alert.reference_name.isin(list(contacted))
			& alert.status.isin(list(alerts.OPEN_STATUSES))
		)
		.run(pluck=True)
	)
	for name in waiting:
		row, on = contacted[name]
		alerts.acted(LEAD_CONTACTED, row.lead_owner or row.owner, on=on, reference=(LEAD, name))


# --- jobs -------------------------------------------------------------------------------------


def due_names(company: str, fingerprint: str, at: datetime | None, limit: int | None = None) -> list[str]:
	"""Leads of the company whose score can have changed: their valid_until has come (`at`), or they
	were scored by another rule or none (their fingerprint differs). Both are range scans of indexes."""
	lead = frappe.qb.DocType(LEAD)
	names: list[str] = []
	if at is not None:
		names += (
			frappe.qb.from_(lead)
			.select(lead.name)
			.where((lead.sp_score_valid_until <= at) & (lead.company == company))
			.run(pluck=True)
		)
	names += (
		frappe.qb.from_(lead)
		.select(lead.name)
		.where(
			(lead.company == company)
			& (
				(lead.sp_fingerprint < fingerprint)
				| (lead.sp_fingerprint > fingerprint)
				| lead.sp_fingerprint.isnull()
			)
		)
		.run(pluck=True)
	)
	return list(dict.fromkeys(names))


def recompute(
	at=None, companies: Iterable[str] | None = None, commit: bool | None = None, decay: bool = True
) -> int:
	"""The daily job (and a changed rule's, and the patch's): re-score the leads whose score can have
	changed, a batch at a time; the batches are committed outside tests."""
	at = job_moment(at)
	commit = (not frappe.flags.in_test) if commit is None else commit
	written = 0
	for company in sorted(companies if companies is not None else enrolled_companies()):
		if company not in enrolled_companies():
			continue
		setup = active_rule(company)
		if setup is None:
			continue
		names = due_names(company, setup.rule.fingerprint, at if decay else None)
		for start in range(0, len(names), BATCH):
			written += rescore(names[start : start + BATCH], at)
			if commit:
				frappe.db.commit()
	return written


def rescore_company(company: str):
	"""Background job after a rule changed: the leads scored by another fingerprint."""
	forget_rules()
	recompute(companies=[company], decay=False)


def first_response_alerts(at=None, directory=None) -> int:
	"""Pooled leads whose reminder moment or deadline has come: a reminder to the lead owner at the
	reminder share of the window, an alert to their manager at the deadline (then escalation as
	any red alert). Reads only the leads due a look (indexed `sp_response_check_on`)."""
	from sales_process.process.alerts import AlertSpec, Directory, raise_alert

	at = job_moment(at)
	lead = frappe.qb.DocType(LEAD)
	rows = (
		frappe.qb.from_(lead)
		.select(*(lead[c] for c in _LEAD_COLUMNS), lead.lead_name, lead.disabled)
		.where(lead.sp_response_check_on <= at)
		.run(as_dict=True)
	)
	if not rows:
		return 0
	directory = directory or Directory()
	enrolled = enrolled_companies()
	histories = _histories(engagements([row.name for row in rows]), at)
	raised = 0
	for row in rows:
		try:
			history = histories.get(row.name)
			contacted = _earliest(row.sp_first_contacted_on, history.contacted_on if history else None)
			setup = active_rule(row.company) if row.company in enrolled else None
			if (
				setup is None
				or not row.sp_pooled
				or not row.sp_first_response_due
				or contacted
				or row.disabled
				or row.status in CONTACTED_STATUSES
			):
				frappe.db.set_value(
					LEAD,
					row.name,
					{"sp_response_check_on": None, "sp_first_contacted_on": contacted},
					update_modified=False,
				)
				if contacted and not row.sp_first_contacted_on:
					_act_on_contacts([row], {row.name: {"sp_first_contacted_on": contacted}})
				continue
			holidays = rule_book.holidays(row.company)
			pooled_on, due = get_datetime(row.sp_pooled_on), get_datetime(row.sp_first_response_due)
			state = first_response_state(pooled_on, due, None, at, due_soon_share(), holidays)
			rep = row.lead_owner or row.owner
			params = {
				"lead": row.name,
				"lead_name": row.lead_name or row.name,
				"grade": row.sp_grade or "-",
				"rep": frappe.utils.get_fullname(rep),
				"hours": f"{flt(setup.rule.first_response_hours.get(row.sp_grade) or 0):g}",
				"due_on": format_datetime(due, "yyyy-MM-dd HH:mm"),
			}
			steps = {
				FirstResponse.REMINDER: [Level.REMINDER],
				FirstResponse.OVERDUE: [Level.REMINDER, Level.ALERT],
			}
			for level in steps.get(state, []):
				raised += len(
					raise_alert(
						AlertSpec(
							alert_type=FIRST_RESPONSE_ALERT,
							level=level,
							subject_doctype=LEAD,
							subject_name=row.name,
							rep=rep,
							reference_doctype=LEAD,
							reference_name=row.name,
							company=row.company,
							params=params,
							key_suffix=f"@{pooled_on:%Y%m%d%H%M%S}",
							skip=(rep,) if level != Level.REMINDER else (),
						),
						at,
						directory,
					)
				)
			# after the reminder comes the deadline; after the alert, escalation is the alert's own
			next_on = (
				None if state == FirstResponse.OVERDUE else next_check(pooled_on, due, None, at, holidays)
			)
			frappe.db.set_value(LEAD, row.name, "sp_response_check_on", next_on, update_modified=False)
		except Exception:
			frappe.log_error(
				title="Sales Process: first-response check failed",
				reference_doctype=LEAD,
				reference_name=row.name,
			)
	return raised


# --- the Opportunity made from a lead ------------------------------------------------------


def carry_to_opportunity(doc, before):
	"""An Opportunity made from a Lead keeps the lead's score and grade at conversion; nobody edits them."""
	if before is not None:
		keep_stored(doc, before, ("sp_lead_score", "sp_lead_grade"))
		return
	score, grade = None, None
	if doc.get("opportunity_from") == LEAD and doc.get("party_name"):
		score, grade = score_now(doc.party_name)
	doc.sp_lead_score, doc.sp_lead_grade = score, grade


def score_now(name: str) -> tuple[int | None, str | None]:
	"""The lead's score and grade at this moment (its stored ones when no rule scores it now)."""
	rows = _stored_rows([name])
	if not rows:
		return None, None
	row = rows[0]
	setup = active_rule(row.company) if row.company in enrolled_companies() else None
	if setup is not None:
		values = score_rows([row], setup, now()).get(name)
		if values:
			return values["sp_score"], values["sp_grade"]
	return (row.sp_score, row.sp_grade) if row.sp_grade else (None, None)


# --- the breakdown shown on the form, in the reader's language -----------------------------


def breakdown(doc) -> dict | None:
	"""Why the lead scores what it scores, now: every criterion and engagement kind, rendered."""
	setup = active_rule(doc.get("company")) if doc.get("company") in enrolled_companies() else None
	if setup is None or doc.is_new():
		return None
	verdict, _history = _evaluate(doc, setup, now())
	return {
		"rule": setup.name,
		"score": verdict.score,
		"grade": verdict.grade,
		"pooled": verdict.pooled,
		"fit_points": round(verdict.fit_points, 1),
		"activity_points": round(verdict.activity_points, 1),
		"reasons": [
			{
				"code": reason.code,
				"text": render_reason(reason),
				"fails": reason.code not in ("fit", "activity", "activity_cap"),
			}
			for reason in verdict.reasons
		],
	}


def field_label(fieldname: str, lang: str | None = None) -> str:
	df = frappe.get_meta(LEAD).get_field(fieldname)
	return _(df.label, lang=lang) if df and df.label else fieldname


def _param(value, lang: str | None) -> str:
	if isinstance(value, tuple | list):
		return ", ".join(_param(item, lang) for item in value)
	if isinstance(value, float) and value.is_integer():
		return str(int(value))
	return str(value)


def render_reason(reason: Reason, lang: str | None = None) -> str:
	params = list(reason.params)
	what = _NOT_A_FIELD.get(reason.code, "field")
	if params and what == "field":
		params[0] = field_label(params[0], lang)
	elif params and what == "kind":
		params[0] = _(params[0], lang=lang)
	return _(REASON_TEMPLATES[reason.code], lang=lang).format(*(_param(p, lang) for p in params))


def render_message(message: Message, lang: str | None = None) -> str:
	"""An engine message about a rule; fieldnames among its parameters read as Lead labels."""
	meta = frappe.get_meta(LEAD)
	params = []
	for value in message.params:
		if isinstance(value, str) and meta.get_field(value):
			params.append(field_label(value, lang))
		elif value in CriterionKind.ALL or value in EngagementKind.ALL:
			params.append(_(value, lang=lang))
		else:
			params.append(_param(value, lang))
	return _(message.template, lang=lang).format(*params)
