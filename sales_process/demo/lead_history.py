"""The demo's leads, played through the app's own logic with the clock set to each step's moment (as
`history` plays the deals; the same `History` machinery, freezegun and all).

The head of sales sets up the Lead Sources, the industries and the company's Sales Lead Rule
through the doctype (the rule's own checks apply); marketing's campaigns follow. Leads come in
through a web form or a message (the inbound channels: made by the system, owned by the rep of
the lead's city) or are typed in by the rep (fairs, cold calls, referrals); every save goes
through the Lead's validate hook, which scores, grades and qualifies it. Emails and calls are
Communications on the lead, meetings are Events with the lead as participant: the app's hooks
re-score the lead after each. A converted lead becomes an Opportunity the ERPNext way
(`make_opportunity`: opportunity_from Lead, party_name the lead) and is then worked as any deal;
when it is won, the lead becomes a Customer first (ERPNext's `make_customer`), then the order is
made from the quotation.

The app's jobs run at their moments: the first-response check every working hour (reminder to
the owner, alert to their manager), the daily re-score for decay at night, and the hourly
process job every working morning for the lead deals' checkpoints. Run after the deal story is
written, those jobs find nothing of it left to do (every record, stall check and escalation of
it was settled at its own moments), so only the leads and their deals change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, time, timedelta
from unittest import mock

import frappe

from sales_process import tasks
from sales_process.demo import lead_plan, plan
from sales_process.demo import vocabulary as words
from sales_process.demo.company import Masters
from sales_process.demo.history import JOB_TIMES, History

RULE_ROLE = "Sales Process Manager"  # who may write a Sales Lead Rule
# the first-response check runs hourly; played on each working hour at :05, when a deadline of
# that hour has passed (the nights and days off only find what the next morning finds too)
RESPONSE_CHECKS = tuple(time(hour, 5) for hour in range(9, 19))
DAILY_SCORES = time(1, 0)  # the daily re-score (decay), every day


def rule_name(company: str) -> str:
	return f"{company} 入池标准"


class LeadHistory(History):
	def __init__(
		self,
		story: lead_plan.LeadStory,
		masters: Masters,
		commit: Callable[[], None] = frappe.db.commit,
		say: Callable[[str], None] = print,
	):
		super().__init__(story, masters, commit=commit, say=say)
		self.lead_names: dict[int, str] = {}  # planned lead index -> Lead name
		self.campaign_names: dict[str, str] = {}  # planned campaign name -> Campaign name
		self.event_count = 0

	def run(self):
		from erpnext.telephony.doctype.call_log import call_log

		with ExitStack() as stack:
			# the demo's addresses are made up: no Gravatar lookup over the network for each lead
			# and contact (Frappe skips it only for imports and tests)
			for target in (
				"erpnext.crm.doctype.lead.lead.has_gravatar",
				"frappe.contacts.doctype.contact.contact.has_gravatar",
			):
				stack.enter_context(mock.patch(target, return_value=""))
			stack.enter_context(
				mock.patch.object(
					call_log,
					"link_existing_conversations",
					_without_commit(call_log.link_existing_conversations),
				)
			)
			super().run()

	def opening(self, steps: list, jobs: list) -> str:
		story = self.story
		return (
			f"leads: {len(steps):,} steps over {len(story.leads):,} leads and the {len(story.deals):,} "
			f"deals they became, {len(jobs):,} job runs"
		)

	# the jobs

	def _job_moments(self) -> list[datetime]:
		start, end = self.story.start.date(), self.story.end.date()
		calendar = plan.Calendar(plan.holidays_between(start, end))
		moments = [
			datetime.combine(day, moment)
			for day in calendar.working_days(start, end)
			for moment in RESPONSE_CHECKS
		]
		day = start
		while day < end:
			moments.append(datetime.combine(day, DAILY_SCORES))
			day += timedelta(days=1)
		return sorted(moments)

	def _run_job(self, moment: datetime):
		"""The app's jobs due at `moment` (at the end of the story: all of them)."""
		frappe.set_user("Administrator")
		final = moment == self.story.end
		try:
			if final or moment.time() == DAILY_SCORES:
				tasks.recompute_lead_scores(moment)
			if final or (moment.hour, moment.minute) in JOB_TIMES:
				tasks.hourly(moment)
			if final or moment.time() in RESPONSE_CHECKS:
				tasks.first_response_alerts(moment)
			self._deliver_alerts()
		except Exception as error:
			self._failed("lead job", error)
		self.commit()

	# the steps

	def _play(self, step: plan.Step):
		if step.kind.startswith("lead_"):
			self._play_lead(step)
		else:
			super()._play(step)

	def _play_lead(self, step: plan.Step):
		from freezegun.api import real_perf_counter

		if step.deal >= 0 and step.kind != "lead_new" and step.deal not in self.lead_names:
			return  # the lead could not be written: nothing happens with it
		started = real_perf_counter()
		frappe.db.savepoint("sales_process_demo")
		try:
			getattr(self, f"_{step.kind}")(step)
			self._deliver_alerts()
			self.done[step.kind] += 1
		except Exception as error:
			frappe.db.rollback(save_point="sales_process_demo")
			self._failed(step.kind, error, step)
		finally:
			frappe.set_user("Administrator")
			frappe.clear_messages()
			self.seconds[step.kind] += real_perf_counter() - started

	def lead(self, step: plan.Step) -> lead_plan.Lead:
		return self.story.leads[step.deal]

	def rep_of_lead(self, lead: lead_plan.Lead) -> str:
		return self.masters.reps[lead.rep]

	def _lead_setup(self, step):
		"""Industries and Lead Sources the leads use, then the rule, by the head of sales."""
		for name, _word, _slug, _group in words.LEAD_INDUSTRIES:
			if not frappe.db.exists("Industry Type", name):
				frappe.get_doc({"doctype": "Industry Type", "industry": name}).insert(ignore_permissions=True)
		for name, details in words.LEAD_SOURCES.items():
			if not frappe.db.exists("Lead Source", name):
				frappe.get_doc({"doctype": "Lead Source", "source_name": name, "details": details}).insert(
					ignore_permissions=True
				)
		# the head of sales runs the process: the rule is theirs (ERPNext's Qualified By shows them)
		if frappe.db.exists("Role", RULE_ROLE) and RULE_ROLE not in frappe.get_roles(self.masters.head):
			frappe.get_doc("User", self.masters.head).add_roles(RULE_ROLE)
		with self.acting(self.masters.head):
			frappe.get_doc(
				{
					"doctype": "Sales Lead Rule",
					"rule_name": rule_name(self.masters.company),
					"company": self.masters.company,
					"enabled": 1,
					**lead_plan.RULE,
				}
			).insert()

	def _lead_campaign(self, step):
		campaign = next(c for c in self.story.campaigns if c.name == step.data["name"])
		existing = frappe.db.get_value("Campaign", {"campaign_name": campaign.name})
		if not existing:
			with self.acting(self.masters.head):
				existing = (
					frappe.get_doc(
						{
							"doctype": "Campaign",
							"campaign_name": campaign.name,
							"description": campaign.description,
						}
					)
					.insert()
					.name
				)
		self.campaign_names[campaign.name] = existing

	def _lead_new(self, step):
		lead = self.lead(step)
		name, title, gender = lead.contact
		# inbound leads come from the web form or a message, routed to the rep of their city
		maker = self.rep_of_lead(lead) if lead.by_rep else "Administrator"
		with self.acting(maker):
			doc = frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": name,
					"lead_name": name,
					"gender": gender if frappe.db.exists("Gender", gender) else None,
					"job_title": title,
					"company_name": lead.company_name,
					"email_id": lead.email,
					"mobile_no": lead.mobile,
					"source": lead.source,
					"campaign_name": self.campaign_names.get(lead.campaign) if lead.campaign else None,
					"industry": lead.industry,
					"annual_revenue": lead.revenue if lead.revenue_given else None,
					"no_of_employees": lead.employees if lead.employees_given else None,
					"request_type": lead.request_type,
					"type": "Client",
					"territory": lead.territory,
					"city": lead.city_zh,
					"country": words.COUNTRY,
					"language": "zh",
					"company": self.masters.company,
					"lead_owner": self.rep_of_lead(lead),
				}
			).insert()
		self.lead_names[lead.index] = doc.name

	def _communication(self, step, medium: str, direction: str, subject: str, content: str):
		"""An email or a call on the lead, as the mail account or the phone logs it."""
		lead = self.lead(step)
		rep = self.rep_of_lead(lead)
		received = direction == "Received"
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": medium,
				"sent_or_received": direction,
				"subject": subject,
				"content": content,
				"sender": lead.email if received else rep,
				"recipients": rep if received else lead.email,
				"phone_no": lead.mobile if medium == "Phone" else None,
				"reference_doctype": "Lead",
				"reference_name": self.lead_names[lead.index],
				"communication_date": step.at,
				"user": rep,
			}
		).insert(ignore_permissions=True)

	def _lead_mail_in(self, step):
		self._communication(step, "Email", "Received", step.data["subject"], step.data["message"])

	def _lead_mail_out(self, step):
		with self.acting(self.rep_of_lead(self.lead(step))):
			self._communication(step, "Email", "Sent", step.data["subject"], step.data["message"])

	def _lead_call(self, step):
		note = step.data["note"]
		with self.acting(self.rep_of_lead(self.lead(step))):
			self._communication(step, "Phone", "Sent", f"电话 Call ({step.data['minutes']} min)", note)

	def _lead_meeting(self, step):
		"""A meeting booked now for later: it counts (and contacts the lead) when it takes place."""
		lead = self.lead(step)
		starts = step.data["starts"]
		with self.acting(self.rep_of_lead(lead)):
			frappe.get_doc(
				{
					"doctype": "Event",
					"subject": f"{step.data['subject']} · {lead.company_name}",
					"description": step.data["description"],
					"event_category": "Meeting",
					"event_type": "Public",
					"starts_on": starts,
					"ends_on": starts + timedelta(hours=step.data["hours"]),
					"send_reminder": 0,
					"event_participants": [
						{"reference_doctype": "Lead", "reference_docname": self.lead_names[lead.index]}
					],
				}
			).insert()
		self.event_count += 1

	def _lead_fill(self, step):
		"""What the lead said on the phone: its revenue and size, filled in by the rep."""
		lead = self.lead(step)
		with self.acting(self.rep_of_lead(lead)):
			doc = frappe.get_doc("Lead", self.lead_names[lead.index])
			doc.annual_revenue = step.data["revenue"]
			doc.no_of_employees = step.data["employees"]
			doc.save()

	def _lead_status(self, step):
		lead = self.lead(step)
		with self.acting(self.rep_of_lead(lead)):
			doc = frappe.get_doc("Lead", self.lead_names[lead.index])
			if doc.status in ("Opportunity", "Quotation", "Converted"):
				return
			doc.status = step.data["status"]
			doc.save()

	# the deals the leads became: History's steps, with the lead as the party

	def lead_of_deal(self, deal: int) -> lead_plan.Lead:
		return self.story.leads[self.story.deals[deal].customer]

	def customer_of(self, deal: int) -> str:
		return self.lead_of_deal(deal).company_name

	def _create(self, step, state):
		"""The rep converts the lead: ERPNext's Opportunity from the lead, with what it asked for."""
		from erpnext.crm.doctype.lead.lead import make_opportunity

		lead = self.lead_of_deal(step.deal)
		customer = self.story.customers[lead.index]
		with self.acting(self.rep_of(step.deal)):
			doc = make_opportunity(self.lead_names[lead.index])
			doc.update(
				{
					"company": self.masters.company,
					"opportunity_type": "Sales",
					"opportunity_owner": self.rep_of(step.deal),
					"sales_stage": plan.STAGES[0],
					"currency": words.CURRENCY,
					"conversion_rate": 1,
					"transaction_date": frappe.utils.today(),
					"expected_closing": step.data["expected_closing"],
					"territory": lead.territory,
					"customer_group": customer.group,
					"opportunity_amount": self.story.deals[step.deal].amount,
				}
			)
			doc.set(
				"items",
				[
					{"item_code": code, "qty": qty, "rate": rate, "uom": "Nos"}
					for code, qty, rate in step.data["items"]
				],
			)
			doc.insert()
		state["opportunity"] = doc.name

	def people_of(self, deal: int) -> list[str]:
		"""The lead's people: the contact ERPNext made from the lead, and the others the rep met."""
		lead = self.lead_of_deal(deal)
		name = self.lead_names[lead.index]
		existing = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Contact", "link_doctype": "Lead", "link_name": name},
			pluck="parent",
			order_by="creation asc",
		)
		people = self.story.customers[lead.index].contacts
		for full_name, title, gender in people[len(existing) :]:
			existing.append(
				frappe.get_doc(
					{
						"doctype": "Contact",
						"first_name": full_name,
						"designation": title,
						"gender": gender if frappe.db.exists("Gender", gender) else None,
						"company_name": lead.company_name,
						"links": [{"link_doctype": "Lead", "link_name": name}],
					}
				)
				.insert()
				.name
			)
		return existing

	def _order(self, step, state):
		"""Won: the lead becomes a Customer (ERPNext's own mapping), then the order is made as for any deal."""
		from erpnext.crm.doctype.lead.lead import make_customer

		lead = self.lead_of_deal(step.deal)
		name = self.lead_names[lead.index]
		quotation = state.get("quotation")
		submitted = quotation and frappe.db.get_value("Quotation", quotation, "docstatus") == 1
		if submitted and not frappe.db.exists("Customer", {"lead_name": name}):
			with self.acting(self.rep_of(step.deal)):
				customer = make_customer(name)
				customer.customer_group = self.story.customers[lead.index].group
				customer.territory = lead.territory
				customer.default_price_list = words.PRICE_LIST
				customer.insert()
		super()._order(step, state)


def _without_commit(hook):
	"""ERPNext's Contact hook (a new contact takes over the Call Logs of its phone numbers) commits in
	the middle of the request, which would end the step's savepoint (and a test's transaction): the
	lead's contact, made with the lead, has a mobile number. Here it runs without that commit."""

	def run(doc, method=None):
		with mock.patch.object(frappe.local.db, "commit", lambda *args, **kwargs: None):
			return hook(doc, method)

	return run


def lead_counts(company: str) -> dict[str, dict[str, int]]:
	"""What the lead phase wrote, as a manager would count it."""
	rows = frappe.get_all(
		"Lead",
		filters={"company": company},
		fields=[
			"name",
			"source",
			"sp_grade",
			"sp_pooled",
			"qualification_status",
			"status",
			"sp_first_contacted_on",
		],
	)
	names = [row.name for row in rows] or [""]
	converted = set(
		frappe.get_all(
			"Opportunity",
			filters={"opportunity_from": "Lead", "party_name": ("in", names)},
			pluck="party_name",
		)
	)
	alerts = frappe.get_all(
		"Sales Process Alert",
		filters={
			"alert_type": "First Response",
			"reference_doctype": "Lead",
			"reference_name": ("in", names),
		},
		fields=["level"],
	)
	by_source: dict[str, Counter] = {}
	for row in rows:
		counter = by_source.setdefault(row.source or "-", Counter())
		counter["leads"] += 1
		counter["pooled"] += row.sp_pooled
		counter["converted"] += row.name in converted
	return {
		"Lead": {"leads": len(rows), "pooled": sum(r.sp_pooled for r in rows), "converted": len(converted)},
		"Lead by grade": dict(Counter(row.sp_grade or "-" for row in rows)),
		"Lead by qualification": dict(Counter(row.qualification_status or "-" for row in rows)),
		"Lead by status": dict(Counter(row.status for row in rows)),
		"Lead contacted": {
			"contacted": sum(1 for r in rows if r.sp_first_contacted_on),
			"never": sum(1 for r in rows if not r.sp_first_contacted_on),
		},
		"First-response alert by level": dict(Counter(row.level for row in alerts)),
		**{f"Lead source {source}": dict(values) for source, values in sorted(by_source.items())},
	}
