"""Lead hooks on a real site: pool criteria, score, grade and ERPNext's qualification status on save;
engagements of every kind; the breakdown on the form in the reader's language; the Opportunity
made from a lead; companies outside the process; and a Sales User trying to set the score or the
qualification through every entry point."""

from __future__ import annotations

import json

import frappe
from frappe.utils import add_to_date, now_datetime, random_string

from sales_process.process import leads
from sales_process.process.test_leads import GOOD, REP, communication, make_lead, make_rule, stored
from sales_process.testing import (
	EnrolledCompanyTestCase,
	as_user,
	bulk_edit,
	client_save,
	client_set_value,
	data_import_update,
	desk_save,
	enroll,
	make_user,
	rest_post,
	rest_put,
	unenroll,
)


class TestLeadHooks(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		cls.rule = make_rule(cls.company)

	def setUp(self):
		frappe.set_user("Administrator")
		leads.forget_rules()

	def test_a_lead_meeting_the_pool_criteria_is_qualified_by_the_rule(self):
		lead = make_lead(self.company, owner=REP, **GOOD)
		row = stored(lead.name)
		self.assertEqual((row.sp_score, row.sp_grade, row.sp_pooled), (60, "B", 1))
		self.assertEqual(row.qualification_status, "Qualified")
		self.assertEqual(row.qualified_by, self.rule.modified_by)
		self.assertEqual(str(row.qualified_on), str(row.sp_pooled_on.date()))
		self.assertEqual((row.sp_lead_rule, row.sp_reason), (self.rule.name, None))
		self.assertEqual(row.sp_fingerprint, leads.active_rule(self.company).rule.fingerprint)
		self.assertIsNone(row.sp_score_valid_until)  # no activity: nothing changes by itself
		self.assertIsNotNone(row.sp_first_response_due)

	def test_a_lead_failing_a_criterion_stays_unqualified_with_the_reason(self):
		lead = make_lead(self.company, **{**GOOD, "annual_revenue": 5_000_000})
		row = stored(lead.name)
		self.assertEqual(
			(row.sp_pooled, row.qualification_status, row.qualified_by), (0, "Unqualified", None)
		)
		self.assertEqual(row.sp_score, 60)  # fit points count whether or not it is in the pool
		self.assertIsNone(row.sp_first_response_due)
		self.assertEqual(json.loads(row.sp_reason), [["below", ["annual_revenue", "10000000"]]])
		(reason,) = leads.stored_reasons(row.sp_reason)
		self.assertEqual(leads.render_reason(reason, "en"), "Annual Revenue is below 10000000")
		self.assertEqual(leads.render_reason(reason, "zh"), "年收入低于 10000000")
		# filled in later: the lead enters the pool then, and nothing was deleted
		doc = frappe.get_doc("Lead", lead.name)
		doc.annual_revenue = 12_000_000
		doc.save()
		row = stored(lead.name)
		self.assertEqual((row.sp_pooled, row.qualification_status), (1, "Qualified"))
		self.assertIsNotNone(row.sp_pooled_on)
		# and leaving the pool takes the qualification away again
		doc.reload()
		doc.industry = "Agriculture"
		doc.save()
		row = stored(lead.name)
		self.assertEqual(
			(row.sp_pooled, row.qualification_status, row.sp_pooled_on), (0, "Unqualified", None)
		)
		self.assertEqual(json.loads(row.sp_reason)[0][0], "not_in")

	def test_a_missing_value_fails_the_pool_and_grades_follow_the_thresholds(self):
		lead = make_lead(self.company, industry="Aerospace", no_of_employees="11-50")
		row = stored(lead.name)
		self.assertEqual((row.sp_score, row.sp_grade, row.sp_pooled), (0, "D", 0))
		self.assertEqual(json.loads(row.sp_reason), [["missing", ["annual_revenue"]]])
		# exactly at a threshold takes the higher grade: fit 40 + two emails received = 50 is B
		lead = make_lead(self.company, **{**GOOD, "source": "Cold Calling"})
		communication(lead.name)
		self.assertEqual((stored(lead.name).sp_score, stored(lead.name).sp_grade), (45, "C"))
		communication(lead.name)
		self.assertEqual((stored(lead.name).sp_score, stored(lead.name).sp_grade), (50, "B"))

	def test_every_kind_of_engagement_counts_and_the_first_contact_is_kept(self):
		lead = make_lead(self.company, **GOOD)
		self.assertIsNone(stored(lead.name).sp_first_contacted_on)
		communication(lead.name)  # an email received: +5, not a contact
		row = stored(lead.name)
		self.assertEqual(row.sp_score, 65)
		self.assertIsNone(row.sp_first_contacted_on)
		call = frappe.get_doc(
			{
				"doctype": "Call Log",
				"id": f"_sp-{random_string(8)}",
				"from": "+8613800000000",
				"to": "+862100000000",
				"type": "Outgoing",
				"status": "Completed",
				"start_time": now_datetime(),
				"links": [{"link_doctype": "Lead", "link_name": lead.name}],
			}
		).insert(ignore_permissions=True)
		row = stored(lead.name)
		self.assertEqual(row.sp_score, 75)
		self.assertEqual(row.sp_grade, "A")
		self.assertEqual(row.sp_first_contacted_on, call.start_time)
		visit = frappe.get_doc(
			{
				"doctype": "Sales Visit Log",
				"party_type": "Lead",
				"party": lead.name,
				"rep": "Administrator",
				"status": "Checked In",
				"check_in_time": now_datetime(),
			}
		)
		visit.flags.sp_system_write = True
		visit.insert(ignore_permissions=True)
		self.assertEqual(stored(lead.name).sp_score, 95)  # activity 5 + 10 + 20 = 35, under the cap of 40
		first = stored(lead.name).sp_first_contacted_on
		# a call in the calendar: activity 45, capped at 40
		frappe.get_doc({"doctype": "Event", "subject": "Follow-up call", "event_category": "Call", "event_type": "Private",
			"starts_on": now_datetime(), "event_participants": [{"reference_doctype": "Lead", "reference_docname": lead.name}]}).insert(ignore_permissions=True)  # fmt: skip
		self.assertEqual(stored(lead.name).sp_score, 100)
		self.assertEqual(stored(lead.name).sp_first_contacted_on, first)
		# a meeting planned for next week does not count yet, and the score is valid until it comes
		next_week = add_to_date(now_datetime(), days=7)
		frappe.get_doc({"doctype": "Event", "subject": "Plant tour", "event_category": "Meeting", "event_type": "Private",
			"starts_on": next_week, "event_participants": [{"reference_doctype": "Lead", "reference_docname": lead.name}]}).insert(ignore_permissions=True)  # fmt: skip
		row = stored(lead.name)
		self.assertEqual((row.sp_score, row.sp_first_contacted_on), (100, first))
		self.assertLessEqual(row.sp_score_valid_until, next_week)

	def test_the_form_shows_the_breakdown_in_the_readers_language(self):
		lead = make_lead(self.company, **{**GOOD, "annual_revenue": 1_000_000})
		communication(lead.name, medium="Phone")
		doc = frappe.get_doc("Lead", lead.name)
		doc.set("__onload", frappe._dict())  # as the desk's getdoc does
		doc.run_method("onload")
		data = doc.get_onload().sp_lead_score
		self.assertEqual((data["score"], data["grade"], data["pooled"]), (70, "B", False))
		texts = [reason["text"] for reason in data["reasons"]]
		self.assertEqual(texts[0], "Annual Revenue is below 10000000")
		self.assertIn("No of Employees: 40 points", texts)
		self.assertIn("Call × 1: 10 points", texts)
		self.assertIn("Source: 20 points", texts)
		frappe.local.lang = "zh"
		try:
			doc.set("__onload", frappe._dict())
			doc.run_method("onload")
			self.assertEqual(doc.get_onload().sp_lead_score["reasons"][0]["text"], "年收入低于 10000000")
		finally:
			frappe.local.lang = "en"

	def test_an_opportunity_made_from_a_lead_keeps_its_score_and_grade(self):
		from erpnext.crm.doctype.lead.lead import make_opportunity

		lead = make_lead(self.company, owner=REP, **GOOD)
		communication(lead.name, medium="Phone")
		opportunity = make_opportunity(lead.name)
		opportunity.update({"opportunity_type": "Sales", "sales_stage": "Prospecting", "conversion_rate": 1})
		opportunity.insert(ignore_permissions=True)
		stored_deal = frappe.db.get_value(
			"Opportunity", opportunity.name, ["sp_lead_score", "sp_lead_grade"], as_dict=True
		)
		self.assertEqual((stored_deal.sp_lead_score, stored_deal.sp_lead_grade), (70, "B"))
		# the lead goes on changing; the deal keeps what it was at conversion, whatever is sent
		communication(lead.name, medium="Visit")
		opportunity.reload()
		opportunity.sp_lead_score = 99
		opportunity.save(ignore_permissions=True)
		with as_user(REP):
			rest_put("Opportunity", opportunity.name, {"sp_lead_score": 100, "sp_lead_grade": "A"})
		self.assertEqual(
			frappe.db.get_value("Opportunity", opportunity.name, ["sp_lead_score", "sp_lead_grade"]),
			(70, "B"),
		)

	def test_companies_outside_the_process_are_left_alone(self):
		unenroll(self.company)
		leads.forget_rules()
		try:
			lead = make_lead(self.company, qualification_status="In Process", **GOOD)
			row = stored(lead.name)
			self.assertEqual(
				(row.sp_grade, row.sp_fingerprint, row.qualification_status), (None, None, "In Process")
			)
			communication(lead.name)
			self.assertIsNone(stored(lead.name).sp_fingerprint)
		finally:
			enroll(self.company)
		# a company enrolled without an enabled rule: the qualification stays the user's
		frappe.db.set_value("Sales Lead Rule", self.rule.name, "enabled", 0)
		leads.forget_rules()
		try:
			lead = make_lead(self.company, qualification_status="In Process", **GOOD)
			self.assertEqual(
				(stored(lead.name).qualification_status, stored(lead.name).sp_grade), ("In Process", None)
			)
		finally:
			frappe.db.set_value("Sales Lead Rule", self.rule.name, "enabled", 1)
			leads.forget_rules()


FORGED = {
	"sp_score": 99,
	"sp_grade": "A",
	"sp_pooled": 1,
	"sp_reason": None,
	"sp_first_contacted_on": "2020-01-01 00:00:00",
	"sp_score_valid_until": "2099-01-01 00:00:00",
	"qualification_status": "Qualified",
	"qualified_by": REP,
	"qualified_on": "2020-01-01",
}
KEPT = [*leads.SERVER_FIELDS, *leads.QUALIFICATION_FIELDS]


class TestLeadScoreCannotBeForged(EnrolledCompanyTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_user(REP, ["Sales User"])
		cls.rule = make_rule(cls.company)

	def setUp(self):
		frappe.set_user("Administrator")
		leads.forget_rules()

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.form_dict = frappe._dict()

	def test_a_sales_user_cannot_set_the_score_or_the_qualification_by_any_entry_point(self):
		lead = make_lead(self.company, owner=REP, **{**GOOD, "annual_revenue": 5_000_000})  # not pooled
		before = stored(lead.name, *KEPT)
		self.assertEqual((before.qualification_status, before.sp_pooled), ("Unqualified", 0))
		attacks = {
			"REST PUT": lambda: rest_put("Lead", lead.name, FORGED),
			"frappe.client.set_value": lambda: client_set_value("Lead", lead.name, "sp_score", 99),
			"frappe.client.set_value qualification": lambda: client_set_value(
				"Lead", lead.name, "qualification_status", "Qualified"
			),
			"frappe.client.save": lambda: client_save("Lead", lead.name, FORGED),
			"form save": lambda: desk_save("Lead", lead.name, FORGED),
			"bulk edit": lambda: bulk_edit("Lead", lead.name, FORGED),
			"data import": lambda: data_import_update("Lead", lead.name, FORGED),
		}
		for entry, attack in attacks.items():
			with self.subTest(entry=entry):
				with as_user(REP):
					try:
						attack()
					except (frappe.ValidationError, frappe.PermissionError):
						pass  # refused is fine too: what matters is the stored row
				self.assertEqual(stored(lead.name, *KEPT), before, entry)

	def test_a_new_lead_sent_with_a_score_gets_the_servers(self):
		with as_user(REP):
			created = rest_post(
				"Lead",
				{
					"lead_name": f"_SP Forged {random_string(4)}",
					"company": self.company,
					"lead_owner": REP,
					**GOOD,
					**FORGED,
				},
			)
		row = stored(created.get("name"), *KEPT)
		self.assertEqual((row.sp_score, row.sp_grade, row.qualification_status), (60, "B", "Qualified"))
		self.assertIsNone(row.sp_first_contacted_on)
		self.assertNotEqual(str(row.qualified_on), "2020-01-01")
		self.assertNotEqual(row.qualified_by, REP)
