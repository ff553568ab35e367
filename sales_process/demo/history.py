"""The demo's months, played through the app's own logic with the clock set to each step's moment.

Every step runs as the person who would do it (the rep, or the head of sales for waivers and
reviews) through the same functions the desk and the phone call: Opportunity saves (the app logs
the stage move and starts checkpoint records), `api.complete_checkpoint` with an uploaded private
file, `visits.check_in` / `check_out` (the server computes the geofence), Sales Objections (the
app suggests the type and raises risk signals), Quotation and Sales Order submits (the app's gates
apply). Every working morning the app's hourly job runs at that moment, so records turn Due Soon
and Overdue and alerts are raised and delivered when they would have been. `freezegun` moves the
clock; nothing is back-dated afterwards.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import frappe
from frappe.utils import add_days, get_system_timezone

from sales_process import api, tasks
from sales_process.adapters import opportunity as opportunity_adapter
from sales_process.demo import plan
from sales_process.demo import vocabulary as words
from sales_process.demo.company import Masters, contacts_of
from sales_process.engine.triggers import risk_key
from sales_process.pdf import minimal_pdf
from sales_process.process import alerts, visits
from sales_process.process.gates import CheckpointGateError

OPEN = ("Pending", "Due Soon", "Overdue")
RECORD = "Sales Checkpoint Record"
# the scheduler's hourly job, played at this time of each working day (records turn Due Soon and
# Overdue, and their alerts are raised, on the next morning; every run delivers its alerts)
JOB_TIMES = ((9, 5),)
COMMIT_EVERY = 250


class History:
	def __init__(
		self,
		story: plan.Story,
		masters: Masters,
		commit: Callable[[], None] = frappe.db.commit,
		say: Callable[[str], None] = print,
	):
		self.story, self.masters, self.commit, self.say = story, masters, commit, say
		self.company = story.company
		self.deals: dict[int, dict] = {}
		self.failed: Counter = Counter()
		self.errors: list[str] = []
		self.done: Counter = Counter()
		self.waived_at_submit = 0
		self.seconds: Counter = Counter()  # real time spent per kind of step

	# the run

	def run(self):
		from freezegun import freeze_time
		from freezegun.api import real_time

		steps = self.story.steps_until_end()
		jobs = self._job_moments()
		self.say(self.opening(steps, jobs))
		timeline = sorted(
			[(step.at, 1, index, step) for index, step in enumerate(steps)]
			+ [(moment, 0, index, None) for index, moment in enumerate(jobs)],
			key=lambda row: row[:3],
		)
		zone = ZoneInfo(get_system_timezone())
		started, month, previous, micro = real_time(), None, None, 0
		previous_flags = frappe.flags.mute_emails, frappe.flags.mute_messages
		frappe.flags.mute_emails = frappe.flags.mute_messages = True
		try:
			with freeze_time(_utc(self.story.start, zone), tick=False) as clock:
				for count, (moment, _job, _index, step) in enumerate(timeline, start=1):
					# never a whole second: Frappe compares `modified` as text, and a datetime without
					# microseconds prints without them (a save right after an insert would look stale)
					micro = micro + 1 if moment == previous else 1
					previous = moment
					clock.move_to(_utc(moment + timedelta(microseconds=micro), zone))
					if step is None:
						self._job(moment)
					else:
						self._play(step)
					if (moment.year, moment.month) != month:
						month = (moment.year, moment.month)
						self.say(
							f"  {moment:%Y-%m}  steps {count:>7,}/{len(timeline):,}  failed {sum(self.failed.values()):>4}"
							f"  {real_time() - started:7.0f} s"
						)
					if count % COMMIT_EVERY == 0:
						self.commit()
				clock.move_to(_utc(self.story.end + timedelta(microseconds=1), zone))
				self._job(self.story.end)
				tasks.refresh_strategy_statistics()
				self.commit()
		finally:
			frappe.flags.mute_emails, frappe.flags.mute_messages = previous_flags
			frappe.set_user("Administrator")
		self.say(f"history written in {real_time() - started:.0f} s")
		self.say(
			"seconds by step: "
			+ ", ".join(
				f"{kind} {seconds:.0f} ({self.done[kind] or ''})"
				for kind, seconds in self.seconds.most_common()
			)
		)
		if self.failed:
			self.say(f"steps that failed (rolled back, the story goes on): {dict(self.failed)}")
			for line in self.errors[:10]:
				self.say(f"  {line}")

	def opening(self, steps: list, jobs: list) -> str:
		return f"history: {len(steps):,} steps over {len(self.story.deals):,} deals, {len(jobs):,} job runs"

	def _job_moments(self) -> list[datetime]:
		"""On working days only: what the job finds on a Sunday it finds on Monday morning too."""
		calendar = plan.Calendar(plan.holidays_between(self.story.start.date(), self.story.end.date()))
		return [
			datetime(day.year, day.month, day.day, hour, minute)
			for day in calendar.working_days(self.story.start.date(), self.story.end.date())
			for hour, minute in JOB_TIMES
		]

	def _job(self, moment: datetime):
		from freezegun.api import real_perf_counter

		started = real_perf_counter()
		try:
			self._run_job(moment)
		finally:
			self.seconds["hourly job"] += real_perf_counter() - started

	def _run_job(self, moment: datetime):
		"""The app's hourly job at `moment`."""
		frappe.set_user("Administrator")
		try:
			tasks.hourly(moment)
			self._deliver_alerts()
		except Exception as error:
			self._failed("hourly job", error)
		self.commit()

	def _play(self, step: plan.Step):
		from freezegun.api import real_perf_counter

		state = self.deals.setdefault(step.deal, {"visits": {}, "objections": []})
		if state.get("broken") or (step.kind != "create" and not state.get("opportunity")):
			return
		started = real_perf_counter()
		frappe.db.savepoint("sales_process_demo")
		try:
			getattr(self, f"_{step.kind}")(step, state)
			self._deliver_alerts()
			self.done[step.kind] += 1
		except Exception as error:
			frappe.db.rollback(save_point="sales_process_demo")
			self._failed(step.kind, error, step)
			if step.kind in ("create", "quote", "order"):
				state["broken"] = True  # what follows needs this document
		finally:
			frappe.set_user("Administrator")
			frappe.clear_messages()
			self.seconds[step.kind] += real_perf_counter() - started

	def _failed(self, kind: str, error: Exception, step: plan.Step | None = None):
		self.failed[kind] += 1
		where = f"deal {step.deal} at {step.at:%Y-%m-%d %H:%M}" if step else ""
		detail = frappe.utils.strip_html(str(error))[:300]
		if not detail.strip():
			import traceback

			detail = " | ".join(line.strip() for line in traceback.format_exc(limit=-3).splitlines()[-6:])
		self.errors.append(f"{kind} {where}: {type(error).__name__}: {detail}")
		frappe.clear_last_message()

	def _deliver_alerts(self):
		"""Alerts are delivered (notification, ToDo) by a worker after commit; here at the same moment."""
		outbox = getattr(frappe.local, "sales_process_outbox", None)
		if outbox:
			frappe.local.sales_process_outbox = None
			alerts.deliver(outbox)

	# helpers

	def rep_of(self, deal: int) -> str:
		return self.masters.reps[self.story.deals[deal].rep]

	def customer_of(self, deal: int) -> str:
		return self.masters.customers[self.story.deals[deal].customer]

	@contextmanager
	def acting(self, user: str):
		frappe.set_user(user)
		yield

	def people_of(self, deal: int) -> list[str]:
		"""The Contacts of the deal's customer, in the plan's order (the decision chain names them)."""
		return contacts_of(self.customer_of(deal), self.company.customers[self.story.deals[deal].customer])

	def open_record(self, opportunity: str, checkpoint: str, trigger_key: str | None = None) -> str | None:
		filters = {
			"reference_doctype": "Opportunity",
			"reference_name": opportunity,
			"checkpoint": checkpoint,
			"status": ("in", OPEN),
		}
		if trigger_key:
			filters["trigger_key"] = trigger_key
		return frappe.db.get_value(RECORD, filters, "name", order_by="creation desc")

	def upload(self, doctype: str, name: str, file_name: str, content: bytes) -> str:
		"""A private file uploaded to the document, as the person acting (Frappe's upload does the same)."""
		return (
			frappe.get_doc(
				{
					"doctype": "File",
					"file_name": file_name,
					"attached_to_doctype": doctype,
					"attached_to_name": name,
					"content": content,
					"is_private": 1,
				}
			)
			.insert(ignore_permissions=True)
			.file_url
		)

	def signal_of(self, opportunity: str, kind: str, open_only: bool = True) -> str | None:
		filters = {"reference_doctype": "Opportunity", "reference_name": opportunity, "risk_type": kind}
		if open_only:
			filters["status"] = "Open"
		return frappe.db.get_value("Sales Risk Signal", filters, "name", order_by="creation desc")

	# the steps

	def _create(self, step, state):
		deal = self.story.deals[step.deal]
		customer = self.company.customers[deal.customer]
		with self.acting(self.rep_of(step.deal)):
			doc = frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Customer",
					"party_name": self.customer_of(step.deal),
					"company": self.masters.company,
					"opportunity_type": "Sales",
					"opportunity_owner": self.rep_of(step.deal),
					"sales_stage": plan.STAGES[0],
					"currency": words.CURRENCY,
					"conversion_rate": 1,
					"transaction_date": frappe.utils.today(),
					"expected_closing": step.data["expected_closing"],
					"territory": customer.territory,
					"customer_group": customer.group,
					"opportunity_amount": deal.amount,
					"items": [
						{"item_code": code, "qty": qty, "rate": rate, "uom": "Nos"}
						for code, qty, rate in step.data["items"]
					],
				}
			).insert()
		state["opportunity"] = doc.name

	def _move(self, step, state):
		with self.acting(self.rep_of(step.deal)):
			doc = frappe.get_doc("Opportunity", state["opportunity"])
			if doc.status != "Open" and doc.status != "Quotation":
				return
			doc.sales_stage = step.data["stage"]
			doc.save()

	def _complete(self, step, state):
		"""Requirement Clarification or Contract Terms Consensus: the signed document and a summary."""
		checkpoint = step.data["checkpoint"]
		record = self.open_record(state["opportunity"], checkpoint)
		if not record:
			return
		rng = _rng(step)
		customer = self.customer_of(step.deal)
		with self.acting(self.rep_of(step.deal)):
			if checkpoint == "Requirement Clarification":
				content = _pdf(f"Requirement confirmation - {state['opportunity']} - signed by the customer")
				url = self.upload(RECORD, record, f"需求确认单-{state['opportunity']}.pdf", content)
				summary = rng.choice(words.REQUIREMENT_SUMMARIES)
			else:
				content = _pdf(f"Key terms confirmation - {state['opportunity']} - signed by {customer[:12]}")
				url = self.upload(RECORD, record, f"合同关键条款确认-{state['opportunity']}.pdf", content)
				summary = "客户已签字确认付款、交期和验收条款"
			api.complete_checkpoint(record, summary=summary, attachment=url)

	def _decision_chain(self, step, state):
		record = self.open_record(state["opportunity"], "Decision Chain Mapping")
		if not record:
			return
		with self.acting(self.rep_of(step.deal)):
			contacts = self.people_of(step.deal)
			people = [
				{"contact": contact, "role": role, "attitude": attitude}
				for contact, role, attitude in zip(
					contacts,
					words.DECISION_ROLES[: step.data["roles"]],
					("Supporter", "Neutral", "Neutral", "Supporter"),
					strict=False,
				)
			]
			minutes = _pdf(f"Meeting minutes - {state['opportunity']} - decision chain")
			url = self.upload(RECORD, record, f"会议纪要-{state['opportunity']}.pdf", minutes)
			api.complete_checkpoint(record, attachment=url, decision_makers=people)

	def _waive(self, step, state):
		checkpoint = step.data["checkpoint"]
		trigger_key = None
		if checkpoint == "Risk Pre-registration":
			signal = self.signal_of(state["opportunity"], step.data["kind"])
			if not signal:
				return
			trigger_key = risk_key(signal)
		record = self.open_record(state["opportunity"], checkpoint, trigger_key)
		if not record:
			return
		with self.acting(self.masters.head):
			api.waive_checkpoint(record, _rng(step).choice(words.WAIVER_REASONS[checkpoint]))

	def _risk_strategy(self, step, state):
		signal = self.signal_of(state["opportunity"], step.data["kind"])
		if not signal or frappe.db.get_value("Sales Risk Signal", signal, "strategy"):
			return
		suggested = frappe.db.get_value("Sales Risk Signal", signal, "suggested_strategy")
		rng = _rng(step)
		strategy = suggested
		if not strategy or rng.random() < 0.25:
			choices = frappe.get_all(
				"Sales Response Strategy",
				filters={"applies_to": ("in", ("Risk", "Objection and Risk"))},
				pluck="name",
				order_by="name asc",
			)
			strategy = rng.choice(choices) if choices else suggested
		with self.acting(self.rep_of(step.deal)):
			api.choose_risk_strategy(signal, strategy)

	def _competitor_named(self, step, state):
		with self.acting(self.rep_of(step.deal)):
			opportunity_adapter.add_competitor(state["opportunity"], step.data["competitor"])

	def _competitor_response(self, step, state):
		data = step.data
		if frappe.db.exists(
			"Sales Competitor Response",
			{
				"reference_doctype": "Opportunity",
				"reference_name": state["opportunity"],
				"competitor": data["competitor"],
			},
		):
			return
		with self.acting(self.rep_of(step.deal)):
			api.record_competitor(
				"Opportunity",
				state["opportunity"],
				data["competitor"],
				data["concern"],
				data["advantages"],
				data["model"],
			)

	def _check_in(self, step, state):
		data = step.data
		with self.acting(self.rep_of(step.deal)):
			visit = frappe.get_doc(
				{
					"doctype": "Sales Visit Log",
					"party_type": "Customer",
					"party": self.customer_of(step.deal),
					"reference_doctype": "Opportunity",
					"reference_name": state["opportunity"],
				}
			).insert()
			visits.check_in(
				visit,
				data["latitude"],
				data["longitude"],
				data["accuracy"],
				device=words.DEVICES[data["device"]],
			)
		state["visits"][data["visit"]] = visit.name

	def _photo(self, step, state):
		name = state["visits"].get(step.data["visit"])
		if not name:
			return
		with self.acting(self.rep_of(step.deal)):
			visit = frappe.get_doc("Sales Visit Log", name)
			url = self.upload(
				"Sales Visit Log", name, f"{name}.jpg", _jpeg(step.deal * 31 + step.data["visit"])
			)
			visits.add_photo(visit, url)

	def _check_out(self, step, state):
		name = state["visits"].get(step.data["visit"])
		if not name:
			return
		with self.acting(self.rep_of(step.deal)):
			visits.check_out(
				frappe.get_doc("Sales Visit Log", name),
				summary=step.data["summary"],
				next_step=step.data["next_step"],
			)

	def _review(self, step, state):
		name = state["visits"].get(step.data["visit"])
		if not name or not frappe.db.get_value("Sales Visit Log", name, "needs_review"):
			return
		with self.acting(self.masters.head):
			visits.review(frappe.get_doc("Sales Visit Log", name), step.data["comment"])

	def _objection(self, step, state):
		data = step.data
		with self.acting(self.rep_of(step.deal)):
			doc = frappe.get_doc(
				{
					"doctype": "Sales Objection",
					"reference_doctype": "Opportunity",
					"reference_name": state["opportunity"],
					"customer_words": data["words"],
					"source": data["source"],
					"visit": state["visits"].get(data["visit"]) if data["visit"] is not None else None,
				}
			)
			doc.insert()  # the app suggests the type from the words; the rep confirms it
			if doc.objection_type != data["kind"] and frappe.db.exists("Sales Objection Type", data["kind"]):
				doc.objection_type = data["kind"]  # the rep corrects the suggestion
				doc.save()
		state["objections"].append(doc.name)

	def _quote(self, step, state):
		from erpnext.crm.doctype.opportunity.opportunity import make_quotation

		discount = step.data["discount"]
		with self.acting(self.rep_of(step.deal)):
			quotation = make_quotation(state["opportunity"])
			quotation.selling_price_list = words.PRICE_LIST
			quotation.valid_till = add_days(frappe.utils.today(), step.data.get("valid_days", 30))
			for item in quotation.items:
				item.price_list_rate = item.rate
				item.discount_percentage = round(discount * 100, 2)
				item.rate = round(item.price_list_rate * (1 - discount), 2)
			quotation.run_method("set_missing_values")
			quotation.run_method("calculate_taxes_and_totals")
			quotation.insert()
		state["quotation"] = quotation.name

	def _submit_quote(self, step, state):
		name = state.get("quotation")
		if not name:
			return
		try:
			with self.acting(self.rep_of(step.deal)):
				frappe.get_doc("Quotation", name).submit()
		except CheckpointGateError:
			# new products for a customer with a purchase history: the head of sales waives the
			# match, as the rep asks in the refusal, and the rep submits again
			record = self.open_record(state["opportunity"], "Solution Match Verification")
			if not record:
				raise
			with self.acting(self.masters.head):
				api.waive_checkpoint(
					record, _rng(step).choice(words.WAIVER_REASONS["Solution Match Verification"])
				)
			with self.acting(self.rep_of(step.deal)):
				frappe.get_doc("Quotation", name).submit()
			self.waived_at_submit += 1

	def _order(self, step, state):
		from erpnext.selling.doctype.quotation.quotation import make_sales_order

		name = state.get("quotation")
		if not name or frappe.db.get_value("Quotation", name, "docstatus") != 1:
			state["broken"] = True
			return
		with self.acting(self.rep_of(step.deal)):
			order = make_sales_order(name)
			# the quotation's payment schedule is dated from the quotation: the order makes its own
			order.payment_schedule = []
			order.delivery_date = add_days(frappe.utils.today(), step.data["delivery_days"])
			for item in order.items:
				item.delivery_date = order.delivery_date
			order.insert()
		state["sales_order"] = order.name

	def _submit_order(self, step, state):
		name = state.get("sales_order")
		if name:
			with self.acting(self.rep_of(step.deal)):
				frappe.get_doc("Sales Order", name).submit()

	def _lost(self, step, state):
		data = step.data
		reason = words.LOST_REASONS[data["reason"]]
		detail = {
			"price": "客户最终选择了报价更低的方案",
			"competitor": f"客户选择了{data['competitor'] or '竞品'}",
			"budget": "客户今年预算取消",
			"tender": "公开招标未中标",
			"delay": "项目推迟到明年",
			"fit": "技术要求与我们的产品不匹配",
			"silence": "多次联系客户无回应",
		}[data["reason"]]
		competitors = [{"competitor": data["competitor"]}] if data["competitor"] else []
		quotation = state.get("quotation")
		if quotation and frappe.db.get_value("Quotation", quotation, "docstatus") == 1:
			# ERPNext v15 lets only a Sales Manager read Quotation Lost Reason, so "Set as Lost" on a
			# submitted quotation is the head of sales' click, as in a real team on v15
			with self.acting(self.masters.head):
				frappe.get_doc("Quotation", quotation).declare_enquiry_lost(
					[{"lost_reason": reason}], competitors, detail
				)
			return
		with self.acting(self.rep_of(step.deal)):
			doc = frappe.get_doc("Opportunity", state["opportunity"])
			doc.status = "Lost"
			doc.order_lost_reason = detail
			doc.set("lost_reasons", [{"lost_reason": reason}])
			for row in competitors:
				if row["competitor"] not in {c.competitor for c in doc.competitors}:
					doc.append("competitors", row)
			doc.save()

	def _close_objections(self, step, state):
		outcome, loss_kind = step.data["outcome"], step.data["loss_kind"]
		with self.acting(self.rep_of(step.deal)):
			for name in state["objections"]:
				doc = frappe.get_doc("Sales Objection", name)
				if outcome == "won":
					doc.status = "Resolved"
				else:
					doc.status = "Lost on It" if doc.objection_type == loss_kind else "Addressed"
				doc.save()
			for name in frappe.get_all(
				"Sales Risk Signal",
				filters={
					"reference_doctype": "Opportunity",
					"reference_name": state["opportunity"],
					"status": "Open",
				},
				fields=["name", "risk_type"],
			):
				signal = frappe.get_doc("Sales Risk Signal", name.name)
				if outcome == "won":
					signal.status = "Mitigated"
				else:
					signal.status = "Realised" if signal.risk_type == loss_kind else "Closed"
				signal.save()


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
	return local.replace(tzinfo=zone).astimezone(timezone.utc)


def _rng(step: plan.Step):
	import random

	return random.Random(f"{step.deal}:{step.kind}:{step.at.isoformat()}")


def _pdf(text: str) -> bytes:
	return minimal_pdf(text)


def _jpeg(seed: int) -> bytes:
	"""A plain site photo stand-in (a coloured frame); the app stamps its watermark on it."""
	from PIL import Image, ImageDraw

	colour = (60 + seed * 37 % 150, 80 + seed * 53 % 120, 70 + seed * 71 % 140)
	image = Image.new("RGB", (480, 360), colour)
	draw = ImageDraw.Draw(image)
	draw.rectangle((60, 120, 420, 330), outline=(230, 230, 230), width=6)
	out = io.BytesIO()
	image.save(out, format="JPEG", quality=80)
	return out.getvalue()


def counts(company: str) -> dict[str, dict[str, int]]:
	"""What the demo wrote, grouped the way the reports read it."""
	from frappe.query_builder.functions import Count

	def grouped(doctype: str, column: str, condition=None, **where) -> dict[str, int]:
		table = frappe.qb.DocType(doctype)
		query = frappe.qb.from_(table).select(table[column], Count("*")).groupby(table[column])
		for key, value in where.items():
			query = query.where(table[key] == value)
		if condition is not None:
			query = query.where(condition(table))
		return {str(key): total for key, total in query.run()}

	opportunities = frappe.get_all("Opportunity", filters={"company": company}, pluck="name") or [""]
	of_the_deals = lambda t: t.reference_name.isin(opportunities)  # noqa: E731
	return {
		"Opportunity by status": grouped("Opportunity", "status", company=company),
		"Open opportunity by stage": grouped("Opportunity", "sales_stage", company=company, status="Open"),
		"Checkpoint record by status": grouped("Sales Checkpoint Record", "status", company=company),
		"Checkpoint record by checkpoint": grouped("Sales Checkpoint Record", "checkpoint", company=company),
		"Visit by geofence result": grouped("Sales Visit Log", "geofence_result", of_the_deals),
		"Visit flagged": grouped("Sales Visit Log", "needs_review", of_the_deals),
		"Objection by type": grouped("Sales Objection", "objection_type", of_the_deals),
		"Objection by status": grouped("Sales Objection", "status", of_the_deals),
		"Risk signal by type": grouped("Sales Risk Signal", "risk_type", of_the_deals),
		"Stage log by source": grouped("Sales Stage Log", "source", of_the_deals),
		"Quotation by status": grouped("Quotation", "status", company=company),
		"Sales Order by status": grouped("Sales Order", "status", company=company),
		"Alert by type": grouped("Sales Process Alert", "alert_type"),
	}
