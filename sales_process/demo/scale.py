"""The benchmark's volumes (DESIGN.md section 3: 500 reps, 200 000 opportunities, about 1.2 M
checkpoint records and 1.8 M visits a year), written in BULK.

Playing that through the app's logic would take days on one server, so the same planned story
(`plan.plan_rep`, rep by rep) is turned into rows directly and sent with one parametrised INSERT
per table and batch (as `benchmarks/alert_jobs.py` does). The rows are what the logic would have
written, computed with the app's own engine: stage log rows for every move and status change,
records with their trigger keys, due times (the checkpoints' configured windows and the company's
Holiday List), due-soon times, completion, on-time, waiver and cancellation; visits with the
server's geofence verdict, distance, flags (outside, unconfirmed site, poor accuracy, impossible
travel), stage before and after, and the objection type the app suggests from the note;
objections, risk signals (one open per deal and type) and competitor responses; and each deal's
compliance and time in stage.

A large org works to more checkpoints than the six shipped ones: the benchmark company adds
`LARGE_ORG_CHECKPOINTS` (one on entering each stage the six leave unwatched, from the seeds' own
examples), real Sales Checkpoint documents, so its year holds about 1.2 M records (six a deal) as
DESIGN.md section 3 asks. A rep completes them as diligently as the rest (`_extra_completion`).

What bulk mode does NOT write: Quotations and Sales Orders (the Opportunity's status says
Quotation / Converted / Lost as ERPNext would set it), evidence files and visit photos, decision
makers, alerts and their ToDos, Version history. Masters (company, team, customers) are real
documents. Row names carry the company abbreviation (e.g. SPDT-OPP-0000001) so they never meet
a naming series.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import frappe

from sales_process.demo import plan
from sales_process.demo import vocabulary as words
from sales_process.demo.company import Masters
from sales_process.engine import geo
from sales_process.engine.classify import KeywordClassifier
from sales_process.engine.compliance import completed_on_time, compliance_rate
from sales_process.engine.deadlines import due_time
from sales_process.engine.rules import RecordState, Trigger
from sales_process.engine.triggers import (
	CREATED_KEY,
	competitor_key,
	document_key,
	risk_key,
	stage_key,
	stages_entered,
)
from sales_process.engine.visits_report import PROGRESS_HORIZON_DAYS, is_advance
from sales_process.process import rollups
from sales_process.process import rule_book as book_module
from sales_process.process import visits as visit_module
from sales_process.process.settings import due_soon_share, get_settings
from sales_process.setup.default_checkpoints import DEFAULT_CHECKPOINTS
from sales_process.setup.install import make_default_checkpoints

BATCH = 10_000
COMMIT_EVERY_REPS = 5

# the six shipped checkpoints: the planned story completes and waives those
STORY_CHECKPOINTS = frozenset(definition["checkpoint_name"] for definition in DEFAULT_CHECKPOINTS)
# the benchmark company's process beyond the six: non-gating, each started on entering its stage
LARGE_ORG_CHECKPOINTS = [
	{
		"checkpoint_name": "Budget and Authority Check",
		"sequence": 15,
		"description": "On qualifying a deal, note the customer's budget, who signs and by when.",
		"trigger_stage": "Qualification",
		"due_value": 48,
		"due_unit": "Hours",
		"evidence": [{"kind": "Summary", "label": "budget, signer and timeline", "min_count": 10}],
	},
	{
		"checkpoint_name": "Technical Parameter Fit",
		"sequence": 25,
		"description": "Confirm with the customer's engineers that our technical parameters fit their line.",
		"trigger_stage": "Needs Analysis",
		"due_value": 3,
		"due_unit": "Working Days",
		"evidence": [{"kind": "Attachment", "label": "the confirmed parameter sheet", "min_count": 1}],
	},
	{
		"checkpoint_name": "Value Presentation Record",
		"sequence": 33,
		"description": "Record which value points were presented and how the customer took them.",
		"trigger_stage": "Value Proposition",
		"due_value": 48,
		"due_unit": "Hours",
		"evidence": [
			{"kind": "Summary", "label": "the value points and the customer's response", "min_count": 10}
		],
	},
	{
		"checkpoint_name": "Key Contact Confirmation",
		"sequence": 36,
		"description": "Confirm the key contacts' names, roles and how to reach them.",
		"trigger_stage": "Identifying Decision Makers",
		"due_value": 48,
		"due_unit": "Hours",
		"evidence": [{"kind": "Summary", "label": "the key contacts and their roles", "min_count": 10}],
	},
	{
		"checkpoint_name": "ROI Sheet Signed",
		"sequence": 38,
		"description": "Attach the ROI calculation signed by the customer's finance before the proposal.",
		"trigger_stage": "Perception Analysis",
		"due_value": 3,
		"due_unit": "Working Days",
		"evidence": [
			{"kind": "Attachment", "label": "the ROI calculation signed by the customer", "min_count": 1}
		],
	},
	{
		"checkpoint_name": "Quotation Follow-up",
		"sequence": 45,
		"description": "Within two days of the proposal, record the customer's response to the quotation.",
		"trigger_stage": "Proposal/Price Quote",
		"due_value": 48,
		"due_unit": "Hours",
		"evidence": [
			{"kind": "Summary", "label": "the customer's response to the quotation", "min_count": 10}
		],
	},
	{
		"checkpoint_name": "Legal Review",
		"sequence": 55,
		"description": "Have the contract draft reviewed by legal before the terms are agreed.",
		"trigger_stage": "Negotiation/Review",
		"due_value": 3,
		"due_unit": "Working Days",
		"evidence": [{"kind": "Attachment", "label": "legal's review of the draft", "min_count": 1}],
	},
]


def make_large_org_checkpoints():
	"""The benchmark company's extra checkpoints, as a Sales Manager would configure them."""
	make_default_checkpoints(
		[{"trigger": Trigger.ENTERS_STAGE, "gate": "", **definition} for definition in LARGE_ORG_CHECKPOINTS]
	)


def write(
	company_plan: plan.Company,
	masters: Masters,
	seed,
	start: datetime,
	end: datetime,
	volumes: plan.Volumes,
	calendar: plan.Calendar,
	commit: Callable[[], None],
	say: Callable[[str], None],
):
	make_large_org_checkpoints()
	context = _Context(company_plan, masters, seed, end, calendar)
	started = time.perf_counter()
	say(
		f"bulk: {len(company_plan.reps)} reps, about {volumes.deals_per_rep_month:g} new deals per rep and month"
	)
	first = 0
	for rep in company_plan.reps:
		deals = plan.plan_rep(company_plan, rep, seed, start, end, volumes, calendar, first_index=first)
		first += len(deals)
		rows = _Rows()
		for deal in deals:
			_DealRows(context, deal, rows).write()
		rows.finish_visits(context)
		rows.insert()
		context.add(rows)
		if (rep.index + 1) % COMMIT_EVERY_REPS == 0 or rep.index + 1 == len(company_plan.reps):
			commit()
			say(
				f"  reps {rep.index + 1:>4}/{len(company_plan.reps)}  deals {first:>8,}  "
				+ "  ".join(f"{key} {value:,}" for key, value in context.totals.items())
				+ f"  {time.perf_counter() - started:6.0f} s"
			)
	say(f"bulk rows written in {time.perf_counter() - started:.0f} s")
	started = time.perf_counter()
	# the rows went in without their controllers: count them into the report rollups once
	rollups.recount_after_bulk_load(commit)
	commit()
	say(f"report rollups rebuilt in {time.perf_counter() - started:.0f} s")


class _Context:
	"""What every deal's rows need: names, checkpoint windows, stage probabilities, settings."""

	def __init__(
		self, company_plan: plan.Company, masters: Masters, seed, end: datetime, calendar: plan.Calendar
	):
		self.plan, self.masters, self.seed, self.end = company_plan, masters, seed, end
		self.calendar = calendar
		self.abbr = company_plan.abbr
		book = book_module.rule_book()
		self.rules = {rule.name: rule for rule in book.rules}
		# the rules started on entering a stage; the story plays those of the six itself
		self.on_entering: dict[str, list] = {}
		for rule in book.rules:
			if rule.enabled and rule.trigger == Trigger.ENTERS_STAGE and rule.trigger_stage:
				self.on_entering.setdefault(rule.trigger_stage, []).append(rule)
		self.holidays = book_module.holidays(masters.company)
		self.share = due_soon_share()
		stages = frappe.get_all("Sales Stage", fields=["name", "sp_probability", "sp_sequence"])
		self.probability = {row.name: row.sp_probability or 0 for row in stages}
		self.sequence = {row.name: row.sp_sequence for row in stages if row.sp_sequence}
		settings = get_settings()
		self.radius = float(settings.geofence_radius_m or 500)
		self.max_accuracy = float(settings.max_accuracy_m or 100)
		self.max_speed = float(settings.max_speed_kmh or 200)
		types = frappe.get_all(
			"Sales Objection Type", fields=["name", "keywords", "raises_risk", "default_strategy"]
		)
		self.classifier = KeywordClassifier(
			{row.name: [k.strip() for k in (row.keywords or "").splitlines() if k.strip()] for row in types}
		)
		self.raises_risk = {row.name for row in types if row.raises_risk}
		self.strategy = {row.name: row.default_strategy for row in types}
		self.items = {code: (name_zh, group) for code, name_zh, _en, group, _price, _qty in words.ITEMS}
		self.sites = self._sites()
		self.totals: dict[str, int] = {}

	def _sites(self) -> dict[int, tuple[str | None, geo.Point | None, str | None, str | None]]:
		"""Each customer's primary address, its geofence centre (confirmed only) and who located it."""
		sites = {}
		for index, customer in enumerate(self.masters.customers):
			address = visit_module.site_address(
				frappe._dict(address=None, party_type="Customer", party=customer)
			)
			site = visit_module.site_location(address)
			sites[index] = (address, site.point, site.located_by, site.confirmed_by)
		return sites

	def name(self, kind: str, number: int) -> str:
		return f"{self.abbr}-{kind}-{number:07d}"

	def add(self, rows: _Rows):
		for doctype, table in rows.tables.items():
			self.totals[doctype] = self.totals.get(doctype, 0) + len(table)


class _Rows:
	"""Rows per table for one rep, inserted together."""

	FIELDS = {
		"Opportunity": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "naming_series", "title",
			"opportunity_from", "party_name", "customer_name", "status", "opportunity_type", "company",
			"sales_stage", "opportunity_owner", "transaction_date", "expected_closing", "currency",
			"conversion_rate", "probability", "opportunity_amount", "base_opportunity_amount", "total",
			"base_total", "territory", "customer_group", "order_lost_reason", "sp_stage_entered_on",
			"sp_compliance",
		],
		"Opportunity Item": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "parent", "parenttype",
			"parentfield", "item_code", "item_name", "item_group", "qty", "rate", "amount", "base_rate",
			"base_amount", "uom",
		],
		"Opportunity Lost Reason Detail": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "parent", "parenttype",
			"parentfield", "lost_reason",
		],
		"Competitor Detail": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "parent", "parenttype",
			"parentfield", "competitor",
		],
		"Sales Stage Log": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "reference_doctype",
			"reference_name", "changed_on", "changed_by", "source", "from_stage", "to_stage", "from_status",
			"to_status", "seconds_in_previous",
		],
		"Sales Checkpoint Record": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "checkpoint", "status",
			"reference_doctype", "reference_name", "trigger_key", "assigned_to", "company", "customer", "stage",
			"triggered_on", "due_on", "due_soon_on", "summary", "evidence_note", "completed_by", "completed_on",
			"on_time", "waived_by", "waived_on", "waiver_reason",
		],
		"Sales Visit Log": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "rep", "party_type",
			"party", "address", "site_located_by", "site_location_confirmed_by", "reference_doctype",
			"reference_name", "status", "geofence_result", "needs_review", "flags_note", "flag_codes",
			"reviewed_by", "reviewed_on", "review_comment", "check_in_time", "check_in_latitude",
			"check_in_longitude", "check_in_accuracy", "distance_m", "travel_speed_kmh", "device",
			"check_out_time", "duration", "summary", "next_step", "stage_before", "stage_after",
			"suggested_objection_type", "progressed_on",
		],
		"Sales Objection": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "reference_doctype",
			"reference_name", "objection_type", "suggested", "customer_words", "status", "source", "strategy",
			"customer", "visit", "assigned_to", "risk_signal",
		],
		"Sales Risk Signal": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "reference_doctype",
			"reference_name", "risk_type", "strategy", "suggested_strategy", "status", "assigned_to",
			"detected_in_doctype", "detected_in", "detected_text",
		],
		"Sales Competitor Response": [
			"name", "creation", "modified", "modified_by", "owner", "docstatus", "idx", "reference_doctype",
			"reference_name", "competitor", "competitor_model", "customer_concern", "our_advantages",
			"assigned_to",
		],
	}  # fmt: skip

	def __init__(self):
		self.tables: dict[str, list[dict]] = {doctype: [] for doctype in self.FIELDS}

	def add(self, doctype: str, row: dict):
		self.tables[doctype].append(row)

	def finish_visits(self, context: _Context):
		"""The rep's check-ins in time order: the travel since the previous one, and its flag."""
		previous = None
		for row in sorted(self.tables["Sales Visit Log"], key=lambda r: r["check_in_time"]):
			current = geo.Fix(
				geo.Point(row["check_in_latitude"], row["check_in_longitude"]), row["check_in_time"]
			)
			flags = json.loads(row["flag_codes"])
			if previous is not None:
				speed = geo.travel_speed_kmh(previous, current)
				row["travel_speed_kmh"] = None if speed == float("inf") else round(speed, 1)
				if geo.impossible_travel(previous, current, context.max_speed, tolerance_m=context.radius):
					flags.append(
						(visit_module.FLAG_TRAVEL, {"speed": "∞" if speed == float("inf") else int(speed)})
					)
			previous = current
			row["flag_codes"] = json.dumps(flags, ensure_ascii=False)
			row["flags_note"] = "\n".join(template.format(**params) for template, params in flags)
			if flags and not row["reviewed_by"]:
				row["needs_review"] = 1

	def insert(self):
		for doctype, rows in self.tables.items():
			fields = self.FIELDS[doctype]
			for offset in range(0, len(rows), BATCH):
				_insert_rows(
					doctype,
					fields,
					[tuple(row.get(f) for f in fields) for row in rows[offset : offset + BATCH]],
				)


# Frappe keeps these columns NOT NULL (0 for nothing), as a document save would write them
NUMERIC = frozenset({"Check", "Int", "Float", "Currency", "Percent"})


def _insert_rows(doctype: str, fields: list[str], rows: list[tuple]):
	"""One parametrised INSERT sent by the driver in batches (frappe.db.bulk_insert builds each query
	in Python, far slower at this size)."""
	if not rows:
		return
	meta = frappe.get_meta(doctype)
	numeric = [
		i for i, f in enumerate(fields) if (meta.get_field(f) and meta.get_field(f).fieldtype in NUMERIC)
	]
	if numeric:
		rows = [
			tuple(0 if value is None and i in numeric else value for i, value in enumerate(row))
			for row in rows
		]
	columns = ", ".join(f"`{field}`" for field in fields)
	placeholders = ", ".join(["%s"] * len(fields))
	frappe.db.sql("select 1")  # the connection is open
	frappe.db._cursor.executemany(f"INSERT INTO `tab{doctype}` ({columns}) VALUES ({placeholders})", rows)


class _DealRows:
	"""One deal's rows, from its planned steps up to the end date."""

	def __init__(self, context: _Context, deal: plan.Deal, rows: _Rows):
		self.c, self.deal, self.rows = context, deal, rows
		self.rep = context.masters.reps[deal.rep]
		self.customer = context.masters.customers[deal.customer]
		self.name = context.name("OPP", deal.index + 1)
		self.stage, self.status = None, None
		self.changed_on: datetime | None = None
		self.stage_entered: datetime | None = None
		self.records: list[dict] = []
		self.signals: dict[str, dict] = {}  # open signal per risk type
		self.visits: dict[int, dict] = {}
		self.objections: list[dict] = []
		self.competitors: list[str] = []
		self.modified = deal.created
		self.lost_reason: str | None = None
		self.progress: list[datetime] = []  # stage advances, the win, completed checkpoints
		self.counter = 0
		# when the rep completes each record of the large org's extra checkpoints (None: never)
		self.extra_done: dict[str, datetime | None] = {}

	def next_name(self, kind: str) -> str:
		self.counter += 1
		return f"{self.name}-{kind}{self.counter:03d}"

	def base(self, at: datetime, owner: str | None = None) -> dict:
		return {
			"creation": at,
			"modified": at,
			"modified_by": owner or self.rep,
			"owner": owner or self.rep,
			"docstatus": 0,
			"idx": 0,
		}

	def write(self):
		for step in self.deal.steps:
			if step.at >= self.c.end:
				continue
			getattr(self, f"_{step.kind}")(step)
			self.modified = max(self.modified, step.at)
		self._finish()

	# positions and records

	def log(self, at: datetime, stage: str, status: str, source: str, by: str | None = None):
		self.rows.add(
			"Sales Stage Log",
			{
				**self.base(at, by),
				"name": self.next_name("L"),
				"reference_doctype": "Opportunity",
				"reference_name": self.name,
				"changed_on": at,
				"changed_by": by or self.rep,
				"source": source,
				"from_stage": self.stage,
				"to_stage": stage,
				"from_status": self.status,
				"to_status": status,
				"seconds_in_previous": (at - self.changed_on).total_seconds() if self.changed_on else None,
			},
		)
		if stage != self.stage:
			self.stage_entered = at
		if is_advance(self.stage, stage, self.status, status, self.c.sequence):
			self.progress.append(at)
		self.stage, self.status, self.changed_on = stage, status, at

	def start(self, checkpoint: str, key: str, at: datetime) -> dict | None:
		rule = self.c.rules.get(checkpoint)
		if rule is None or any(
			r["trigger_key"] == key and r["checkpoint"] == checkpoint for r in self.records
		):
			return None
		due = due_time(at, rule.due_value, rule.due_unit, self.c.holidays)
		record = {
			**self.base(at),
			"name": self.next_name("R"),
			"checkpoint": checkpoint,
			"status": "Pending",
			"reference_doctype": "Opportunity",
			"reference_name": self.name,
			"trigger_key": key,
			"assigned_to": self.rep,
			"company": self.c.masters.company,
			"customer": self.customer,
			"stage": self.stage,
			"triggered_on": at,
			"due_on": due,
			"due_soon_on": at + (due - at) * self.c.share,
		}
		self.records.append(record)
		return record

	def open_record(self, checkpoint: str, key: str | None = None) -> dict | None:
		for record in reversed(self.records):
			if (
				record["checkpoint"] == checkpoint
				and record["status"] == "Pending"
				and (key is None or record["trigger_key"] == key)
			):
				return record
		return None

	def close(
		self, record: dict | None, at: datetime, status: str = "Completed", note: str | None = None, **extra
	):
		if record is None:
			return
		record.update(status=status, modified=at, **extra)
		if status == "Completed":
			on_time = completed_on_time(record["triggered_on"], record["due_on"], at)
			record.update(completed_by=self.rep, completed_on=at, on_time=int(on_time))
			self.progress.append(at)
		if note:
			record["evidence_note"] = note

	def raise_risk(self, kind: str, at: datetime, source_doctype: str, source: str, text: str) -> dict | None:
		if kind not in self.c.raises_risk:
			return None
		if kind in self.signals:
			return self.signals[kind]
		signal = {
			**self.base(at),
			"name": self.next_name("K"),
			"reference_doctype": "Opportunity",
			"reference_name": self.name,
			"risk_type": kind,
			"suggested_strategy": self.c.strategy.get(kind),
			"status": "Open",
			"assigned_to": self.rep,
			"detected_in_doctype": source_doctype,
			"detected_in": source,
			"detected_text": text[:500],
		}
		self.signals[kind] = signal
		self.rows.add("Sales Risk Signal", signal)
		self.start("Risk Pre-registration", risk_key(signal["name"]), at)
		return signal

	# the steps

	def _create(self, step):
		deal, customer = self.deal, self.c.plan.customers[self.deal.customer]
		amount = round(deal.amount, 2)
		self.opportunity = {
			**self.base(step.at),
			"name": self.name,
			"naming_series": "CRM-OPP-.YYYY.-",
			"title": self.customer,
			"opportunity_from": "Customer",
			"party_name": self.customer,
			"customer_name": self.customer,
			"opportunity_type": "Sales",
			"company": self.c.masters.company,
			"opportunity_owner": self.rep,
			"transaction_date": step.at.date(),
			"expected_closing": step.data["expected_closing"],
			"currency": words.CURRENCY,
			"conversion_rate": 1,
			"opportunity_amount": amount,
			"base_opportunity_amount": amount,
			"total": amount,
			"base_total": amount,
			"territory": customer.territory,
			"customer_group": customer.group,
		}
		for idx, (code, qty, rate) in enumerate(step.data["items"], start=1):
			name_zh, group = self.c.items[code]
			self.rows.add(
				"Opportunity Item",
				{
					**self.base(step.at),
					"name": self.next_name("I"),
					"idx": idx,
					"parent": self.name,
					"parenttype": "Opportunity",
					"parentfield": "items",
					"item_code": code,
					"item_name": name_zh,
					"item_group": group,
					"qty": qty,
					"rate": rate,
					"amount": qty * rate,
					"base_rate": rate,
					"base_amount": qty * rate,
					"uom": "Nos",
				},
			)
		self.log(step.at, plan.STAGES[0], "Open", "Opportunity")
		self.start("Requirement Clarification", CREATED_KEY, step.at)

	def _move(self, step):
		origin = self.stage
		self.log(step.at, step.data["stage"], self.status, "Opportunity")
		# a skipped stage is entered too: its checkpoints start (engine.triggers.stages_entered)
		for stage in stages_entered(origin, step.data["stage"], self.c.sequence):
			for rule in self.c.on_entering.get(stage, ()):
				record = self.start(rule.name, stage_key(stage), step.at)
				if record and rule.name not in STORY_CHECKPOINTS:
					self.extra_done[record["name"]] = self._extra_completion(record)

	def _extra_completion(self, record: dict) -> datetime | None:
		"""When the rep completes a record the story does not play: the diligent within its
		window, half the others late, the rest never."""
		rng = random.Random(f"{self.c.seed}:extra:{self.deal.index}:{record['checkpoint']}")
		diligence = self.c.plan.reps[self.deal.rep].diligence
		start, due = record["triggered_on"], record["due_on"]
		if rng.random() < diligence:
			done = start + (due - start) * rng.uniform(0.05, 0.8)
		elif rng.random() < 0.5:
			done = due + timedelta(hours=rng.uniform(2, 72))
		else:
			return None
		return self.c.calendar.next_working_start(done).replace(microsecond=0)

	def settle_extras(self, until: datetime):
		"""Complete the extra records whose planned completion came before `until`."""
		for record in self.records:
			done = self.extra_done.get(record["name"])
			if done is not None and done < until and record["status"] == "Pending":
				self.close(record, done)

	def _complete(self, step):
		self.close(self.open_record(step.data["checkpoint"]), step.at)

	def _decision_chain(self, step):
		self.close(self.open_record("Decision Chain Mapping"), step.at)

	def _waive(self, step):
		key = None
		if step.data["checkpoint"] == "Risk Pre-registration":
			signal = self.signals.get(step.data.get("kind"))
			if not signal:
				return
			key = risk_key(signal["name"])
		reason = words.WAIVER_REASONS[step.data["checkpoint"]][0]
		self.close(
			self.open_record(step.data["checkpoint"], key),
			step.at,
			"Waived",
			waived_by=self.c.masters.head,
			waived_on=step.at,
			waiver_reason=reason,
		)

	def _risk_strategy(self, step):
		signal = self.signals.get(step.data["kind"])
		if not signal or signal.get("strategy"):
			return
		signal.update(strategy=signal["suggested_strategy"], modified=step.at)
		note = f"Completed by Sales Risk Signal {signal['name']}: {signal['strategy']}"
		self.close(self.open_record("Risk Pre-registration", risk_key(signal["name"])), step.at, note=note)

	def _competitor_named(self, step):
		if step.data["competitor"] not in self.competitors:
			self.competitors.append(step.data["competitor"])
			self.start("Competitor Response Record", competitor_key(step.data["competitor"]), step.at)

	def _competitor_response(self, step):
		competitor = step.data["competitor"]
		self._competitor_named(step)
		name = self.next_name("C")
		self.rows.add(
			"Sales Competitor Response",
			{
				**self.base(step.at),
				"name": name,
				"reference_doctype": "Opportunity",
				"reference_name": self.name,
				"competitor": competitor,
				"competitor_model": step.data["model"],
				"customer_concern": step.data["concern"],
				"our_advantages": step.data["advantages"],
				"assigned_to": self.rep,
			},
		)
		record = self.open_record("Competitor Response Record", competitor_key(competitor))
		self.close(record, step.at, note=f"Completed by Sales Competitor Response {name}")

	def _check_in(self, step):
		data = step.data
		address, site, located_by, confirmed_by = self.c.sites[self.deal.customer]
		device = geo.Point(data["latitude"], data["longitude"])
		check = geo.geofence(device, site, self.c.radius)
		flags = []
		if check.result == geo.OUTSIDE:
			flags.append(
				(
					visit_module.FLAG_OUTSIDE,
					{
						"distance": geo.readable_distance(check.distance_m),
						"limit": geo.readable_distance(self.c.radius),
					},
				)
			)
		if check.result == geo.NO_SITE_LOCATION and located_by and not confirmed_by:
			flags.append((visit_module.FLAG_UNCONFIRMED_SITE, {"address": address, "located_by": located_by}))
		elif check.result == geo.NO_SITE_LOCATION:
			flags.append((visit_module.FLAG_NO_SITE, {"address": address or "-"}))
		if geo.accuracy_too_poor(data["accuracy"], self.c.max_accuracy):
			flags.append(
				(
					visit_module.FLAG_ACCURACY,
					{"accuracy": int(data["accuracy"]), "limit": int(self.c.max_accuracy)},
				)
			)
		visit = {
			**self.base(step.at),
			"name": self.next_name("V"),
			"rep": self.rep,
			"party_type": "Customer",
			"party": self.customer,
			"address": address,
			"site_located_by": located_by,
			"site_location_confirmed_by": confirmed_by,
			"reference_doctype": "Opportunity",
			"reference_name": self.name,
			"status": "Checked In",
			"geofence_result": check.result,
			"needs_review": int(bool(flags)),
			"flag_codes": json.dumps(flags, ensure_ascii=False),
			"reviewed_by": None,
			"check_in_time": step.at,
			"check_in_latitude": data["latitude"],
			"check_in_longitude": data["longitude"],
			"check_in_accuracy": data["accuracy"],
			"distance_m": check.distance_m,
			"device": words.DEVICES[data["device"]],
			"stage_before": self.stage,
		}
		self.visits[data["visit"]] = visit
		self.rows.add("Sales Visit Log", visit)

	def _photo(self, step):
		pass  # no files in bulk mode

	def _check_out(self, step):
		visit = self.visits.get(step.data["visit"])
		if not visit:
			return
		summary = step.data["summary"]
		topics = self.c.classifier.categories(summary)
		visit.update(
			status="Checked Out",
			modified=step.at,
			check_out_time=step.at,
			duration=(step.at - visit["check_in_time"]).total_seconds(),
			summary=summary,
			next_step=step.data["next_step"],
			stage_after=self.stage,
			suggested_objection_type=topics[0] if topics else None,
		)
		for kind in topics:
			self.raise_risk(kind, step.at, "Sales Visit Log", visit["name"], summary)

	def _review(self, step):
		visit = self.visits.get(step.data["visit"])
		if visit and visit["needs_review"]:
			visit.update(
				needs_review=0,
				reviewed_by=self.c.masters.head,
				reviewed_on=step.at,
				review_comment=step.data["comment"],
			)

	def _objection(self, step):
		data = step.data
		visit = self.visits.get(data["visit"]) if data["visit"] is not None else None
		topics = self.c.classifier.categories(data["words"])
		kind = data["kind"]
		objection = {
			**self.base(step.at),
			"name": self.next_name("O"),
			"reference_doctype": "Opportunity",
			"reference_name": self.name,
			"objection_type": kind,
			"suggested": int(bool(topics) and topics[0] == kind),
			"customer_words": data["words"],
			"status": "Open",
			"source": data["source"],
			"strategy": self.c.strategy.get(kind),
			"customer": self.customer,
			"visit": visit["name"] if visit else None,
			"assigned_to": self.rep,
		}
		signal = None
		for risk in dict.fromkeys([kind, *topics]):
			raised = self.raise_risk(risk, step.at, "Sales Objection", objection["name"], data["words"])
			signal = signal or raised
		objection["risk_signal"] = signal["name"] if signal else None
		self.objections.append(objection)
		self.rows.add("Sales Objection", objection)

	def _quote(self, step):
		self.quotation = document_key("Quotation", self.c.name("QTN", self.deal.index + 1))
		self.start("Solution Match Verification", self.quotation, step.at)

	def _submit_quote(self, step):
		self.close(
			self.open_record("Solution Match Verification"),
			step.at,
			note="Verified automatically: the customer has no purchase history to compare with",
		)
		self.log(step.at, self.stage, "Quotation", "Quotation")

	def _order(self, step):
		key = document_key("Sales Order", self.c.name("SO", self.deal.index + 1))
		self.start("Contract Terms Consensus", key, step.at)

	def _submit_order(self, step):
		self.log(step.at, self.stage, "Converted", "Sales Order")

	def _lost(self, step):
		self.lost_reason = words.LOST_REASONS[step.data["reason"]]
		if step.data["competitor"] and step.data["competitor"] not in self.competitors:
			self.competitors.append(step.data["competitor"])
		# ERPNext sets Lost from the Quotation with db_set: the Opportunity's own hook logs it
		self.log(step.at, self.stage, "Lost", "Opportunity")
		self.settle_extras(step.at)
		for record in self.records:
			if record["status"] == "Pending":
				record.update(status="Cancelled", modified=step.at, evidence_note="The deal is Lost")

	def _close_objections(self, step):
		outcome, loss_kind = step.data["outcome"], step.data["loss_kind"]
		for objection in self.objections:
			if outcome == "won":
				status = "Resolved"
			else:
				status = "Lost on It" if objection["objection_type"] == loss_kind else "Addressed"
			objection.update(status=status, modified=step.at)
		for kind, signal in self.signals.items():
			won = outcome == "won"
			signal.update(
				status="Mitigated" if won else ("Realised" if kind == loss_kind else "Closed"),
				modified=step.at,
			)

	# the end

	def _finish(self):
		end = self.c.end
		horizon = timedelta(days=PROGRESS_HORIZON_DAYS)
		self.settle_extras(end)
		for visit in self.visits.values():
			# the first progress after the check-in, within the horizon (visits.mark_progress)
			after = [
				at for at in self.progress if visit["check_in_time"] < at <= visit["check_in_time"] + horizon
			]
			visit["progressed_on"] = min(after) if after else None
		for record in self.records:
			if record["status"] == "Pending":
				if record["due_on"] < end:
					record["status"] = "Overdue"
				elif record["due_soon_on"] <= end:
					record["status"] = "Due Soon"
			self.rows.add("Sales Checkpoint Record", record)
		states = [
			RecordState(
				checkpoint=r["checkpoint"],
				trigger_key=r["trigger_key"],
				status=r["status"],
				due_on=r["due_on"],
				triggered_on=r["triggered_on"],
				completed_on=r.get("completed_on"),
				name=r["name"],
			)
			for r in self.records
		]
		probability = {"Converted": 100, "Lost": 0}.get(self.status, self.c.probability.get(self.stage, 0))
		self.opportunity.update(
			modified=self.modified,
			status=self.status,
			sales_stage=self.stage,
			probability=probability,
			sp_stage_entered_on=self.stage_entered,
			sp_compliance=compliance_rate(states, end) or 0,
			order_lost_reason=self.lost_reason,
		)
		self.rows.add("Opportunity", self.opportunity)
		if self.lost_reason:
			self._child("Opportunity Lost Reason Detail", "lost_reasons", {"lost_reason": self.lost_reason})
		for competitor in self.competitors:
			self._child("Competitor Detail", "competitors", {"competitor": competitor})

	def _child(self, doctype: str, parentfield: str, values: dict):
		self.rows.add(
			doctype,
			{
				**self.base(self.modified),
				"name": self.next_name("X"),
				"idx": 1,
				"parent": self.name,
				"parenttype": "Opportunity",
				"parentfield": parentfield,
				**values,
			},
		)
