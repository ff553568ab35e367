"""Lead intake jobs on a real site: the daily recompute touches only leads whose score can change,
a changed rule re-scores its company's leads, the first-response reminder then alert (once each)
and what acts on them. Also the helpers the other lead tests use."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import frappe
from frappe.utils import add_to_date, get_datetime, now_datetime, random_string
from freezegun import freeze_time

from sales_process import tasks
from sales_process.process import leads
from sales_process.testing import EnrolledCompanyTestCase, make_sales_person, make_user

RULE_NAME = "_SP Lead Pool"
REP = "sp-lead-rep@example.com"
MANAGER = "sp-lead-manager@example.com"

# fit 60 (employees ≥ 51: 40, source Exhibition: 20), pooled by industry and revenue
GOOD = {
	"industry": "Aerospace",
	"annual_revenue": 20_000_000,
	"no_of_employees": "201-500",
	"source": "Exhibition",
}


def make_rule(company: str, name: str = RULE_NAME, **overrides):
	"""The test company's one enabled rule (others of the company are switched off first)."""
	frappe.db.set_value("Sales Lead Rule", {"company": company, "enabled": 1}, "enabled", 0)
	leads.forget_rules()
	values = {
		"doctype": "Sales Lead Rule",
		"rule_name": name,
		"company": company,
		"criteria": [
			{"lead_field": "industry", "operator": "in", "value": "Manufacturing, Aerospace", "kind": "Pool"},
			{"lead_field": "annual_revenue", "operator": ">=", "value": "10000000", "kind": "Pool"},
			{"lead_field": "no_of_employees", "operator": ">=", "value": "51", "kind": "Fit", "points": 40},
			{"lead_field": "source", "operator": "=", "value": "Exhibition", "kind": "Fit", "points": 20},
		],
		"activity": [
			{"engagement_kind": kind, "points": points}
			for kind, points in (
				("Email Received", 5),
				("Reply Sent", 3),
				("Call", 10),
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
	values.update(overrides)
	if frappe.db.exists("Sales Lead Rule", name):
		frappe.delete_doc("Sales Lead Rule", name, force=True)
	doc = frappe.get_doc(values).insert(ignore_permissions=True)
	leads.forget_rules()
	return doc


def make_lead(company: str, owner: str | None = None, **fields):
	return frappe.get_doc(
		{
			"doctype": "Lead",
			"lead_name": f"_SP Lead {random_string(6)}",
			"company_name": f"_SP Co {random_string(4)}",
			"company": company,
			"lead_owner": owner or "Administrator",
			**fields,
		}
	).insert(ignore_permissions=True)


def stored(name: str, *fields):
	return frappe.db.get_value("Lead", name, list(fields) or ["*"], as_dict=True)


def communication(lead: str, direction: str = "Received", medium: str = "Email", on=None):
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": medium,
			"sent_or_received": direction,
			"subject": f"_SP lead mail {random_string(4)}",
			"content": "About your enquiry",
			"reference_doctype": "Lead",
			"reference_name": lead,
			"communication_date": on or now_datetime(),
		}
	).insert(ignore_permissions=True)


def alerts_of(lead: str, **filters):
	return frappe.get_all(
		"Sales Process Alert",
		filters={"reference_doctype": "Lead", "reference_name": lead, **filters},
		fields=[
			"name",
			"alert_type",
			"level",
			"recipient",
			"status",
			"acted_how",
			"message",
			"message_params",
		],
		order_by="creation asc",
	)


class TestLeadJobs(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		make_user(MANAGER, ["Sales User"])
		boss = make_sales_person("_SP Lead Manager", MANAGER, cls.company, is_group=1)
		make_sales_person("_SP Lead Rep", REP, cls.company, parent=boss)

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.flags.current_date = None
		# each test its own rule: one test changing it changes no other
		self.rule = make_rule(self.company, name=f"{RULE_NAME} {random_string(5)}")
		# the leads of earlier tests in this class wait for nothing: each test counts its own alerts
		frappe.db.sql("update `tabLead` set sp_response_check_on = null")

	def tearDown(self):
		frappe.flags.current_date = None

	def test_the_daily_job_rescores_only_leads_whose_score_can_change(self):
		warm = make_lead(self.company, **GOOD)
		communication(warm.name, medium="Phone")  # a call: +10, halves every 30 days
		still = make_lead(self.company, **GOOD)  # no activity: nothing can change by itself
		warm_row = stored(warm.name, "sp_score", "sp_score_valid_until", "sp_grade")
		self.assertEqual((warm_row.sp_score, warm_row.sp_grade), (70, "B"))
		self.assertIsNone(stored(still.name, "sp_score_valid_until").sp_score_valid_until)
		# 10 · 2^(−t/30) falls below 9.5 after 30 · log2(10/9.5) ≈ 2.2 days
		valid_until = get_datetime(warm_row.sp_score_valid_until)
		self.assertAlmostEqual((valid_until - now_datetime()).total_seconds() / 86400, 2.22, delta=0.05)
		# a mark the job would overwrite if it touched the lead
		frappe.db.set_value("Lead", still.name, "sp_score", 1, update_modified=False)
		frappe.flags.current_date = add_to_date(now_datetime(), days=3)
		tasks.recompute_lead_scores()
		self.assertEqual(stored(warm.name, "sp_score").sp_score, 69)
		self.assertEqual(stored(still.name, "sp_score").sp_score, 1)
		# 59 days on: 10 · 2^(−59/30) ≈ 2.56 → 62.56 → 63; after the window nothing is left
		frappe.flags.current_date = add_to_date(now_datetime(), days=59)
		tasks.recompute_lead_scores()
		self.assertEqual(stored(warm.name, "sp_score").sp_score, 63)
		frappe.flags.current_date = add_to_date(now_datetime(), days=91)
		tasks.recompute_lead_scores()
		row = stored(warm.name, "sp_score", "sp_score_valid_until")
		self.assertEqual((row.sp_score, row.sp_score_valid_until), (60, None))

	def test_a_changed_rule_rescores_the_companys_leads(self):
		lead = make_lead(self.company, **GOOD)
		old = stored(lead.name, "sp_score", "sp_fingerprint")
		self.assertEqual(old.sp_score, 60)
		rule = frappe.get_doc("Sales Lead Rule", self.rule.name)
		rule.criteria[3].points = 30  # Exhibition is worth more now
		rule.save()
		new = stored(lead.name, "sp_score", "sp_fingerprint", "sp_grade")
		self.assertEqual((new.sp_score, new.sp_grade), (70, "B"))
		self.assertNotEqual(new.sp_fingerprint, old.sp_fingerprint)
		self.assertEqual(new.sp_fingerprint, leads.active_rule(self.company).rule.fingerprint)
		# a change that scores nothing differently (a first-response window) re-scores nothing
		frappe.db.set_value("Lead", lead.name, "sp_score", 1, update_modified=False)
		rule.reload()
		rule.response_hours_b = 8
		rule.save()
		self.assertEqual(stored(lead.name, "sp_score").sp_score, 1)

	def test_the_backfill_scores_leads_written_without_a_score(self):
		"""What the v0_6 patch and a new rule's job run: leads scored by no rule are scored."""
		lead = make_lead(self.company, **GOOD)
		frappe.db.set_value(
			"Lead",
			lead.name,
			{field: None for field in leads.SERVER_FIELDS}
			| {"sp_score": 0, "sp_pooled": 0, "qualification_status": "Unqualified"},
			update_modified=False,
		)
		frappe.db.set_value("Lead", lead.name, "creation", add_to_date(now_datetime(), days=-400))
		leads.recompute(commit=False)
		row = stored(lead.name, "sp_score", "qualification_status", "sp_pooled_on", "sp_first_response_due")
		self.assertEqual((row.sp_score, row.qualification_status), (60, "Qualified"))
		# pooled by a backfill, more than a week after it came in: no first-response deadline
		self.assertIsNotNone(row.sp_pooled_on)
		self.assertIsNone(row.sp_first_response_due)

	def test_first_response_reminder_then_manager_alert_once_each_and_a_contact_acts_on_them(self):
		from sales_process.engine.alerts import add_working_hours

		start = datetime(2026, 11, 18, 9, 0)  # a Wednesday; the company has no Holiday List: weekends off
		with frozen(start):
			lead = make_lead(self.company, owner=REP, **GOOD)  # grade B: 24 working hours
		row = stored(lead.name, "sp_pooled_on", "sp_first_response_due", "sp_response_check_on")
		self.assertEqual(row.sp_pooled_on, start)
		due = add_working_hours(start, 24, None)
		reminder_on = add_working_hours(start, 18, None)  # 75 % of the window
		self.assertEqual((row.sp_first_response_due, row.sp_response_check_on), (due, reminder_on))

		with frozen(reminder_on - timedelta(minutes=1)):
			self.assertEqual(tasks.first_response_alerts(), 0)
		with frozen(reminder_on):
			self.assertEqual(tasks.first_response_alerts(), 1)
		(reminder,) = alerts_of(lead.name)
		self.assertEqual(
			(reminder.alert_type, reminder.level, reminder.recipient), ("First Response", "Reminder", REP)
		)
		self.assertEqual(stored(lead.name, "sp_response_check_on").sp_response_check_on, due)
		self.assertEqual(tasks.first_response_alerts(reminder_on + timedelta(hours=1)), 0)  # not yet due

		with frozen(due):
			self.assertEqual(tasks.first_response_alerts(), 1)
		alert = alerts_of(lead.name, level="Alert")[0]
		self.assertEqual(alert.recipient, MANAGER)
		self.assertIn(f"Lead {lead.name} (", leads_rendered(alert))
		self.assertIn("was not contacted within 24 working hours", leads_rendered(alert))
		self.assertIn("未在 24 个工作小时内联系", leads_rendered(alert, "zh"))
		self.assertIsNone(stored(lead.name, "sp_response_check_on").sp_response_check_on)
		self.assertEqual(tasks.first_response_alerts(due + timedelta(hours=2)), 0)
		# the hour running twice (or the check set again by a save) raises nothing new
		frappe.db.set_value("Lead", lead.name, "sp_response_check_on", due, update_modified=False)
		self.assertEqual(tasks.first_response_alerts(due + timedelta(hours=3)), 0)
		self.assertEqual(len(alerts_of(lead.name)), 2)
		self.assertIsNotNone(frappe.db.get_value("Sales Process Alert", alert.name, "todo"))

		# the rep replies: the lead is contacted, both alerts are acted on
		with frozen(due + timedelta(hours=4)):
			communication(lead.name, direction="Sent")
		self.assertEqual(
			stored(lead.name, "sp_first_contacted_on").sp_first_contacted_on, due + timedelta(hours=4)
		)
		self.assertEqual(
			{(a.status, a.acted_how) for a in alerts_of(lead.name)}, {("Acted On", "Lead Contacted")}
		)

	def test_a_hotter_lead_must_be_answered_sooner(self):
		start = datetime(2026, 11, 18, 9, 0)
		with frozen(start):
			lead = make_lead(self.company, owner=REP, **GOOD)  # B: due Thursday 09:00
		with frozen(start + timedelta(hours=2)):
			communication(lead.name)  # an email received: 65, still B
			frappe.get_doc({"doctype": "Event", "subject": "Intro", "event_category": "Meeting", "event_type": "Private",
				"starts_on": start + timedelta(hours=1), "status": "Cancelled",
				"event_participants": [{"reference_doctype": "Lead", "reference_docname": lead.name}]}).insert(ignore_permissions=True)  # fmt: skip
			self.assertEqual(stored(lead.name, "sp_score").sp_score, 65)  # a cancelled meeting counts nothing
			communication(lead.name)
			communication(lead.name)  # 75: grade A, 4 working hours from now
		row = stored(lead.name, "sp_grade", "sp_first_response_due")
		self.assertEqual((row.sp_grade, row.sp_first_response_due), ("A", start + timedelta(hours=6)))

	def test_a_lead_contacted_in_time_raises_nothing(self):
		lead = make_lead(self.company, owner=REP, **GOOD)
		due = get_datetime(stored(lead.name, "sp_first_response_due").sp_first_response_due)
		communication(lead.name, direction="Sent")
		row = stored(lead.name, "sp_first_contacted_on", "sp_response_check_on")
		self.assertIsNotNone(row.sp_first_contacted_on)
		self.assertIsNone(row.sp_response_check_on)
		self.assertEqual(tasks.first_response_alerts(due + timedelta(hours=1)), 0)
		self.assertFalse(alerts_of(lead.name))

	def test_a_contact_no_hook_saw_is_found_by_the_hourly_job(self):
		lead = make_lead(self.company, owner=REP, **GOOD)
		due = get_datetime(stored(lead.name, "sp_first_response_due").sp_first_response_due)
		mail = communication(lead.name, direction="Received")  # not a contact
		# a reply written straight into the database, past every hook
		frappe.db.set_value("Communication", mail.name, {"sent_or_received": "Sent"}, update_modified=False)
		self.assertEqual(tasks.first_response_alerts(due), 0)
		self.assertIsNotNone(stored(lead.name, "sp_first_contacted_on").sp_first_contacted_on)
		self.assertFalse(alerts_of(lead.name))

	def test_an_escalation_reaches_the_managers_manager_with_its_message(self):
		from sales_process.process import alert_jobs
		from sales_process.process.alerts import Directory

		lead = make_lead(self.company, owner=REP, **GOOD)
		due = get_datetime(stored(lead.name, "sp_first_response_due").sp_first_response_due)
		tasks.first_response_alerts(due)
		alert = alerts_of(lead.name, level="Alert")[0]
		escalate_on = frappe.db.get_value("Sales Process Alert", alert.name, "escalate_on")
		# no one above the manager: the escalation has reached the top and goes nowhere, but is raised
		alert_jobs.escalate(get_datetime(escalate_on), Directory())
		(escalation,) = alerts_of(lead.name, level="Escalation")
		self.assertIn("alerted to", leads_rendered(escalation, "en"))


def frozen(moment: datetime):
	"""The clock stopped at `moment`, a naive time in the site's time zone (as now_datetime gives it)."""
	return freeze_time(moment.replace(tzinfo=ZoneInfo(frappe.utils.get_system_timezone())))


def leads_rendered(alert, lang="en") -> str:
	from sales_process.process.alerts import render

	return render(alert.message, alert.message_params, lang)
